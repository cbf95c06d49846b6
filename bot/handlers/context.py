"""What the handlers are given: the services and a clock. Built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.services.chat import ChatService
from bot.services.claims import ClaimService
from bot.services.common import Context
from bot.services.invites import InviteService
from bot.services.meetings import MeetingService
from bot.storage.timeutil import to_local, utcnow


def today_local() -> date:
    """Today in the display time zone (Asia/Shanghai)."""
    return to_local(utcnow()).date()


@dataclass(frozen=True, slots=True)
class Deps:
    claims: ClaimService
    chat: ChatService
    invites: InviteService
    meetings: MeetingService
    today: Callable[[], date] = field(default=today_local)
    now: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def of(
        cls, context: Context, today: Callable[[], date] = today_local, now: Callable[[], datetime] = utcnow
    ) -> Deps:
        services = (
            ClaimService(context),
            ChatService(context),
            InviteService(context),
            MeetingService(context),
        )
        return cls(*services, today=today, now=now)
