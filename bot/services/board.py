"""公示栏: which posted window a board shows, and whether the person asking sees the full board.

A board shows a window's frozen snapshot (what was posted, or its final results once final), never
results scored anew. The full board (every member's score and grade, for the village's notice
board) is only for those who decide objections (the secretary and the scheme's approvers), and
only in a private chat; everyone else sees what the branch's ``publicity`` setting shows the group.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.common import Actor, Context, branch_of
from bot.services.errors import Invalid
from bot.services.policy import correctors
from bot.services.publicity import PublicityService, Window, period_of_key


@dataclass(frozen=True, slots=True)
class BoardView:
    window: Window
    branch: str
    #: The full board: the asker decides objections and asked privately.
    full: bool


class BoardService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def board(self, actor: Actor, branch_id: int, period: str | None, private: bool) -> BoardView:
        """The window of ``period`` (a key such as ``2026-Q3``; None: the latest posted)."""
        if period is not None:
            try:
                period = period_of_key(period).key
            except (ValueError, IndexError):
                raise Invalid("board.usage") from None
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            held = await uow.members.roles(actor.member_id, branch) if actor.member_id is not None else set()
            full = private and (
                actor.operator or bool(held & set(correctors(self.ctx.schemes(branch.scheme))))
            )
            name = branch.name
        windows = await PublicityService(self.ctx).windows(branch_id)
        if not windows:
            raise Invalid("board.none")
        if period is None:  # the period that ended last (of two ending together, the one posted last)
            return BoardView(max(windows, key=lambda w: (w.period.ends, w.opens_at)), name, full)
        chosen = [w for w in windows if w.period.key == period]
        if not chosen:
            keys = [w.period.key for w in windows]
            raise Invalid("board.not_posted", period=period, periods="、".join(keys[-6:]), example=keys[-1])
        return BoardView(chosen[-1], name, full)
