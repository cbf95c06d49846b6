"""What the handlers are given: the services and a clock. Built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.services.chat import ChatService
from bot.services.claims import ClaimService
from bot.services.common import Context
from bot.services.invites import InviteService
from bot.storage.timeutil import to_local, utcnow


def today_local() -> date:
    """Today in the display time zone (Asia/Shanghai)."""
    return to_local(utcnow()).date()


@dataclass(frozen=True, slots=True)
class Deps:
    claims: ClaimService
    chat: ChatService
    invites: InviteService
    today: Callable[[], date] = field(default=today_local)

    @classmethod
    def of(cls, context: Context, today: Callable[[], date] = today_local) -> Deps:
        return cls(ClaimService(context), ChatService(context), InviteService(context), today)
