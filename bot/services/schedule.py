"""Meetings scheduled ahead (日程 会议 支部党员大会 3月15日 19:00, ``partybot calendar meeting``):
a ``meetings`` row with the day and ``scheduled_at``, by those who open sign-ins (``OPENERS``),
recorded in the audit log. The group is reminded the day before at 18:00 and two hours before
(``bot/services/reminders.py``); ``/calendar`` lists the meetings to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.scoring.model import MEETING_TYPES
from bot.services.common import Actor, Context, branch_of, require_role
from bot.services.errors import Invalid
from bot.services.policy import OPENERS
from bot.storage.schema import Meeting
from bot.storage.timeutil import show, to_local
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Scheduled:
    id: int
    branch_id: int
    kind: str
    title: str
    at: datetime


def _scheduled(row: Meeting) -> Scheduled:
    assert row.scheduled_at is not None
    return Scheduled(row.id, row.branch_id, row.kind, row.title, row.scheduled_at)


async def upcoming_meetings(uow: UnitOfWork, branch_id: int | None, now: datetime) -> list[Scheduled]:
    """The meetings scheduled to begin after ``now`` (of one branch, or of all), soonest first."""
    query = select(Meeting).where(Meeting.scheduled_at.is_not(None), Meeting.scheduled_at > now)
    if branch_id is not None:
        query = query.where(Meeting.branch_id == branch_id)
    rows = (await uow.session.scalars(query.order_by(Meeting.scheduled_at, Meeting.id))).all()
    return [_scheduled(r) for r in rows]


class ScheduleService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def schedule(
        self, actor: Actor, branch_id: int, kind: str, at: datetime, now: datetime
    ) -> Scheduled:
        """Schedule a meeting of ``kind`` at ``at``; a time gone by, or the same meeting type
        already scheduled that day, is refused."""
        if kind not in MEETING_TYPES:
            raise Invalid("meeting.unknown_type", kind=kind, known="、".join(MEETING_TYPES.values()))
        if at <= now:
            raise Invalid("sched.past", time=show(at))
        day = to_local(at).date()
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, OPENERS)
            same = await uow.session.scalars(
                select(Meeting).where(
                    Meeting.branch_id == branch.id, Meeting.kind == kind, Meeting.held_on == day,
                    Meeting.scheduled_at.is_not(None),
                )
            )  # fmt: skip
            if same.first() is not None:
                raise Invalid("sched.twice", name=MEETING_TYPES[kind], date=day.isoformat())
            row = Meeting(branch_id=branch.id, kind=kind, held_on=day, title=MEETING_TYPES[kind],
                          opened_by=actor.member_id, scheduled_at=at)  # fmt: skip
            uow.session.add(row)
            await uow.session.flush()
            await uow.audit.record(actor.label, "meeting.schedule", branch_id=branch.id,
                                   subject=f"meeting:{row.id}", details={"kind": kind, "at": at.isoformat()})  # fmt: skip
            await uow.commit()
            return _scheduled(row)

    async def upcoming(self, branch_id: int, now: datetime) -> list[Scheduled]:
        async with self.ctx.uow(read_only=True) as uow:
            return await upcoming_meetings(uow, branch_id, now)
