"""Publicity (公示): each period's results posted once for a window in which members may object
(异议), the objections decided by the secretary (维持 / 更正), and the period made final when the
window has ended and every objection is decided.

- **Periods** come from the scheme's ``[publicity] periods`` (month / quarter / half / year). A
  period's window opens at ``OPEN_HOUR`` (local time) on the day after it ends and lasts
  ``window_days`` days, counted in Chinese working days when ``working_days`` (``workdays``), and
  ends at midnight after its last day. A window posted late (the bot was down) says so and runs
  its full length from the day it is posted.
- **Exactly once**: a window is posted under the run ``publicity`` / ``branch-<id>`` / ``<period>``
  and made final by a conditional update (``final_at`` set once); see ``bot/scheduler.py``.
- **What the group sees** (the branch's ``publicity`` setting): ``notice`` (default) only that
  the period's results are out, how many members, when the window closes and how to object, with
  each member told their own result privately; ``grades`` also each member's grade or stars;
  ``scores`` each member's score (a branch that 张榜公示 its scores). Ranks are shown only with
  ``scores`` and the branch's ``rank`` setting on. Deductions are never listed in the group.
- **Final periods**: an entry or claim dated inside one is refused (``refuse_final``) until the
  secretary reopens the window (recorded in the audit log).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.scoring.engine import score_tolerant
from bot.scoring.model import Scheme
from bot.scoring.result import Report, shown
from bot.services.admin import checked_settings
from bot.services.common import Actor, Context, branch_of, member_of, require_role
from bot.services.errors import Invalid, NotFound
from bot.services.ledger import EntryLine, LedgerService
from bot.services.policy import BranchSettings, correctors, settings_of, stored_settings
from bot.services.workdays import last_day
from bot.storage.calendar import CalendarQueries
from bot.storage.read import load_year
from bot.storage.schema import Branch, Objection, PublicityWindow
from bot.storage.timeutil import local_zone, to_local
from bot.storage.uow import UnitOfWork

JOB = "publicity"
FINAL_JOB = "publicity.final"
#: The local hour a window opens on the day after its period.
OPEN_HOUR = 9
#: A window posted later than this after its time says that it is late.
LATE_AFTER = timedelta(hours=1)
KINDS = ("month", "quarter", "half", "year")
#: The branch settings a secretary changes from the chat (日程 ...).
CALENDAR_SETTINGS = ("publicity", "theme_day", "dues_day", "pending_days", "review_alerts")


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    key: str
    starts: date
    ends: date

    @property
    def scope_year(self) -> int:
        return self.starts.year


def period_containing(kind: str, day: date) -> Period:
    """The ``kind`` period (month / quarter / half / year) that ``day`` lies in."""
    y, m = day.year, day.month
    if kind == "month":
        first, last, key = m, m, f"{y}-{m:02d}"
    elif kind == "quarter":
        q = (m - 1) // 3
        first, last, key = 3 * q + 1, 3 * q + 3, f"{y}-Q{q + 1}"
    elif kind == "half":
        h = 0 if m <= 6 else 1
        first, last, key = 6 * h + 1, 6 * h + 6, f"{y}-H{h + 1}"
    elif kind == "year":
        first, last, key = 1, 12, f"{y}"
    else:
        raise ValueError(f"unknown period kind: {kind!r}")
    return Period(kind, key, date(y, first, 1), date(y, last, _calendar.monthrange(y, last)[1]))


def period_of_key(key: str) -> Period:
    """The period a key names (``2026-11``, ``2026-Q3``, ``2026-H1``, ``2026``); ValueError otherwise."""
    year, _, rest = key.partition("-")
    y = int(year)
    if not rest:
        return period_containing("year", date(y, 1, 1))
    if rest[0] in "Qq":
        return period_containing("quarter", date(y, 3 * (int(rest[1:]) - 1) + 1, 1))
    if rest[0] in "Hh":
        return period_containing("half", date(y, 6 * (int(rest[1:]) - 1) + 1, 1))
    return period_containing("month", date(y, int(rest), 1))


def last_complete(kind: str, day: date) -> Period:
    """The last ``kind`` period that ended before ``day``."""
    return period_containing(kind, period_containing(kind, day).starts - timedelta(days=1))


def _local(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone())


def scheduled(period: Period) -> datetime:
    """When the period's window is due to open."""
    return _local(period.ends + timedelta(days=1), OPEN_HOUR)


def closes(scheme: Scheme, opened: datetime) -> datetime:
    """When a window opened at ``opened`` closes: midnight after its last day."""
    rules = scheme.publicity
    last = last_day(to_local(opened).date(), rules.window_days, rules.working_days)
    return _local(last + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Due:
    branch_id: int
    period: Period
    at: datetime


@dataclass(frozen=True, slots=True)
class Window:
    id: int
    branch_id: int
    period: Period
    opens_at: datetime
    closes_at: datetime
    report: dict[str, Any]
    final_at: datetime | None
    #: The branch's ``publicity`` and ``rank`` settings when it was read.
    show: str = "notice"
    ranks: bool = False

    @property
    def late(self) -> bool:
        return bool(self.report.get("late"))


@dataclass(frozen=True, slots=True)
class ObjectionView:
    id: int
    window: Window
    member_id: int
    member: str
    text: str
    status: str
    resolution: str | None
    decider: str | None
    #: The member's entries dated in the period, for the secretary deciding.
    entries: tuple[EntryLine, ...]
    entry_id: int | None = None
    #: Whether this call decided it (False: it was decided before, e.g. a second press).
    changed: bool = True


def _window(row: PublicityWindow, branch: Branch | None = None) -> Window:
    assert row.starts is not None and row.ends is not None
    settings = settings_of(branch) if branch is not None else None
    return Window(
        row.id, row.branch_id, Period(row.kind, row.period, row.starts, row.ends), row.opens_at, row.closes_at,
        dict(row.report or {}), row.final_at, settings.publicity if settings else "notice",
        bool(settings and settings.rank),
    )  # fmt: skip


def snapshot_of(
    scheme: Scheme, period: Period, period_report: Report, year_report: Report | None
) -> dict[str, Any]:
    """The frozen results of a period: every member's period score, year to date, grade, stars and
    rank, and the period's stars where the scheme has them."""
    ytd = {r.id: r for r in year_report.members} if year_report is not None else {}
    members = []
    for r in period_report.members:
        year = ytd.get(r.id)
        members.append({
            "id": int(r.id), "name": r.name, "score": shown(r.score), "ytd": shown(year.score) if year else None,
            "grade": r.grade, "stars": r.stars, "rank": r.rank, "exempt": r.exempt,
        })  # fmt: skip
    names = {r.id: r.name for r in period_report.members}
    out: dict[str, Any] = {"kind": period.kind, "period": period.key, "scheme": scheme.id, "members": members}
    quarter = period.key[5:] if period.kind == "quarter" else None
    if quarter and period_report.quarter_stars.get(quarter):
        out["stars_of_period"] = [names.get(i, i) for i in period_report.quarter_stars[quarter]]
    if period.kind == "year" and period_report.year_stars:
        out["stars_of_period"] = [names.get(i, i) for i in period_report.year_stars]
    return out


class PublicityService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    def scheme(self, branch: Branch) -> Scheme:
        return self.ctx.schemes(branch.scheme)

    # -- the clock ---------------------------------------------------------------------------

    async def due(self, now: datetime) -> list[Due]:
        """The windows to post now: each branch's last complete period of each kind its scheme
        publishes, once its time has come, unless posted already. A period that ended before the
        branch existed is not posted."""
        today = to_local(now).date()
        wanted: list[Due] = []
        async with self.ctx.uow(read_only=True) as uow:
            for branch in await uow.branches.list():
                scheme = self.scheme(branch)
                if scheme.subject != "member":
                    continue
                created = to_local(branch.created_at).date()
                for kind in dict.fromkeys(scheme.publicity.periods):
                    period = last_complete(kind, today)
                    at = scheduled(period)
                    if at <= now and period.ends >= created:
                        wanted.append(Due(branch.id, period, at))
            done = await CalendarQueries(uow.session).posted([(d.branch_id, d.period.key) for d in wanted])
        return [d for d in wanted if (d.branch_id, d.period.key) not in done]

    async def snapshot(self, branch_id: int, period: Period) -> dict[str, Any]:
        """The period's results now (read only, outside any write: scoring a branch is the heavy part)."""
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            scheme = self.scheme(branch)
            data = await load_year(uow, branch.id, period.scope_year, until=period.ends, scheme=scheme)
        final = period.kind == "year"
        report, _problems = score_tolerant(scheme, data, since=period.starts, until=period.ends, final=final)
        year = None if final else score_tolerant(scheme, data, until=period.ends, final=False)[0]
        return snapshot_of(scheme, period, report, year)

    async def publish(self, due: Due, snapshot: dict[str, Any], now: datetime) -> Window:
        """Store the window with its frozen snapshot (inside the run's unit of work)."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, due.branch_id)
            late = now - due.at > LATE_AFTER
            report = {**snapshot, "late": late, "due": due.at.isoformat()}
            row = await CalendarQueries(uow.session).add_window(
                PublicityWindow(
                    branch_id=branch.id, period=due.period.key, kind=due.period.kind, starts=due.period.starts,
                    ends=due.period.ends, opens_at=now, closes_at=closes(self.scheme(branch), now), report=report,
                )
            )  # fmt: skip
            await uow.commit()
            return _window(row, branch)

    async def to_finalize(self, now: datetime) -> list[tuple[int, datetime]]:
        """(window, its closing time) of the windows ended whose objections are all decided."""
        async with self.ctx.uow(read_only=True) as uow:
            queries = CalendarQueries(uow.session)
            out = []
            for window_id in await queries.to_finalize(now):
                row = await queries.window(window_id)
                assert row is not None
                out.append((row.id, row.closes_at))
            return out

    async def final_snapshot(self, window_id: int) -> dict[str, Any]:
        async with self.ctx.uow(read_only=True) as uow:
            row = await CalendarQueries(uow.session).window(window_id)
            if row is None:
                raise NotFound("pub.unknown_window", id=window_id)
            period = _window(row).period
        return await self.snapshot(row.branch_id, period)

    async def finalize(self, window_id: int, final: dict[str, Any], now: datetime) -> Window | None:
        """Make the window final with its final results (once: None when it was already, or when
        an objection came in meanwhile)."""
        async with self.ctx.uow() as uow:
            queries = CalendarQueries(uow.session)
            if any(o.status == "open" for o in await queries.objections(window_id)):
                return None
            if not await queries.mark_final(window_id, now):
                return None
            row = await queries.window(window_id)
            assert row is not None
            await uow.session.refresh(row)
            row.report = {**row.report, "final": final}
            await uow.commit()
            return _window(row, await uow.branches.get(row.branch_id))

    # -- people ------------------------------------------------------------------------------

    async def window(self, window_id: int) -> Window:
        async with self.ctx.uow(read_only=True) as uow:
            row = await CalendarQueries(uow.session).window(window_id)
            if row is None:
                raise NotFound("pub.unknown_window", id=window_id)
            return _window(row, await uow.branches.get(row.branch_id))

    async def windows(self, branch_id: int) -> list[Window]:
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            return [_window(r, branch) for r in await CalendarQueries(uow.session).windows(branch.id)]

    async def object(self, branch_id: int, member_id: int, text: str, now: datetime, window_id: int | None = None,
                     period: str | None = None) -> ObjectionView:  # fmt: skip
        """异议: a member objects to their own result of a window open now (the one named, or the
        only one open)."""
        if not text.strip():
            raise Invalid("pub.object_reason")
        async with self.ctx.uow() as uow:
            queries = CalendarQueries(uow.session)
            member = await member_of(uow, branch_id, member_id)
            windows = await queries.open_windows(branch_id, now)
            if window_id is not None:
                windows = [w for w in windows if w.id == window_id]
            elif period is not None:
                windows = [w for w in windows if w.period == period]
            if not windows:
                raise Invalid(
                    "pub.no_open_window" if window_id is None and period is None else "pub.window_closed"
                )
            if len(windows) > 1:
                raise Invalid("pub.which_window", periods=", ".join(w.period for w in windows))
            row = await queries.add_objection(
                Objection(window_id=windows[0].id, member_id=member.id, text=text.strip())
            )
            await uow.commit()
            return await self._view(uow, row.id)

    async def objection(self, objection_id: int) -> ObjectionView:
        async with self.ctx.uow(read_only=True) as uow:
            return await self._view(uow, objection_id)

    async def check_decider(self, objection_id: int, actor: Actor) -> ObjectionView:
        """The objection, if ``actor`` may decide it (the secretary or the scheme's approvers)."""
        async with self.ctx.uow(read_only=True) as uow:
            view = await self._view(uow, objection_id)
            branch = await branch_of(uow, view.window.branch_id)
            await require_role(uow, actor, branch, correctors(self.scheme(branch)))
            return view

    async def decide(self, objection_id: int, actor: Actor, reason: str, now: datetime,
                     entry_id: int | None = None) -> ObjectionView:  # fmt: skip
        """维持 (``entry_id`` None) or 更正: reverse the entry the objection is right about, with
        the reason (the recorder's correction), and decide the objection, in one step. Still
        possible after the window ended; a decided objection is not decided again."""
        if not reason.strip():
            raise Invalid("pub.decide_reason")
        async with self.ctx.uow() as uow:
            view = await self._view(uow, objection_id)
            branch = await branch_of(uow, view.window.branch_id)
            await require_role(uow, actor, branch, correctors(self.scheme(branch)))
            if view.status != "open":
                return _unchanged(view)
            if entry_id is not None:
                if entry_id not in {
                    e.id for e in view.entries if e.reverses is None and e.reversed_by is None
                }:
                    raise Invalid("pub.not_their_entry", entry=entry_id)
                with uow.current():  # the correction joins this unit of work
                    await LedgerService(self.ctx).correct(entry_id, actor, reason, None, branch_id=branch.id)
            status = "upheld" if entry_id is None else "corrected"
            if not await CalendarQueries(uow.session).decide(
                objection_id, status, actor.member_id, reason, now, entry_id
            ):
                return _unchanged(await self._view(uow, objection_id))
            await uow.audit.record(actor.label, f"objection.{status}", branch_id=branch.id,
                                   subject=f"objection:{objection_id}", details={"reason": reason, "entry": entry_id})  # fmt: skip
            await uow.commit()
            return await self._view(uow, objection_id)

    async def reopen(self, actor: Actor, branch_id: int, period: str, reason: str, now: datetime) -> Window:
        """The secretary reopens a final period: entries dated in it are accepted again and a new
        window runs from now; recorded in the audit log."""
        if not reason.strip():
            raise Invalid("pub.reopen_reason")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            scheme = self.scheme(branch)
            await require_role(uow, actor, branch, correctors(scheme))
            row = await CalendarQueries(uow.session).window_of(branch.id, period)
            if row is None or row.final_at is None:
                raise Invalid("pub.not_final", period=period)
            was = row.final_at
            row.final_at, row.closes_at = None, closes(scheme, now)
            await uow.audit.record(actor.label, "publicity.reopened", branch_id=branch.id, subject=f"publicity:{period}",
                                   details={"reason": reason, "final_at": was.isoformat()})  # fmt: skip
            await uow.commit()
            return _window(row, branch)

    async def set_calendar(self, actor: Actor, branch_id: int, changes: dict[str, Any]) -> BranchSettings:
        """The secretary changes the branch's calendar settings (``CALENDAR_SETTINGS``), validated
        and recorded in the audit log."""
        unknown = [k for k in changes if k not in CALENDAR_SETTINGS]
        if unknown:
            raise Invalid("pub.calendar_usage")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, correctors(self.scheme(branch)))
            new = checked_settings(branch.settings, changes)
            await uow.branches.update_settings(branch, stored_settings(new))
            await uow.audit.record(actor.label, "branch.settings", branch_id=branch.id,
                                   details={key: getattr(new, key) for key in changes})  # fmt: skip
            await uow.commit()
            return new

    async def _view(self, uow: UnitOfWork, objection_id: int) -> ObjectionView:
        queries = CalendarQueries(uow.session)
        row = await queries.objection(objection_id)
        if row is None:
            raise NotFound("pub.unknown_objection", id=objection_id)
        await uow.session.refresh(row)
        window_row = await queries.window(row.window_id)
        assert window_row is not None
        window = _window(window_row, await uow.branches.get(window_row.branch_id))
        member = await uow.members.get(row.member_id)
        decider = await uow.members.get(row.decided_by) if row.decided_by is not None else None
        branch = await branch_of(uow, window.branch_id)
        with uow.current():
            lines = await LedgerService(self.ctx).entries(
                branch.id, row.member_id, Actor(row.member_id, "objection"), window.period.scope_year
            )
        period = window.period
        entries = tuple(e for e in lines if period.starts <= e.day <= period.ends)
        return ObjectionView(
            row.id, window, row.member_id, member.name if member else str(row.member_id), row.text, row.status,
            row.resolution, decider.name if decider else None, entries, row.entry_id,
        )  # fmt: skip


def _unchanged(view: ObjectionView) -> ObjectionView:
    return ObjectionView(
        view.id, view.window, view.member_id, view.member, view.text, view.status, view.resolution, view.decider,
        view.entries, view.entry_id, changed=False,
    )  # fmt: skip
