"""The read path that feeds the pure engine: a year (or a window of it) as a ``ScoringInput``.

Member ids in the result are the database ids as strings. Ledger entries are aggregated in
SQL by member, item, lead, points and bucket, with ``Entry.count`` saying how many entries a
row stands for and ``Entry.date`` the earliest of them. Given the scheme, only items with a
per-period limit are bucketed by month (month buckets satisfy every per-month/quarter/half/year
limit); the rest take one bucket for the window, or two when ``split`` is given: entries on or
after ``split`` are kept apart, so that ``score(..., since=split)`` over the same input sees
exactly them (a month's publicity and its year to date from one read). Without the scheme,
every item is bucketed by month.

Reversals: a reversal carries the negated points and names its entry, and every reversal
copies member, item, lead and date from the entry it reverses (reversals are never
reversed). So grouping by the *original* points (``-points`` for a reversal) and counting
originals +1 and reversals -1 nets each reversed pair out inside the same group; only groups
with a positive count are returned. A plain ``SUM(points)`` over the table nets out too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, extract, func, literal, select

from bot.scoring.model import Scheme
from bot.scoring.records import Attendance, Entry, Evaluation, Member, Rating, ScoringInput
from bot.storage.schema import (
    AttendanceRow,
    Branch,
    EvaluationResult,
    EvaluationRow,
    LedgerEntry,
    Meeting,
    MemberRow,
    MonthlyRating,
)
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Window:
    year: int
    start: date
    end: date

    @classmethod
    def of(cls, year: int, since: date | None, until: date | None) -> Window:
        return cls(year, since or date(year, 1, 1), until or date(year, 12, 31))


def number(value: Any) -> int | float:
    """Points as the engine likes them: whole numbers as int."""
    as_float = value if type(value) is float else float(value)
    return int(as_float) if as_float.is_integer() else as_float


async def load_year(
    uow: UnitOfWork,
    branch_id: int,
    year: int,
    *,
    since: date | None = None,
    until: date | None = None,
    scheme: Scheme | None = None,
    split: date | None = None,
) -> ScoringInput:
    """One branch's year (or the part from ``since`` to ``until``) as the engine's input."""
    return await _load(uow, [branch_id], Window.of(year, since, until), Buckets.of(scheme, split))


async def load_committee_year(
    uow: UnitOfWork,
    committee_id: int,
    year: int,
    *,
    since: date | None = None,
    until: date | None = None,
    scheme: Scheme | None = None,
    split: date | None = None,
) -> ScoringInput:
    """Every branch of a committee (township) at once, members scored together."""
    ids = (await uow.session.scalars(select(Branch.id).where(Branch.committee_id == committee_id))).all()
    return await _load(uow, list(ids), Window.of(year, since, until), Buckets.of(scheme, split))


@dataclass(frozen=True, slots=True)
class Buckets:
    """How finely entries are grouped: month buckets for ``monthly`` items (None: all), a split date."""

    monthly: frozenset[str] | None
    split: date | None

    @classmethod
    def of(cls, scheme: Scheme | None, split: date | None) -> Buckets:
        monthly = None if scheme is None else frozenset(i.code for i in scheme.items if i.per is not None)
        return cls(monthly, split)

    def expression(self) -> ColumnElement[Any]:
        month = extract("month", LedgerEntry.effective_date)
        if self.monthly is None:
            return month
        later = LedgerEntry.effective_date >= self.split if self.split is not None else None
        whens: list[tuple[ColumnElement[bool], Any]] = []
        if self.monthly:
            whens.append((LedgerEntry.item.in_(sorted(self.monthly)), month))
        if later is not None:
            whens.append((later, 13))
        return case(*whens, else_=0) if whens else literal(0)


async def _load(uow: UnitOfWork, branch_ids: Sequence[int], window: Window, buckets: Buckets) -> ScoringInput:
    return ScoringInput(
        year=window.year,
        members=await _members(uow, branch_ids),
        entries=await _entries(uow, branch_ids, window, buckets),
        attendance=await _attendance(uow, branch_ids, window),
        ratings=await _ratings(uow, branch_ids, window),
        evaluations=await _evaluations(uow, branch_ids, window),
    )


async def _members(uow: UnitOfWork, branch_ids: Sequence[int]) -> list[Member]:
    query = select(MemberRow).where(MemberRow.branch_id.in_(branch_ids)).order_by(MemberRow.id)
    return [
        Member(str(m.id), m.name, m.category, m.migrant, m.exempt, m.joined, m.left)
        for m in (await uow.session.scalars(query)).all()
    ]


def entry_aggregate(where: Sequence[ColumnElement[bool]], buckets: Buckets = Buckets(None, None)) -> Select[Any]:
    """The SQL aggregate of the ledger: one row per member, item, lead, bucket and original points."""
    original = LedgerEntry.reverses_id.is_(None)
    # As a float: a Decimal per aggregated row costs more than the rest of the row (points have 2 decimals).
    points = cast(case((original, LedgerEntry.points), else_=-LedgerEntry.points), Float)
    count = func.sum(case((original, 1), else_=-1))
    month = buckets.expression()
    return (
        select(
            LedgerEntry.member_id,
            LedgerEntry.item,
            LedgerEntry.lead,
            points,
            count,
            func.min(LedgerEntry.effective_date),
        )
        .where(*where)
        .group_by(LedgerEntry.member_id, LedgerEntry.item, LedgerEntry.lead, month, points)
        .having(count > 0)
    )


async def _entries(uow: UnitOfWork, branch_ids: Sequence[int], window: Window, buckets: Buckets) -> list[Entry]:
    query = entry_aggregate(
        [
            LedgerEntry.branch_id.in_(branch_ids),
            LedgerEntry.effective_date.between(window.start, window.end),
        ],
        buckets,
    )
    rows = (await uow.session.execute(query)).tuples()
    return [
        Entry(member=str(m), item=item, date=day, points=number(p), lead=bool(lead), count=int(n))
        for m, item, lead, p, n, day in rows
    ]


async def _attendance(uow: UnitOfWork, branch_ids: Sequence[int], window: Window) -> list[Attendance]:
    query = (
        select(
            AttendanceRow.member_id, Meeting.kind, Meeting.held_on, AttendanceRow.status, AttendanceRow.online
        )
        .join(Meeting, Meeting.id == AttendanceRow.meeting_id)
        .where(Meeting.branch_id.in_(branch_ids), Meeting.held_on.between(window.start, window.end))
        .order_by(Meeting.held_on, AttendanceRow.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [Attendance(str(m), kind, day, status, bool(online)) for m, kind, day, status, online in rows]


async def _ratings(uow: UnitOfWork, branch_ids: Sequence[int], window: Window) -> list[Rating]:
    query = (
        select(MonthlyRating.member_id, MonthlyRating.month, MonthlyRating.item, MonthlyRating.score)
        .join(MemberRow, MemberRow.id == MonthlyRating.member_id)
        .where(
            MemberRow.branch_id.in_(branch_ids),
            MonthlyRating.year == window.year,
            MonthlyRating.month.between(window.start.month, window.end.month),
        )
        .order_by(MonthlyRating.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [Rating(str(m), month, item, number(score)) for m, month, item, score in rows]


async def _evaluations(uow: UnitOfWork, branch_ids: Sequence[int], window: Window) -> list[Evaluation]:
    query = (
        select(
            EvaluationResult.member_id, EvaluationResult.item, EvaluationResult.total, EvaluationResult.count
        )
        .join(EvaluationRow, EvaluationRow.id == EvaluationResult.evaluation_id)
        .where(EvaluationRow.branch_id.in_(branch_ids), EvaluationRow.year == window.year)
        .order_by(EvaluationResult.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [Evaluation(str(m), item, number(total), int(n)) for m, item, total, n in rows]
