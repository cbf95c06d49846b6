"""Reminders (the bot reminds; people decide), each turned on by a branch setting and off by
clearing it (``partybot calendar set``):

- ``theme_day`` (主题党日, day of the month 1-28): the group is reminded the day before at
  ``EVE_HOUR`` and on the morning itself at ``MORNING_HOUR``;
- ``dues_day`` (交纳党费, day of the month 1-28): the group is reminded that morning;
- ``pending_days`` (claims waiting longer than that many days): the approvers are told privately
  each morning how many there are;
- dues missed this month (with ``dues_day``): ``DUES_GRACE`` days after it, the secretary is told
  privately who has no dues marked paid for the month (in a branch that marks dues at all);
- a meeting scheduled ahead (日程 会议, ``bot/services/schedule.py``): the group is reminded at
  ``EVE_HOUR`` the day before and ``SOON`` before it begins;
- ``returns_alerts`` (on unless turned off): on 1 October, the secretary is told privately which
  migrant members (流动党员) have fewer returns this year (meetings attended in person, not
  online) than the scheme's ``migrant_returns`` item requires;
- ``followup_alerts`` (on unless turned off): what a final yearly result calls for (``FOLLOW_UPS``):
  the secretary is told when a 告诫 or 限期整改 period is due for review, or who is below 60 two
  cycles running;
- ``review_alerts`` (on unless turned off): on the 1st, the secretary is told privately who had no
  organizational life (present at no meeting the branch held) or paid no dues for the last 6
  months: a 自行脱党 review is due (the bot reminds; people decide).

Each reminder is one run keyed by job, branch and date (``remind.theme_day`` / ``branch-7`` /
``2026-03-05:eve``), claimed before it is sent: once across replicas and restarts. One missed
while the bot was down is sent at start only while it is still useful (within ``USEFUL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, tuple_

from bot.scoring.model import Scheme
from bot.services.common import Context
from bot.services.policy import approvers, settings_of
from bot.services.schedule import upcoming_meetings
from bot.storage.calendar import CalendarQueries
from bot.storage.schema import AttendanceRow, ClaimRow, DuesPayment, Meeting, MemberRow, held_meetings
from bot.storage.timeutil import local_zone, to_local
from bot.storage.uow import UnitOfWork

EVE_HOUR, MORNING_HOUR = 18, 8
USEFUL = timedelta(hours=10)
#: How long before a scheduled meeting the group is reminded the second time.
SOON = timedelta(hours=2)
DUES_GRACE = 5
#: Months without organizational life or dues after which a 自行脱党 review is due.
LAPSE_MONTHS = 6
#: The day (month, day) the secretary is told of migrant members short of returns: the fourth quarter.
RETURNS_DAY = (10, 1)


@dataclass(frozen=True, slots=True)
class Reminder:
    job: str
    branch_id: int
    period: str
    #: theme_day_eve / theme_day / dues / pending
    kind: str
    day: date
    count: int = 0
    roles: tuple[str, ...] = ()
    #: The members an alert names (to the secretary, privately).
    names: tuple[str, ...] = ()
    names_dues: tuple[str, ...] = ()
    #: When the meeting a reminder is about begins.
    at: datetime | None = None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone())


class ReminderService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def due(self, now: datetime) -> list[Reminder]:
        """The reminders whose moment has come and is still useful (the runs decide once)."""
        today = to_local(now).date()
        out: list[Reminder] = []

        def useful(at: datetime) -> bool:
            return at <= now < at + USEFUL

        async with self.ctx.uow(read_only=True) as uow:
            for branch in await uow.branches.list():
                s = settings_of(branch)
                tomorrow = today + timedelta(days=1)
                if s.theme_day == today.day and useful(_at(today, MORNING_HOUR)):
                    out.append(
                        Reminder("remind.theme_day", branch.id, f"{today}:morning", "theme_day", today)
                    )
                if s.theme_day == tomorrow.day and useful(_at(today, EVE_HOUR)):
                    out.append(
                        Reminder("remind.theme_day", branch.id, f"{tomorrow}:eve", "theme_day_eve", tomorrow)
                    )
                if s.dues_day == today.day and useful(_at(today, MORNING_HOUR)):
                    out.append(Reminder("remind.dues", branch.id, f"{today:%Y-%m}", "dues", today))
                if s.pending_days and useful(_at(today, MORNING_HOUR)):
                    before = now - timedelta(days=s.pending_days)
                    count = await uow.session.scalar(
                        select(func.count())
                        .select_from(ClaimRow)
                        .where(
                            ClaimRow.branch_id == branch.id,
                            ClaimRow.status == "pending",
                            ClaimRow.created_at < before,
                        )
                    )
                    if count:
                        roles = approvers(self.ctx.schemes(branch.scheme))
                        out.append(
                            Reminder(
                                "alert.pending",
                                branch.id,
                                today.isoformat(),
                                "pending",
                                today,
                                int(count),
                                roles,
                            )
                        )
                if (
                    s.dues_day
                    and today.day == min(s.dues_day + DUES_GRACE, 28)
                    and useful(_at(today, MORNING_HOUR))
                ):
                    unpaid = await _without_dues(uow, branch.id, [(today.year, today.month)])
                    if unpaid:
                        out.append(Reminder("alert.dues", branch.id, f"{today:%Y-%m}", "dues_missed", today,
                                            len(unpaid), ("secretary",), tuple(unpaid)))  # fmt: skip
                if s.review_alerts and today.day == 1 and useful(_at(today, MORNING_HOUR)):
                    months = _months_before(today, LAPSE_MONTHS)
                    absent = await _without_life(uow, branch.id, months[0], today.replace(day=1))
                    unpaid = await _without_dues(uow, branch.id, [(d.year, d.month) for d in months])
                    if absent or unpaid:
                        out.append(Reminder("alert.lapse", branch.id, f"{today:%Y-%m}", "lapse", today, 0,
                                            ("secretary",), tuple(absent), tuple(unpaid)))  # fmt: skip
                if (
                    s.returns_alerts
                    and (today.month, today.day) == RETURNS_DAY
                    and useful(_at(today, MORNING_HOUR))
                ):
                    required = _required_returns(self.ctx.schemes(branch.scheme))
                    short = await _few_returns(uow, branch.id, today, required) if required else []
                    if short:
                        out.append(Reminder("alert.returns", branch.id, f"{today.year}", "returns", today, required,
                                            ("secretary",), tuple(short)))  # fmt: skip
                if s.followup_alerts and useful(_at(today, MORNING_HOUR)):
                    out += await _follow_ups(uow, branch.id, self.ctx.schemes(branch.scheme).id, today)
            out += await _meeting_reminders(uow, now)
        return out


async def _meeting_reminders(uow: UnitOfWork, now: datetime) -> list[Reminder]:
    """The group's reminders before a scheduled meeting: at ``EVE_HOUR`` the day before, and
    ``SOON`` before it begins (each while the meeting is still to come)."""
    out = []
    for m in await upcoming_meetings(uow, None, now):
        day = to_local(m.at).date()
        eve = _at(day - timedelta(days=1), EVE_HOUR)
        if eve <= now < min(eve + USEFUL, m.at - SOON):
            out.append(Reminder("remind.meeting", m.branch_id, f"meeting-{m.id}:eve", "meeting_eve", day,
                                names=(m.title,), at=m.at))  # fmt: skip
        if m.at - SOON <= now:
            out.append(Reminder("remind.meeting", m.branch_id, f"meeting-{m.id}:soon", "meeting_soon", day,
                                names=(m.title,), at=m.at))  # fmt: skip
    return out


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What a final yearly result calls for, and when: ``kind`` (the alert), the scheme family,
    the grades concerned (or a score below ``below`` in this and the previous year), and the
    months after the year's window became final."""

    kind: str
    family: str
    grades: tuple[str, ...] = ()
    below: int | None = None
    months: int = 0


#: ``star-hundred``: 基本合格 -> 告诫通知书 and 6 months to rectify, 不合格 -> 限期整改 for a year (the
#: secretary is told when each is due for review); ``pioneer-index``: below 60 two cycles running
#: -> 劝退 review (told when the second year is final).
FOLLOW_UPS = (
    FollowUp("warning", "star-hundred", grades=("基本合格",), months=6),
    FollowUp("rectify", "star-hundred", grades=("不合格",), months=12),
    FollowUp("two_cycles", "pioneer-index", below=60),
)


def _of_family(scheme_id: str, family: str) -> bool:
    return scheme_id == family or scheme_id.startswith(family + "-")


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


async def _follow_ups(uow: UnitOfWork, branch_id: int, scheme_id: str, today: date) -> list[Reminder]:
    """The follow-ups due today from the branch's final yearly windows (their final results)."""
    rules = [f for f in FOLLOW_UPS if _of_family(scheme_id, f.family)]
    if not rules:
        return []
    finals = {int(w.period): w for w in await CalendarQueries(uow.session).final_years(branch_id)}
    out = []
    for year, window in finals.items():
        assert window.final_at is not None
        members = (window.report.get("final") or window.report).get("members", [])
        for rule in rules:
            if _months_after(to_local(window.final_at).date(), rule.months) != today:
                continue
            if rule.below is not None:
                before = finals.get(year - 1)
                if before is None:
                    continue
                low_before = {int(m["id"]) for m in (before.report.get("final") or before.report).get("members", [])
                              if m.get("score") is not None and m["score"] < rule.below}  # fmt: skip
                names = [m["name"] for m in members
                         if m.get("score") is not None and m["score"] < rule.below and int(m["id"]) in low_before]  # fmt: skip
            else:
                names = [m["name"] for m in members if m.get("grade") in rule.grades]
            if names:
                out.append(Reminder(f"alert.{rule.kind}", branch_id, str(year), rule.kind, today,
                                    year, ("secretary",), tuple(names)))  # fmt: skip
    return out


def _required_returns(scheme: Scheme) -> int:
    """The returns a year the scheme requires of a migrant member (0: none)."""
    return max((i.required or 0 for i in scheme.items if i.computed == "migrant_returns"), default=0)


async def _few_returns(uow: UnitOfWork, branch_id: int, today: date, required: int) -> list[str]:
    """The current migrant members with fewer than ``required`` returns (meetings of the branch
    attended in person, not online) from 1 January to ``today``, with their counts."""
    counts = dict((await uow.session.execute(
        select(AttendanceRow.member_id, func.count()).join(Meeting, Meeting.id == AttendanceRow.meeting_id)
        .where(Meeting.branch_id == branch_id, Meeting.held_on >= today.replace(month=1, day=1),
               Meeting.held_on < today, AttendanceRow.status == "present", AttendanceRow.online.is_(False))
        .group_by(AttendanceRow.member_id)
    )).tuples().all())  # fmt: skip
    return [f"{m.name} ({counts.get(m.id, 0)})" for m in await _current(uow, branch_id)
            if m.migrant and not m.exempt and counts.get(m.id, 0) < required]  # fmt: skip


def _months_before(today: date, n: int) -> list[date]:
    """The first days of the ``n`` months before ``today``'s, oldest first."""
    out, day = [], today.replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
        out.append(day)
    return out[::-1]


async def _current(uow: UnitOfWork, branch_id: int) -> list[MemberRow]:
    return [m for m in await uow.members.list(branch_id) if m.left is None]


async def _without_dues(uow: UnitOfWork, branch_id: int, months: list[tuple[int, int]]) -> list[str]:
    """The current members with no dues marked paid (or late) in any of the months; nobody when
    the branch marked no dues at all in them (it does not keep dues in the bot)."""
    superseded = select(DuesPayment.supersedes_id).where(DuesPayment.supersedes_id.is_not(None))
    in_months = tuple_(DuesPayment.year, DuesPayment.month).in_(months)
    marked = await uow.session.scalar(
        select(func.count()).select_from(DuesPayment).where(DuesPayment.branch_id == branch_id, in_months)
    )
    if not marked:
        return []
    paid = set((await uow.session.scalars(
        select(DuesPayment.member_id).where(
            DuesPayment.branch_id == branch_id, in_months, DuesPayment.status.in_(("paid", "late")),
            DuesPayment.id.not_in(superseded),
        )
    )).all())  # fmt: skip
    return [m.name for m in await _current(uow, branch_id) if m.id not in paid]


async def _without_life(uow: UnitOfWork, branch_id: int, since: date, until: date) -> list[str]:
    """The current members present at none of the meetings the branch held in the span (nobody
    when it held none)."""
    held = select(Meeting.id).where(
        Meeting.branch_id == branch_id, Meeting.held_on >= since, Meeting.held_on < until, held_meetings()
    )
    if not (await uow.session.scalars(held.limit(1))).first():
        return []
    present = set((await uow.session.scalars(
        select(AttendanceRow.member_id).where(AttendanceRow.meeting_id.in_(held), AttendanceRow.status == "present")
    )).all())  # fmt: skip
    return [m.name for m in await _current(uow, branch_id) if m.id not in present]
