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

Where the entries come from: ``ledger_totals`` (derived data a trigger keeps in step with the
ledger, see ``schema.LedgerTotal``) holds one row per branch, year, member, item, lead and
original points with each month's count and earliest date. Whole months of the window are read
from there, one row per member and item for the year, with the months of each bucket added up in
SQL; only the days of a month cut by the window's ends or by a mid-month ``split`` are read from
the ledger, and summed with the rest. ``ledger_entries`` gives the same entries from the ledger
alone (``entry_aggregate``), the reference the projection is tested against.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.scoring.model import Scheme
from bot.scoring.records import (
    Attendance,
    DirectGrade,
    Dues,
    Entry,
    Evaluation,
    Member,
    Rating,
    ScoringInput,
    aggregate_entry,
)
from bot.storage.evaluation import MEMBERS
from bot.storage.schema import (
    AttendanceRow,
    Branch,
    DuesPayment,
    EvaluationResult,
    EvaluationRow,
    LedgerEntry,
    LedgerTotal,
    Meeting,
    MemberRow,
    MonthlyRating,
)
from bot.storage.schema import DirectGrade as DirectGradeRow
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
    """One branch's year (or the part from ``since`` to ``until``) as the engine's input.

    Entries come aggregated: one per member, item, lead, points and month, dated by the first of
    them; given the ``scheme``, coarser where its items allow (and split at ``split``), or one per
    day where its veto stops scoring on its date. Pass the scheme whenever the result is scored."""
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
    """How finely entries are grouped: month buckets for ``monthly`` items (None: all), a split date;
    or, with ``daily``, one bucket per day."""

    monthly: frozenset[str] | None
    split: date | None
    #: Every day apart: the scheme has a veto that stops scoring on its date without fixing the
    #: score, so an entry after the veto must not share a bucket (and its date) with one before.
    daily: bool = False

    @classmethod
    def of(cls, scheme: Scheme | None, split: date | None) -> Buckets:
        monthly = None if scheme is None else frozenset(i.code for i in scheme.items if i.per is not None)
        veto = scheme.veto if scheme is not None else None
        return cls(monthly, split, daily=veto is not None and veto.stop and veto.score is None)

    def expression(
        self, day: InstrumentedAttribute[date], item: InstrumentedAttribute[str]
    ) -> ColumnElement[Any]:
        """The bucket of a row from its date (an entry's, or a projection row's month) and item."""
        if self.daily:
            return day.expression
        month = extract("month", day)
        if self.monthly is None:
            return month
        later = day >= self.split if self.split is not None else None
        whens: list[tuple[ColumnElement[bool], Any]] = []
        if self.monthly:
            whens.append((item.in_(sorted(self.monthly)), month))
        if later is not None:
            whens.append((later, 13))
        return case(*whens, else_=0) if whens else literal(0)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _next_month(first) - timedelta(days=1)


async def _load(uow: UnitOfWork, branch_ids: Sequence[int], window: Window, buckets: Buckets) -> ScoringInput:
    return ScoringInput(
        year=window.year,
        members=await _members(uow, branch_ids),
        entries=await aggregated_entries(uow, branch_ids, window, buckets),
        attendance=await _attendance(uow, branch_ids, window),
        ratings=await _ratings(uow, branch_ids, window),
        evaluations=await _evaluations(uow, branch_ids, window),
        direct_grades=await _direct_grades(uow, branch_ids, window),
        dues=await _dues(uow, branch_ids, window),
    )


async def _members(uow: UnitOfWork, branch_ids: Sequence[int]) -> list[Member]:
    m = MemberRow
    query = (
        select(m.id, m.name, m.category, m.migrant, m.exempt, m.joined, m.left)
        .where(m.branch_id.in_(branch_ids))
        .order_by(m.id)
    )
    conn = await uow.session.connection()  # Core rows, not ORM objects: a township has many members
    return [
        Member(str(i), name, category, migrant, exempt, joined, left)
        for i, name, category, migrant, exempt, joined, left in (await conn.execute(query)).tuples()
    ]


def entry_aggregate(
    where: Sequence[ColumnElement[bool]], buckets: Buckets = Buckets(None, None)
) -> Select[Any]:
    """The SQL aggregate of the ledger: one row per member, item, lead, bucket and original points."""
    original = LedgerEntry.reverses_id.is_(None)
    # As a float: a Decimal per aggregated row costs more than the rest of the row (points have 2 decimals).
    points = cast(case((original, LedgerEntry.points), else_=-LedgerEntry.points), Float)
    count = func.sum(case((original, 1), else_=-1))
    month = buckets.expression(LedgerEntry.effective_date, LedgerEntry.item)
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


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building many objects that hold no cycles (entries): the
    collector would otherwise walk every object built so far, again and again. Only around code
    that does not await, so nothing else runs meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: What a month without entries reads as where months are compared (never a real entry's date).
NO_DAY = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a window's entries come from: whole months of ``ledger_totals`` and the days of the
    months the window's ends (or a split date inside a month) cut, from the ledger."""

    months: tuple[int, ...]
    raw: tuple[tuple[date, date], ...]

    @classmethod
    def of(cls, window: Window, split: date | None) -> Plan:
        start, end = window.start, window.end
        if start > end:
            return cls((), ())
        if start.year != window.year or end.year != window.year:
            return cls((), ((start, end),))
        first = start if start.day == 1 else _next_month(start)
        last = end.replace(day=1) if _month_end(end.replace(day=1)) == end else None
        if last is None:
            last = (end.replace(day=1) - timedelta(days=1)).replace(day=1)
        if first > last:
            return cls((), ((start, end),))
        months = list(range(first.month, last.month + 1))
        raw = []
        if start < first:
            raw.append((start, first - timedelta(days=1)))
        if end > _month_end(last):
            raw.append((_month_end(last) + timedelta(days=1), end))
        if split is not None and split.day != 1 and split.month in months and split.year == window.year:
            months.remove(split.month)
            raw.append((split.replace(day=1), _month_end(split.replace(day=1))))
        return cls(tuple(months), tuple(raw))


class _Rows:
    """Turns projection and ledger rows into entries: one per member, item, lead, points and bucket."""

    def __init__(self) -> None:
        self.names: dict[Any, str] = {}
        self.days: dict[Any, date | None] = {}

    def name(self, value: Any) -> str:
        found = self.names.get(value)
        if found is None:
            found = self.names[value] = str(value)
        return found

    def day(self, value: Any) -> date | None:
        """A date from the driver (a date, or SQLite's text); None for NO_DAY and NULL."""
        if value is None:
            return None
        found = self.days.get(value, NO_DAY)
        if found is NO_DAY:
            parsed = value if isinstance(value, date) else date.fromisoformat(value)
            found = self.days[value] = None if parsed == NO_DAY else parsed
        return found


def _min(dialect: str, columns: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    """The earliest of several months' first dates, NO_DAY where none has one."""
    if len(columns) == 1:
        return columns[0]
    fill = [func.coalesce(c, literal_column(f"'{NO_DAY.isoformat()}'")) for c in columns]
    return func.least(*fill) if dialect == "postgresql" else func.min(*fill)


def _projection_queries(
    branch_ids: Sequence[int], year: int, plan: Plan, buckets: Buckets, dialect: str
) -> list[tuple[Select[Any], list[int]]]:
    """The queries of ``ledger_totals`` for the plan's months, each with the bucket of each
    (count, first date) pair of columns it returns after the key columns."""
    table = LedgerTotal.__table__.c
    key = [
        table.branch_id,
        table.member_id,
        table.item,
        type_coerce(table.lead, Integer),
        cast(table.points, Float),
    ]
    where = [
        table.branch_id.in_(branch_ids),
        table.year == year,
        or_(*(table[f"first_{m:02d}"].is_not(None) for m in plan.months)),
    ]
    monthly = sorted(buckets.monthly) if buckets.monthly else []
    queries = []
    if buckets.monthly is None or monthly:
        pairs = [
            (table[f"entries_{m:02d}"], type_coerce(table[f"first_{m:02d}"], String)) for m in plan.months
        ]
        items = [] if buckets.monthly is None else [table.item.in_(monthly)]
        queries.append(
            (select(*key, *(c for pair in pairs for c in pair)).where(*where, *items), list(plan.months))
        )
    if buckets.monthly is not None:
        split = buckets.split
        groups: dict[int, list[int]] = {}
        for m in plan.months:
            groups.setdefault(13 if split is not None and date(year, m, 1) >= split else 0, []).append(m)
        columns: list[ColumnElement[Any]] = []
        for months in groups.values():
            columns.append(sum_columns([table[f"entries_{m:02d}"] for m in months]))
            columns.append(type_coerce(_min(dialect, [table[f"first_{m:02d}"] for m in months]), String))
        items = [table.item.not_in(monthly)] if monthly else []
        queries.append((select(*key, *columns).where(*where, *items), list(groups)))
    return queries


def sum_columns(columns: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


async def aggregated_entries(
    uow: UnitOfWork, branch_ids: Sequence[int], window: Window, buckets: Buckets
) -> list[Entry]:
    """The window's entries aggregated as ``entry_aggregate`` aggregates them: whole months from
    ``ledger_totals``, only the days of months the window (or a split date) cuts from the ledger."""
    conn = await uow.session.connection()  # Core, not the ORM: there may be millions of rows
    plan = Plan.of(window, buckets.split if buckets.monthly is not None else None)
    if not plan.months or buckets.daily:  # the projection holds months, not days
        return await ledger_entries(uow, branch_ids, window, buckets)
    queries = _projection_queries(branch_ids, window.year, plan, buckets, conn.dialect.name)
    if not plan.raw:
        entries = await _direct(conn, queries)
        if entries is not None:
            return entries
    return await _merged(conn, queries, branch_ids, plan, buckets)


async def ledger_entries(
    uow: UnitOfWork, branch_ids: Sequence[int], window: Window, buckets: Buckets
) -> list[Entry]:
    """The same entries from the ledger alone (``entry_aggregate``)."""
    conn = await uow.session.connection()
    where = [
        LedgerEntry.branch_id.in_(branch_ids),
        LedgerEntry.effective_date.between(window.start, window.end),
    ]
    rows = _Rows()
    return [
        Entry(rows.name(m), item, day, number(p), bool(lead), None, int(n))
        for m, item, lead, p, n, day in (await conn.execute(entry_aggregate(where, buckets))).tuples()
    ]


async def _driver_rows(conn: AsyncConnection, query: Select[Any]) -> Sequence[Sequence[Any]]:
    """All rows of ``query`` straight from the driver (asyncpg records, sqlite3 tuples).

    For the reads of hundreds of thousands of rows: SQLAlchemy's row objects and type processing
    cost more than the rest of the read. The query selects only types the driver returns as the
    caller wants them (ints, floats, text; dates, which SQLite returns as text, go through ``_Rows``).
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    names = compiled.positiontup or []
    params = [compiled.params[name] for name in names]
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        rows: Sequence[Sequence[Any]] = await raw.fetch(str(compiled), *params)
        return rows
    cursor = await raw.execute(str(compiled), params)
    try:
        rows = await cursor.fetchall()
    finally:
        await cursor.close()
    return rows


async def _direct(conn: AsyncConnection, queries: list[tuple[Select[Any], list[int]]]) -> list[Entry] | None:
    """The entries straight from projection rows, when each member's rows are under one branch
    (so no two rows share a member, item, lead, points and bucket); None otherwise."""
    rows = _Rows()
    branch_of: dict[int, int] = {}
    out: list[Entry] = []
    for query, bucket_list in queries:
        fetched = await _driver_rows(conn, query)
        with paused_gc():
            if not _entries_of(fetched, len(bucket_list), rows, branch_of, out):
                return None
    return out


def _entries_of(
    fetched: Sequence[Sequence[Any]], width: int, rows: _Rows, branch_of: dict[int, int], out: list[Entry]
) -> bool:
    """Append the entries of projection rows with ``width`` (count, first date) pairs; False when
    a member turns up under a second branch."""
    names, days, day = rows.names, rows.days, rows.day
    append = out.append
    columns = [(5 + 2 * i, 6 + 2 * i) for i in range(width)]
    for row in fetched:
        branch, member = row[0], row[1]
        if branch_of.setdefault(member, branch) != branch:
            return False
        who = names.get(member) or rows.name(member)
        code = names.get(row[2]) or rows.name(row[2])
        p = row[4]
        points = int(p) if p.is_integer() else p
        lead = bool(row[3])
        for n_at, first_at in columns:
            n = row[n_at]
            if n > 0:
                first = row[first_at]
                append(aggregate_entry(who, code, days.get(first) or day(first), points, lead, n))  # type: ignore[arg-type]
    return True


async def _merged(
    conn: AsyncConnection,
    queries: list[tuple[Select[Any], list[int]]],
    branch_ids: Sequence[int],
    plan: Plan,
    buckets: Buckets,
) -> list[Entry]:
    """Projection rows and ledger rows of the cut days summed together per member, item, lead,
    points and bucket, with the earliest date of each (of reversed entries too, as in the ledger)."""
    rows = _Rows()
    sums: dict[tuple[Any, ...], list[Any]] = {}

    def add(key: tuple[Any, ...], n: int, first: date) -> None:
        found = sums.get(key)
        if found is None:
            sums[key] = [n, first]
        else:
            found[0] += n
            found[1] = min(found[1], first)

    for query, bucket_list in queries:
        for row in (await conn.execute(query)).tuples():
            for i, bucket in enumerate(bucket_list):
                first = rows.day(row[6 + 2 * i])
                if first is not None:
                    add((row[1], row[2], bool(row[3]), row[4], bucket), row[5 + 2 * i], first)
    if plan.raw:
        original = LedgerEntry.reverses_id.is_(None)
        points = cast(case((original, LedgerEntry.points), else_=-LedgerEntry.points), Float)
        bucket_of = buckets.expression(LedgerEntry.effective_date, LedgerEntry.item)
        query = (
            select(
                LedgerEntry.member_id,
                LedgerEntry.item,
                type_coerce(LedgerEntry.lead, Integer),
                points,
                bucket_of,
                func.sum(case((original, 1), else_=-1)),
                type_coerce(func.min(LedgerEntry.effective_date), String),
            )
            .where(
                LedgerEntry.branch_id.in_(branch_ids),
                or_(*(LedgerEntry.effective_date.between(start, end) for start, end in plan.raw)),
            )
            .group_by(LedgerEntry.member_id, LedgerEntry.item, LedgerEntry.lead, bucket_of, points)
        )
        for m, item, lead, p, b, n, first in (await conn.execute(query)).tuples():
            day = rows.day(first)
            assert day is not None
            add((m, item, bool(lead), p, int(b)), int(n), day)
    return [
        Entry(rows.name(m), rows.name(item), first, number(p), lead, None, n)
        for (m, item, lead, p, _), (n, first) in sums.items()
        if n > 0
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
        # an evaluation still open shows nothing before its deadline; one closed short of masses
        # representatives is 数据不全 (``bot/services/evaluation.py``)
        .where(
            EvaluationRow.closed.is_(True) | EvaluationRow.deadline.is_(None),
            EvaluationRow.incomplete.is_(False),
            EvaluationRow.subject == MEMBERS,  # a 述职评议 (``bot/services/review.py``) scores the branch
        )
        .order_by(EvaluationResult.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [Evaluation(str(m), item, number(total), int(n)) for m, item, total, n in rows]


async def _direct_grades(uow: UnitOfWork, branch_ids: Sequence[int], window: Window) -> list[DirectGrade]:
    """The stars given directly to exempt members for the year: for each member the grade that no
    later one supersedes (grades are superseded, never edited)."""
    g = DirectGradeRow
    superseded = select(g.supersedes_id).where(g.supersedes_id.is_not(None))
    query = (
        select(g.member_id, g.stars, g.reason)
        .where(g.branch_id.in_(branch_ids), g.year == window.year, g.id.not_in(superseded))
        .order_by(g.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [DirectGrade(str(m), int(stars), reason) for m, stars, reason in rows]


async def _dues(uow: UnitOfWork, branch_ids: Sequence[int], window: Window) -> list[Dues]:
    """Each member's dues mark in force for each month of the window (the newest, superseded by none)."""
    later = aliased(DuesPayment)
    query = (
        select(DuesPayment.member_id, DuesPayment.month, DuesPayment.status)
        .where(
            DuesPayment.branch_id.in_(branch_ids),
            DuesPayment.year == window.year,
            DuesPayment.month.between(window.start.month, window.end.month),
            ~select(later.id).where(later.supersedes_id == DuesPayment.id).exists(),
        )
        .order_by(DuesPayment.member_id, DuesPayment.month)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [Dues(str(m), month, status) for m, month, status in rows]
