"""What the handlers are given: the services, the outbox and a clock. Built once by the
composition root (``bot/app.py``); tests build it with fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import logs
from bot.delivery import Delivery
from bot.handlers.types import Incoming
from bot.media import MediaStore
from bot.services.backfill import BackfillService
from bot.services.chat import ChatService, Person
from bot.services.claims import ClaimService
from bot.services.committee import CommitteeService
from bot.services.common import Context
from bot.services.dues import DuesService
from bot.services.errors import NotFound
from bot.services.evaluation import EvaluationService
from bot.services.invites import InviteService
from bot.services.ledger import LedgerService
from bot.services.meetings import MeetingService
from bot.services.outbox import Outbox
from bot.services.review import ReviewService
from bot.services.sheets import SheetService
from bot.storage.schema import Branch
from bot.storage.timeutil import to_local, utcnow
from bot.storage.uow import UnitOfWork


def today_local() -> date:
    """Today in the configured time zone."""
    return to_local(utcnow()).date()


@dataclass(frozen=True, slots=True)
class Deps:
    claims: ClaimService
    chat: ChatService
    invites: InviteService
    meetings: MeetingService
    ledger: LedgerService
    backfill: BackfillService
    dues: DuesService
    #: A unit of work (the update's own, opened by the router).
    units: Callable[[], UnitOfWork]
    outbox: Outbox
    delivery: Delivery
    today: Callable[[], date] = field(default=today_local)
    now: Callable[[], datetime] = field(default=utcnow)
    #: Sheets sent to the bot (ratings, evaluation results), read from the media store they were put in.
    sheets: SheetService | None = None
    media: MediaStore | None = None
    #: 民主测评 in the chat (``bot/services/evaluation.py``).
    evaluation: EvaluationService | None = None
    #: The township committee's branch star rating (评星).
    committee: CommitteeService | None = None
    #: 述职评议 by anonymous ballot (``bot/services/review.py``).
    review: ReviewService | None = None

    @classmethod
    def of(
        cls,
        context: Context,
        outbox: Outbox,
        delivery: Delivery | None = None,
        today: Callable[[], date] = today_local,
        now: Callable[[], datetime] = utcnow,
        media: MediaStore | None = None,
    ) -> Deps:
        services = (
            ClaimService(context), ChatService(context), InviteService(context), MeetingService(context),
            LedgerService(context), BackfillService(context), DuesService(context),
        )  # fmt: skip
        return cls(
            *services, context.uow, outbox, delivery or Delivery(), today=today, now=now,
            sheets=SheetService(context), media=media, evaluation=EvaluationService(context),
            committee=CommitteeService(context, now), review=ReviewService(context),
        )  # fmt: skip


async def located(inc: Incoming, deps: Deps) -> tuple[Person, Branch]:
    """The writer and the chat's branch; refuses an unbound group or an unlinked account."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.branch is None and not inc.private:  # in private, no branch means no linked member
        raise NotFound("chat.unbound")
    if where.person is None or where.branch is None:
        raise NotFound("chat.not_linked")
    logs.bind(branch=where.branch.id, member=where.person.member_id)  # the update's log lines
    return where.person, where.branch
