"""What the handlers are given: the services and a clock. Built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.handlers.types import Incoming
from bot.services.chat import ChatService, Person
from bot.services.claims import ClaimService
from bot.services.common import Context
from bot.services.errors import NotFound
from bot.services.invites import InviteService
from bot.services.meetings import MeetingService
from bot.storage.schema import Branch
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


async def located(inc: Incoming, deps: Deps) -> tuple[Person, Branch]:
    """The writer and the chat's branch; refuses an unbound group or an unlinked account."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.branch is None:
        raise NotFound("chat.unbound")
    if where.person is None:
        raise NotFound("chat.not_linked")
    return where.person, where.branch
