"""Exports (导出): the Excel files a branch files with the township, from what the bot already has.

The figures are the engine's: a year is read by the read path (``load_year``) and scored by
``score_tolerant`` (as ``/me`` and publicity score it), months and quarters by the same engine over
each window; the ledger is every entry of the branch's year as ``积分明细`` lists them, read as rows
(``bot.storage.reports.ledger``: a township's ledger is a hundred thousand entries). Nothing here adds up
points itself beyond the explanation lines the engine returned. The layouts are in
``bot.reports.xlsx``.

Who may export: a branch's ledger, publicity table, yearly table and every member's card, the
branch's secretary and recorders (the roles that record and correct entries); a member, their own
card; the township's roll-up, committee staff over the committee's branches (the operator at the
command line may do everything). A card or a ledger holds deductions: the chat sends every
export privately, never in a group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from bot.i18n import MESSAGES, t
from bot.reports import xlsx
from bot.scoring.engine import score_tolerant
from bot.scoring.model import Scheme
from bot.scoring.records import Entry, ScoringInput
from bot.scoring.result import Exact, Report, Result, shown
from bot.scoring.standings import standings_tolerant
from bot.scoring.validate import split_valid
from bot.services.committee import CommitteeService
from bot.services.common import Actor, Context, Source, branch_of, member_of, require_role
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.services.policy import correctors, recorders, settings_of
from bot.services.publicity import (
    LATE_AFTER,
    Period,
    PublicityService,
    last_complete,
    period_containing,
    period_of_key,
    scheduled,
)
from bot.storage import reports as queries
from bot.storage.read import Buckets, load_year
from bot.storage.schema import Branch, Committee, MemberRow
from bot.storage.timeutil import to_local
from bot.storage.uow import UnitOfWork

KINDS = ("card", "ledger", "publicity", "annual", "committee")
#: Called as each branch of a committee is read: (done, of, branch name).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    kind: str
    year: int
    #: The day the figures are as of (today; the year's last day once it is over).
    today: date
    branch_id: int | None = None
    committee: str | int | None = None
    #: For ``card``: one member (None: every member of the branch).
    member_id: int | None = None
    #: For ``publicity``: ``2026-11``, ``2026-Q3``, ``2026-H1`` or ``2026`` (None: the last one posted).
    period: str | None = None


@dataclass(frozen=True, slots=True)
class Export:
    kind: str
    name: str
    data: bytes
    mime: str = xlsx.XLSX
    #: How many members, entries or branches it holds (the chat says so).
    count: int = 0


@dataclass
class _Year:
    """A branch's year scored: the report of the year to date, each month's and each quarter's."""

    report: Report
    months: dict[int, Report] = field(default_factory=dict)
    quarters: dict[str, dict[str, Exact | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class ReportService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def export(self, req: ExportRequest, actor: Actor, progress: Progress | None = None) -> Export:
        if req.kind not in KINDS:
            raise Invalid(
                "export.unknown_kind", kind=req.kind, kinds="、".join(t(f"export.kind.{k}") for k in KINDS)
            )
        if req.kind == "committee":
            return await self._committee(req, actor, progress)
        if req.branch_id is None:
            raise Invalid("export.which_branch")
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, req.branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            if scheme.subject != "member":
                raise Invalid("export.branch_scheme", scheme=scheme.id)
            own = req.kind == "card" and req.member_id is not None and req.member_id == actor.member_id
            if not own:
                await _require(uow, actor, branch, scheme, req.kind)
            heading = xlsx.Heading(branch.name, scheme.name, req.year, req.today)
            if req.kind == "ledger":
                return await self._ledger(uow, branch, scheme, heading)
            if req.kind == "publicity":
                return await self._publicity(uow, branch, scheme, req)
            roster = list(await uow.members.list(branch.id))
            if req.member_id is not None:
                roster = [await member_of(uow, branch.id, req.member_id)]
            scored = await _scored_year(uow, branch, scheme, req, months=req.kind == "card")
        if req.kind == "card":
            return _cards(scheme, heading, roster, scored, req.member_id is not None)
        return _annual(scheme, heading, roster, scored)

    async def _ledger(self, uow: UnitOfWork, branch: Branch, scheme: Scheme, heading: xlsx.Heading) -> Export:
        names: dict[str, str] = {}
        lines = []
        for e in await queries.ledger(uow, branch.id, heading.year):
            name = names.get(e.item)
            if name is None:
                item = scheme.item(e.item)
                name = names[e.item] = item.name if item is not None else e.item
            source = _source(e.claim_id, Source(e.platform, e.chat, e.message))
            lines.append(
                xlsx.LedgerLine(
                    e.id, e.day, e.member, name, e.item, _num(e.points), e.by, e.reason, source, e.reverses,
                    e.reversed_by,
                )
            )  # fmt: skip
        name = t("export.file.ledger", branch=branch.name, year=heading.year)
        return Export("ledger", name, xlsx.ledger(heading, lines), count=len(lines))

    async def _publicity(self, uow: UnitOfWork, branch: Branch, scheme: Scheme, req: ExportRequest) -> Export:
        """The table of a period as it was posted (its final results once final), else as it would be."""
        posted = {w.period: w for w in await queries.windows(uow, [branch.id], req.year)}
        if req.period is not None:
            try:
                period = period_of_key(req.period)
            except (ValueError, IndexError):
                raise Invalid("export.bad_period", period=req.period) from None
        elif posted:
            period = period_of_key(list(posted)[-1])
        else:  # the last period ended, as the clock would post it next
            kind = scheme.publicity.periods[0] if scheme.publicity.periods else "month"
            period = last_complete(kind, req.today)
            if period.scope_year != req.year:
                period = period_containing(kind, min(req.today, date(req.year, 12, 31)))
        if period.starts > req.today:
            raise Invalid("export.future_period", period=period.key)
        window = posted.get(period.key)
        if window is not None:
            snapshot = window.report.get("final") or window.report
        else:  # the clock's own snapshot of the period, as it would post it now
            snapshot = await PublicityService(self.ctx).snapshot(branch.id, period)
        heading = xlsx.Heading(branch.name, scheme.name, period.scope_year, req.today)
        return _board(heading, branch, period, snapshot, posted=window is not None)

    async def _committee(self, req: ExportRequest, actor: Actor, progress: Progress | None) -> Export:
        async with self.ctx.uow(read_only=True) as uow:
            committee = await _committee_of(uow, req.committee)
            branches = list(await uow.branches.list(committee.id))
            if not branches:
                raise NotFound("export.no_branches", committee=committee.name)
            if not actor.operator and "committee" not in await _roles(uow, actor, branches[0]):
                raise Forbidden("export.not_committee")
            pending = await queries.pending_claims(uow, [b.id for b in branches])
            posted = await queries.windows(uow, [b.id for b in branches], req.year)
            lines: list[xlsx.BranchLine] = []
            grades: list[str] = []
            for n, branch in enumerate(branches, start=1):
                if progress is not None:
                    progress(n - 1, len(branches), branch.name)
                scheme = self.ctx.schemes(branch.scheme)
                if scheme.subject != "member":
                    continue
                lines.append(await _branch_line(uow, branch, scheme, req, pending, posted, grades))
            if progress is not None:
                progress(len(branches), len(branches), "")
        grades += [
            g for g in (t("rp.grade.none"), t("rp.grade.missing"), t("rp.grade.exempt")) if g not in grades
        ]
        used = [g for g in grades if any(b.grades.get(g) for b in lines)]
        heading = xlsx.Heading(committee.name, t("rp.committee.schemes"), req.year, req.today)
        try:  # the committee's branch star rating (None: a branch not fully scored yet)
            stars: Mapping[int, int | None] = await CommitteeService(self.ctx).stars(committee.id, req.year)
        except Invalid:  # the committee rates its branches under no branch scheme: none rated
            stars = {}
        name = t("export.file.committee", committee=committee.name, year=req.year)
        return Export("committee", name, xlsx.committee(heading, lines, used, stars), count=len(lines))


async def _roles(uow: UnitOfWork, actor: Actor, branch: Branch) -> set[str]:
    return await uow.members.roles(actor.member_id, branch) if actor.member_id is not None else set()


async def _require(uow: UnitOfWork, actor: Actor, branch: Branch, scheme: Scheme, kind: str) -> None:
    """The branch's secretary and recorders export its files (the operator at the command line too)."""
    allowed = (*correctors(scheme), *recorders(scheme))
    try:
        await require_role(uow, actor, branch, allowed)
    except Forbidden:
        roles = "/".join(
            t(f"role.{r}") if f"role.{r}" in MESSAGES["zh-CN"] else r for r in dict.fromkeys(allowed)
        )
        raise Forbidden("export.not_allowed", roles=roles, kind=t(f"export.kind.{kind}")) from None


# -- gathering -----------------------------------------------------------------------------------


def _as_of(req: ExportRequest) -> tuple[date, bool]:
    """The last day the figures cover, and whether the year is over (the year-end computations)."""
    last = date(req.year, 12, 31)
    if req.year > req.today.year:
        raise Invalid("export.future_year", year=req.year)
    return min(last, req.today), req.today > last


async def _scored_year(
    uow: UnitOfWork, branch: Branch, scheme: Scheme, req: ExportRequest, *, months: bool
) -> _Year:
    until, final = _as_of(req)
    # Month buckets for every item (so that each month's window sees its own entries), or days
    # where the scheme's veto needs them: finer than the scheme asks, never coarser.
    daily = Buckets.of(scheme, None).daily
    data = await load_year(uow, branch.id, req.year, until=until, scheme=scheme if daily else None)
    # The records the engine would refuse are left out once (and named in the notes), so that the
    # year, each month and the quarters are scored from records that pass at the first check.
    data, problems = split_valid(scheme, data)
    report = score_tolerant(scheme, data, until=until, final=final)[0]
    scored = _Year(report, notes=[*report.notes, *(p.text for p in problems)])
    if months:
        # Each month scored alone, given only its own entries: the engine scores a window's entries
        # and nothing else, and so checks a twelfth of them each time instead of the whole year.
        of_month: dict[int, list[Entry]] = {}
        for entry in data.entries:
            of_month.setdefault(entry.date.month, []).append(entry)
        for month in range(1, until.month + 1):
            first = date(req.year, month, 1)
            last = min(until, period_containing("month", first).ends)
            alone = replace(data, entries=of_month.get(month, []))
            scored.months[month] = score_tolerant(scheme, alone, since=first, until=last, final=False)[0]
    scored.quarters = _quarters(scheme, data, until)
    return scored


def _quarters(scheme: Scheme, data: ScoringInput, until: date) -> dict[str, dict[str, Exact | None]]:
    """Each member's score in each quarter begun by ``until`` (the engine's ``standings``)."""
    spans = []
    for q in range(4):
        first = date(data.year, 3 * q + 1, 1)
        if first <= until:
            spans.append((f"Q{q + 1}", first, min(until, period_containing("quarter", first).ends)))
    found, _problems = standings_tolerant(scheme, data, [(a, b) for _, a, b in spans])
    out: dict[str, dict[str, Exact | None]] = {}
    for (label, _, _), standing in zip(spans, found, strict=True):
        for s in standing:
            out.setdefault(s.id, {})[label] = s.score
    return out


def _kind_of(scheme: Scheme, code: str) -> str:
    if code == "base":
        return "base"
    if scheme.rating is not None and any(i.code == code for i in scheme.rating.items):
        return "rating"
    item = scheme.item(code)
    return item.kind if item is not None and item.kind != "veto" else "other"


def _label(scheme: Scheme, code: str, text: str) -> str:
    item = scheme.item(code)
    if item is not None:
        return item.name
    if scheme.rating is not None:
        for rated in scheme.rating.items:
            if rated.code == code:
                return rated.name
    return t("rp.line.base") if code == "base" else text


def _by_code(result: Result | None) -> dict[str, Exact]:
    out: dict[str, Exact] = {}
    for line in result.explanation if result is not None else ():
        if line.points is not None:
            out[line.code] = out.get(line.code, 0) + line.points
    return out


def _rows(scheme: Scheme, year: Result, months: Mapping[int, Result | None]) -> list[xlsx.CardRow]:
    """The card's lines: every rule the year or a month counted, with its points in each month."""
    texts: dict[str, str] = {}
    rules: dict[str, str] = {}
    for result in (year, *months.values()):
        for line in result.explanation if result is not None else ():
            if line.points is not None:
                texts.setdefault(line.code, line.text)
                rules.setdefault(line.code, line.rule)
    totals = _by_code(year)
    monthly = {m: _by_code(r) for m, r in months.items()}
    rows = []
    for code, text in texts.items():
        kind = _kind_of(scheme, code)
        if kind == "base":
            continue  # a subtotal of its own
        by_month = tuple(_num(monthly[m][code]) if code in monthly.get(m, {}) else None for m in xlsx.MONTHS)
        rows.append(
            xlsx.CardRow(
                code, _label(scheme, code, text), kind, by_month, _opt(totals.get(code)), rules[code]
            )
        )
    return rows


def _totals(scheme: Scheme, result: Result) -> xlsx.Totals:
    """The card's subtotals: the explanation's counted points summed by the kind of their rule."""
    sums: dict[str, Exact] = {}
    for code, points in _by_code(result).items():
        kind = _kind_of(scheme, code)
        sums[kind] = sums.get(kind, 0) + points
    return xlsx.Totals(
        _opt(sums.get("base")), _num(sums.get("rating", 0)) if scheme.rating is not None else None,
        _num(sums.get("bonus", 0)), _num(sums.get("deduction", 0)), _opt(result.score), result.grade,
        result.stars, result.rank, _note(result),
    )  # fmt: skip


def _note(result: Result) -> str:
    if result.exempt:
        return t("rp.note.exempt")
    if result.missing:
        return t("rp.note.missing", what="、".join(result.missing))
    if result.direct:
        return t("rp.note.direct")
    if result.vetoed:
        return t("rp.note.vetoed")
    return ""


def _cards(
    scheme: Scheme, heading: xlsx.Heading, roster: Sequence[MemberRow], scored: _Year, one: bool
) -> Export:
    results = {r.id: r for r in scored.report.members}
    by_month = {m: {r.id: r for r in report.members} for m, report in scored.months.items()}
    cards = []
    for member in roster:
        result = results.get(str(member.id))
        if result is None:
            continue  # not under management in the year (joined later)
        months = {m: found.get(result.id) for m, found in by_month.items()}
        rows = _rows(scheme, result, months)
        cards.append(
            xlsx.MemberCard(
                member.name, member.code or "", scheme.categories.get(member.category, member.category),
                member.joined, tuple(rows), _totals(scheme, result),
                _shown_quarters(scored.quarters.get(result.id, {})),
            )
        )  # fmt: skip
    if one:
        name = t("export.file.card_one", name=roster[0].name, year=heading.year)
    else:
        name = t("export.file.card", branch=heading.unit, year=heading.year)
    return Export("card", name, xlsx.cards(heading, cards), count=len(cards))


def _annual(scheme: Scheme, heading: xlsx.Heading, roster: Sequence[MemberRow], scored: _Year) -> Export:
    report = scored.report
    results = {r.id: r for r in report.members}
    quarter_stars: dict[str, list[str]] = {}
    for quarter, ids in report.quarter_stars.items():
        for i in ids:
            quarter_stars.setdefault(i, []).append(quarter)
    lines = []
    for member in roster:
        result = results.get(str(member.id))
        if result is None:
            continue
        lines.append(
            xlsx.AnnualLine(
                member.name, member.code or "", scheme.categories.get(member.category, member.category),
                _totals(scheme, result), _shown_quarters(scored.quarters.get(result.id, {})),
                result.category_rank, tuple(quarter_stars.get(result.id, ())), result.id in report.year_stars,
                result.follow_up or "",
            )
        )  # fmt: skip
    name = t("export.file.annual", branch=heading.unit, year=heading.year)
    return Export("annual", name, xlsx.annual(heading, lines, scored.notes), count=len(lines))


def _board(
    heading: xlsx.Heading, branch: Branch, period: Period, snapshot: Mapping[str, Any], posted: bool
) -> Export:
    """The publicity table from a period's snapshot (``publicity.snapshot_of``: the frozen JSON)."""
    honour = {"quarter": t("rp.honour.quarter"), "year": t("rp.honour.year")}.get(
        period.kind, t("rp.honour.period")
    )
    stars = set(snapshot.get("stars_of_period") or ())
    lines = [
        xlsx.BoardLine(
            str(m["name"]),
            m.get("score"),
            m.get("ytd"),
            m.get("grade"),
            m.get("stars"),
            m.get("rank"),
            honour if m["name"] in stars else "",
            t("rp.note.exempt") if m.get("exempt") else "",
        )
        for m in snapshot.get("members") or ()
    ]
    notes = [t("rp.board.posted" if posted else "rp.board.unposted", period=period.key)]
    data = xlsx.board(heading, period.key, lines, notes, ranks=settings_of(branch).rank)
    name = t("export.file.publicity", branch=branch.name, period=period.key)
    return Export("publicity", name, data, count=len(lines))


async def _branch_line(
    uow: UnitOfWork,
    branch: Branch,
    scheme: Scheme,
    req: ExportRequest,
    pending: Mapping[int, int],
    posted: Sequence[queries.PostedWindow],
    grades: list[str],
) -> xlsx.BranchLine:
    until, final = _as_of(req)
    data = await load_year(uow, branch.id, req.year, until=until, scheme=scheme)
    (year,), _problems = standings_tolerant(scheme, data, [(None, until)], final=final)
    for band in scheme.bands:
        label = band.grade or (t("rp.grade.stars", stars=band.stars) if band.stars is not None else None)
        if label and label not in grades:
            grades.append(label)
    counts: dict[str, int] = {}
    scores = []
    for s in year:
        if s.exempt and not s.direct:
            label = t("rp.grade.exempt")
        elif s.missing:
            label = t("rp.grade.missing")
        else:
            label = s.grade or (
                t("rp.grade.stars", stars=s.stars) if s.stars is not None else t("rp.grade.none")
            )
        counts[label] = counts.get(label, 0) + 1
        if s.score is not None and not s.exempt:
            scores.append(s.score)
    average = _num(round(float(sum(scores)) / len(scores), 2)) if scores else None
    due, on_time = _publicity_record(branch, scheme, req, [w for w in posted if w.branch_id == branch.id])
    return xlsx.BranchLine(
        branch.id, branch.name, scheme.name, len(data.members), len(scores), average, counts, due, on_time,
        pending.get(branch.id, 0),
    )  # fmt: skip


def _publicity_record(
    branch: Branch, scheme: Scheme, req: ExportRequest, posted: Sequence[queries.PostedWindow]
) -> tuple[int, int]:
    """How many of the year's windows were due by today, and how many of them were posted on time
    (within the hour after their time, as the clock posts them; a later one says it is late)."""
    created = to_local(branch.created_at).date()
    opened = {w.period: w.opens_at for w in posted}
    due = on_time = 0
    seen: set[str] = set()
    for kind in dict.fromkeys(scheme.publicity.periods):
        day = date(req.year, 1, 1)
        while day.year == req.year:
            period = period_containing(kind, day)
            day = period.ends + timedelta(days=1)
            if period.key in seen or period.ends < created or scheduled(period).date() > req.today:
                continue
            seen.add(period.key)
            due += 1
            at = opened.get(period.key)
            if at is not None and at <= scheduled(period) + LATE_AFTER:
                on_time += 1
    return due, on_time


async def _committee_of(uow: UnitOfWork, key: str | int | None) -> Committee:
    if key is None:
        raise Invalid("export.which_committee")
    found = await queries.committee(uow, key)
    if found is None:
        raise NotFound("export.unknown_committee", committee=key)
    return found


def _shown_quarters(quarters: Mapping[str, Exact | None]) -> dict[str, int | float]:
    return {q: v for q, s in quarters.items() if (v := shown(s)) is not None}


def _num(value: Exact | float) -> int | float:
    """A number as a cell holds it: whole numbers as int, others to two decimals."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    out = shown(value)
    assert out is not None
    return out


def _opt(value: Exact | None) -> int | float | None:
    return None if value is None else _num(value)


def _source(claim_id: int | None, source: Source) -> str:
    """Where an entry came from, as the ledger sheet says it."""
    if claim_id is not None:
        return t("rp.source.claim", id=claim_id)
    if source.platform == "file":
        return t(
            "rp.source.file", name=source.chat or "", sha=(source.message or "").removeprefix("sha256:")[:12]
        )
    if source.platform == "cli":
        return t("rp.source.cli")
    if source.platform:
        return t(
            "rp.source.chat",
            platform=t(f"rp.platform.{source.platform}") if source.platform in PLATFORMS else source.platform,
        )
    return t("rp.source.none")


#: The platforms the ledger sheet names as an entry's source.
PLATFORMS = ("telegram", "wecom", "console")
