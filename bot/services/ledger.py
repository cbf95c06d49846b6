"""Ledger use cases: a recorder's entry and the reversal of an entry. Append-only, always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from bot.services.common import (
    NO_SOURCE,
    Actor,
    Context,
    Source,
    branch_of,
    checked_points,
    item_of,
    member_of,
    require_role,
)
from bot.services.errors import Duplicate, Invalid, NotFound
from bot.services.policy import recorders
from bot.storage.schema import LedgerEntry
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RecordEntry:
    branch_id: int
    member_id: int
    item: str
    date: date
    reason: str
    points: float | None = None
    lead: bool = False
    source: Source = NO_SOURCE


@dataclass(frozen=True, slots=True)
class Recorded:
    entry_id: int
    points: float


def new_entry(
    *,
    branch_id: int,
    member_id: int,
    item: str,
    points: float,
    lead: bool,
    day: date,
    actor: Actor,
    reason: str,
    source: Source,
    claim_id: int | None = None,
    reverses_id: int | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        branch_id=branch_id,
        member_id=member_id,
        item=item,
        points=points,
        lead=lead,
        effective_date=day,
        actor_id=actor.member_id,
        actor=actor.label,
        reason=reason,
        claim_id=claim_id,
        source_platform=source.platform,
        source_chat=source.chat,
        source_message=source.message,
        reverses_id=reverses_id,
    )


class LedgerService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def record(self, cmd: RecordEntry, actor: Actor) -> Recorded:
        """A recorder (积分员) or approver writes an entry directly, e.g. a deduction."""
        if not cmd.reason.strip():
            raise Invalid("ledger.reason_required")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, cmd.branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            await require_role(uow, actor, branch, recorders(scheme))
            await member_of(uow, branch.id, cmd.member_id)
            item = item_of(scheme, cmd.item, ("claim", "recorder"))
            points = checked_points(item, cmd.points)
            entry = await uow.ledger.add(
                new_entry(
                    branch_id=branch.id,
                    member_id=cmd.member_id,
                    item=item.code,
                    points=points,
                    lead=cmd.lead,
                    day=cmd.date,
                    actor=actor,
                    reason=cmd.reason,
                    source=cmd.source,
                )
            )
            await uow.commit()
            return Recorded(entry.id, points)

    async def reverse(self, entry_id: int, actor: Actor, reason: str, source: Source = NO_SOURCE) -> Recorded:
        """Write the reversal of an entry (negated points, naming it). Each entry is reversed at most once;
        a reversal itself is not reversed (record the entry again instead)."""
        if not reason.strip():
            raise Invalid("ledger.reason_required")
        async with self.ctx.uow() as uow:
            entry = await uow.ledger.get(entry_id)
            if entry is None:
                raise NotFound("ledger.unknown_entry", entry=entry_id)
            branch = await branch_of(uow, entry.branch_id)
            await require_role(uow, actor, branch, recorders(self.ctx.schemes(branch.scheme)))
            await self._refuse_irreversible(uow, entry)
            reversal = new_entry(
                branch_id=entry.branch_id,
                member_id=entry.member_id,
                item=entry.item,
                points=-entry.points,
                lead=entry.lead,
                day=entry.effective_date,
                actor=actor,
                reason=reason,
                source=source,
                reverses_id=entry.id,
            )
            try:
                await uow.ledger.add(reversal)
            except IntegrityError:
                raise Duplicate("ledger.already_reversed", earlier=entry.id, entry=entry.id) from None
            await uow.commit()
            return Recorded(reversal.id, reversal.points)

    @staticmethod
    async def _refuse_irreversible(uow: UnitOfWork, entry: LedgerEntry) -> None:
        if entry.reverses_id is not None:
            raise Invalid("ledger.reversal_not_reversible", entry=entry.id, original=entry.reverses_id)
        earlier = await uow.ledger.reversal_of(entry.id)
        if earlier is not None:
            raise Duplicate("ledger.already_reversed", earlier=earlier.id, entry=entry.id)
