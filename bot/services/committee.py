"""党支部评星定级 for a township committee (镇党委): its staff score each branch's six areas, its
bonus and deduction items and the secretary's report evaluation (述职评议); the engine
(``bot/scoring/branch.py``) applies the weights, the star caps and the five-star share.

- **Scores** are append-only (``branch_scores``): a later score of the same branch, year and area
  (or item, or the evaluation) supersedes the earlier one, which is kept. Points 0 withdraws a
  bonus or deduction item. Each names who gave it, when, and the message or file it came from.
- **Evidence** for ``member_management`` (党员管理: 积分管理 carried out) comes from the bot's own
  data for the year and is shown beside the area; it informs, the committee decides the points.
- **The result**: the table, the five-star share, the 二星级及以下 list for 软弱涣散 rectification
  and the county's spot re-check sample (``recheck``: at least 15% of three- and four-star
  branches, rounded up, drawn reproducibly by the sha256 of ``<committee>:<year>:<branch>``).
- **Publicity**: the yearly run ``branch-star`` / ``committee-<id>`` / ``<year>`` (``bot/scheduler.py``)
  publishes the result once every branch is scored, each branch's own stars to its group with the
  window of the scheme's ``[publicity] window_days``; what is still missing is named to the
  committee from the configured day on (``deadline``), never scored as 0.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from bot.i18n import t
from bot.scoring.engine import score_tolerant
from bot.scoring.model import Item, Scheme
from bot.scoring.quotas import quota
from bot.scoring.records import BranchEntry, BranchRecord, ScoringInput
from bot.scoring.result import Result, shown
from bot.services.common import Actor, Context
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.services.publicity import OPEN_HOUR, closes
from bot.services.recorded import RecordErrors, Sheet, on_roster, sheet_of, take_import, template_xlsx
from bot.services.roster import xlsx_table
from bot.storage.committee import CommitteeQueries
from bot.storage.schema import Branch, BranchScore, Committee, CommitteeResult
from bot.storage.timeutil import local_zone, to_local, utcnow
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

JOB = "branch-star"
#: Named to the committee once, from its ``deadline`` on, while some branch is not fully scored.
MISSING_JOB = "branch-star.missing"
DEFAULT_SCHEME = "branch-star"
#: Month and day of the year after, from which what is missing is named to the committee.
DEFAULT_DEADLINE = "01-31"
#: The county's spot re-check: at least this share of the three- and four-star branches.
RECHECK_SHARE = Fraction(15, 100)
RECHECK_STARS = (3, 4)
EVALUATION = "evaluation"
EVALUATION_MAX = 100
SHEET_KIND = "branch-star"
#: The sheet's columns (``partybot committee template|import``, ``评星 模板`` in the chat) and title.
SHEET_HEADINGS = ("党支部", "项目", "分值", "理由")
SHEET_TITLE = "评星定级"


def committee_sheet(data: bytes, filename: str) -> Sheet | None:
    """The filled-in 评星定级 sheet an .xlsx file sent in the chat holds: its first sheet's first
    row names 党支部, 项目 and 分值. None for any other file (a file that cannot be read included)."""
    try:
        table = xlsx_table(data, filename)
    except Invalid:
        return None
    headings = {str(c).strip() for c in (table[0] if table else []) if c is not None}
    if not set(SHEET_HEADINGS[:3]) <= headings:
        return None
    return sheet_of(table, filename, hashlib.sha256(data).hexdigest())


def template_sheet(rows: Sequence[Sequence[str]]) -> bytes:
    """The 评星定级 sheet to fill in (``template_rows``), as an .xlsx."""
    return template_xlsx(SHEET_TITLE, SHEET_HEADINGS, rows)


def rating_year(today: date) -> int:
    """The year rated when none is named: the year before until June, then the current year."""
    return today.year if today.month >= 7 else today.year - 1


@dataclass(frozen=True, slots=True)
class Evidence:
    """积分管理 carried out in a branch over the year so far, from the bot's own data."""

    members: int = 0
    member_months: int = 0
    recorded_months: int = 0
    windows: int = 0
    late_windows: int = 0
    objections: int = 0
    answered: int = 0
    claims: int = 0
    decided: int = 0
    pending: int = 0
    #: Average days from claim to decision, and the longest a pending claim has waited.
    decide_days: float | None = None
    oldest_pending_days: int | None = None

    def lines(self) -> list[str]:
        share = f"{self.recorded_months / self.member_months:.0%}" if self.member_months else "—"
        out = [
            t("cm.ev.records", members=self.members, share=share, done=self.recorded_months,
              total=self.member_months),
            t("cm.ev.windows", windows=self.windows, on_time=self.windows - self.late_windows,
              late=self.late_windows),
            t("cm.ev.objections", objections=self.objections, answered=self.answered),
            t("cm.ev.claims", claims=self.claims, decided=self.decided, pending=self.pending),
        ]  # fmt: skip
        if self.decide_days is not None:
            out.append(t("cm.ev.decide_days", days=f"{self.decide_days:.1f}"))
        if self.oldest_pending_days is not None:
            out.append(t("cm.ev.oldest_pending", days=self.oldest_pending_days))
        return out


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """A score in force: an area's, an item's or the evaluation's."""

    id: int
    kind: str
    code: str
    name: str
    points: float
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Row:
    """One branch's line of the result table."""

    branch_id: int
    name: str
    areas: dict[str, float | None]
    bonus: float
    deduction: float
    evaluation: float | None
    total: float | None
    stars: int | None
    #: Why the stars are fewer than the total gives (a star cap, the five-star share).
    why: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    follow_up: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "branch_id": self.branch_id, "name": self.name, "areas": self.areas, "bonus": self.bonus,
            "deduction": self.deduction, "evaluation": self.evaluation, "total": self.total, "stars": self.stars,
            "why": list(self.why), "missing": list(self.missing), "follow_up": self.follow_up,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        return cls(
            data["branch_id"], data["name"], dict(data["areas"]), data["bonus"], data["deduction"],
            data["evaluation"], data["total"], data["stars"], tuple(data["why"]), tuple(data["missing"]),
            data.get("follow_up"),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CommitteeReport:
    committee_id: int
    committee: str
    year: int
    scheme: str
    #: (code, name, max) of the scheme's areas, in order.
    areas: tuple[tuple[str, str, float], ...]
    rows: tuple[Row, ...]
    five_stars: int
    five_star_limit: int
    rectify: tuple[str, ...]
    recheck: tuple[str, ...]
    recheck_population: int
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return all(not r.missing for r in self.rows)

    @property
    def missing(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(r.name, r.missing) for r in self.rows if r.missing]

    def to_json(self) -> dict[str, Any]:
        return {
            "committee_id": self.committee_id, "committee": self.committee, "year": self.year,
            "scheme": self.scheme, "areas": [list(a) for a in self.areas], "rows": [r.to_json() for r in self.rows],
            "five_stars": self.five_stars, "five_star_limit": self.five_star_limit, "rectify": list(self.rectify),
            "recheck": list(self.recheck), "recheck_population": self.recheck_population, "notes": list(self.notes),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CommitteeReport:
        return cls(
            data["committee_id"], data["committee"], data["year"], data["scheme"],
            tuple((c, n, m) for c, n, m in data["areas"]), tuple(Row.from_json(r) for r in data["rows"]),
            data["five_stars"], data["five_star_limit"], tuple(data["rectify"]), tuple(data["recheck"]),
            data["recheck_population"], tuple(data["notes"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BranchSheet:
    """What the scorer sees of one branch: its scores in force, the evidence and the result so far."""

    committee_id: int
    branch_id: int
    branch: str
    year: int
    #: (code, name, max, the score in force or None) of each area.
    areas: tuple[tuple[str, str, float, ScoreLine | None], ...]
    items: tuple[ScoreLine, ...]
    evaluation: ScoreLine | None
    evidence: Evidence
    row: Row


@dataclass(frozen=True, slots=True)
class Scored:
    """A score given: the branch's sheet after it, what was scored and what it superseded."""

    sheet: BranchSheet
    what: str
    points: float
    supersedes: float | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """The committee's yearly publicity: the report and its window."""

    report: CommitteeReport
    opens_at: datetime
    closes_at: datetime
    late: bool = False
    branch_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class CommitteeDue:
    committee_id: int
    year: int
    #: Every branch fully scored (publish); else name what is missing.
    complete: bool
    at: datetime


class CommitteeService:
    def __init__(self, context: Context, now: Callable[[], datetime] = utcnow) -> None:
        self.ctx, self.now = context, now
        #: (committee, why) of the committees ``due`` found unratable, said in the log once each.
        self._unratable: set[tuple[int, str]] = set()

    # -- the committee and its scheme ------------------------------------------------------

    def scheme_of(self, committee: Committee) -> Scheme:
        spec = str((committee.settings or {}).get("scheme") or DEFAULT_SCHEME)
        scheme = self.ctx.schemes(spec)
        if scheme.kind != "branch" or scheme.branch is None:
            raise Invalid("cm.not_branch_scheme", scheme=spec)
        return scheme

    async def committee_for(self, uow: UnitOfWork, actor: Actor, committee_id: int | None) -> Committee:
        """The committee the actor acts for: the one named, or the only one they are staff of."""
        queries = CommitteeQueries(uow.session)
        if actor.operator:
            if committee_id is None:
                raise Invalid("cm.name_committee")
        else:
            staff = await queries.staff_of(actor.member_id) if actor.member_id is not None else []
            if not staff or (committee_id is not None and committee_id not in staff):
                raise Forbidden("cm.not_staff")
            if committee_id is None and len(staff) > 1:
                raise Invalid("cm.which_committee", ids="、".join(str(s) for s in staff))
            committee_id = committee_id if committee_id is not None else staff[0]
        committee = await queries.committee(committee_id)
        if committee is None:
            raise NotFound("cm.unknown_committee", id=committee_id)
        return committee

    async def _branches(self, uow: UnitOfWork, committee: Committee, year: int | None = None) -> list[Branch]:
        """The committee's branches (those created by the end of ``year``)."""
        branches = list(await uow.branches.list(committee.id))
        if year is None:
            return branches
        return [b for b in branches if to_local(b.created_at).date() <= date(year, 12, 31)]

    async def branch_in(self, uow: UnitOfWork, committee: Committee, key: str) -> Branch:
        """A branch of the committee by number or name (a unique part of the name will do)."""
        branches = await self._branches(uow, committee)
        key = key.strip()
        found = [b for b in branches if str(b.id) == key or b.name == key]
        if not found:
            found = [b for b in branches if key and key in b.name]
        if len(found) != 1:
            names = "、".join(b.name for b in branches) or "—"
            raise NotFound("cm.unknown_branch", branch=key, names=names)
        return found[0]

    async def configure(self, actor: Actor, committee_id: int, scheme: str | None = None,
                        deadline: str | None = None) -> tuple[str, str]:  # fmt: skip
        """The committee's settings: the scheme it rates its branches with, and the day of the
        year after (``MM-DD``) from which what is missing is named to it. Recorded in the audit
        log; (scheme id, deadline) now in force."""
        async with self.ctx.uow() as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            changes: dict[str, str] = {}
            if scheme is not None:
                changes["scheme"] = scheme
            if deadline is not None:
                _deadline_of(deadline, 2026)  # a year whose next is not a leap year: 02-29 is refused
                changes["deadline"] = deadline
            committee.settings = {**(committee.settings or {}), **changes}
            loaded = self.scheme_of(committee)
            await uow.audit.record(actor.label, "committee.settings", subject=f"committee:{committee.id}",
                                   details=changes)  # fmt: skip
            await uow.commit()
            return loaded.id, str(committee.settings.get("deadline") or DEFAULT_DEADLINE)

    async def committees(self) -> list[tuple[int, str, int, str]]:
        """(number, name, how many branches, scheme) of every committee, for the operator."""
        async with self.ctx.uow(read_only=True) as uow:
            out = []
            for c in await CommitteeQueries(uow.session).committees():
                spec = str((c.settings or {}).get("scheme") or DEFAULT_SCHEME)
                out.append((c.id, c.name, len(await uow.branches.list(c.id)), spec))
            return out

    # -- scoring ---------------------------------------------------------------------------

    async def score_area(self, actor: Actor, committee_id: int | None, branch: str, year: int, area: str,
                         points: float, source: str = "") -> Scored:  # fmt: skip
        """An area's points (0 to its maximum); a later score supersedes the earlier."""
        async with self.ctx.uow() as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            scheme = self.scheme_of(committee)
            target = await self.branch_in(uow, committee, branch)
            code, name, top = _area(scheme, area)
            if not 0 <= points <= top:
                raise Invalid("cm.area_range", area=name, max=f"{top:g}", points=f"{points:g}")
            return await self._put(
                uow, actor, committee, target, year, "area", code, name, points, "", source
            )

    async def score_item(self, actor: Actor, committee_id: int | None, branch: str, year: int, item: str,
                         points: float, reason: str, source: str = "") -> Scored:  # fmt: skip
        """A bonus or deduction item (points as a magnitude, its sign taken from the item; 0
        withdraws it), with its reason."""
        async with self.ctx.uow() as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            scheme = self.scheme_of(committee)
            target = await self.branch_in(uow, committee, branch)
            found = _item(scheme, item)
            signed = _signed(found, points)
            if signed and not reason.strip():
                raise Invalid("cm.item_reason", name=found.name)
            return await self._put(
                uow,
                actor,
                committee,
                target,
                year,
                found.kind,
                found.code,
                found.name,
                signed,
                reason,
                source,
            )

    async def score_evaluation(self, actor: Actor, committee_id: int | None, branch: str, year: int,
                               points: float, source: str = "") -> Scored:  # fmt: skip
        """述职评议: the secretary's report evaluation, of 100."""
        async with self.ctx.uow() as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            target = await self.branch_in(uow, committee, branch)
            if not 0 <= points <= EVALUATION_MAX:
                raise Invalid("cm.evaluation_range", points=f"{points:g}")
            name = t("cm.evaluation")
            return await self._put(uow, actor, committee, target, year, EVALUATION, EVALUATION, name, points, "",
                                   source)  # fmt: skip

    async def _put(self, uow: UnitOfWork, actor: Actor, committee: Committee, branch: Branch, year: int,
                   kind: str, code: str, name: str, points: float, reason: str, source: str) -> Scored:  # fmt: skip
        before = await self.write_score(
            uow, actor, committee, branch, year, kind, code, name, points, reason, source
        )
        sheet = await self._sheet(uow, committee, branch, year)
        await uow.commit()
        return Scored(sheet, name, points, before)

    async def write_score(self, uow: UnitOfWork, actor: Actor, committee: Committee, branch: Branch, year: int,
                     kind: str, code: str, name: str, points: float, reason: str, source: str) -> float | None:  # fmt: skip
        """Store one score, superseding the one in force; the points it superseded."""
        _check_year(year)
        queries = CommitteeQueries(uow.session)
        before = await queries.current(branch.id, year, kind, code)
        if before is None and kind in ("bonus", "deduction") and points == 0:
            raise Invalid("cm.nothing_to_withdraw", name=name)
        row = BranchScore(
            committee_id=committee.id, branch_id=branch.id, year=year, kind=kind, code=code, points=points,
            reason=reason.strip(), recorded_by=actor.member_id, actor=actor.label,
            source=(source or actor.label)[:300], supersedes_id=before.id if before is not None else None,
        )  # fmt: skip
        await queries.add([row])
        await uow.audit.record(actor.label, f"committee.score.{kind}", branch_id=branch.id, subject=code,
                               details={"year": year, "points": points, "reason": reason.strip(),
                                        "supersedes": row.supersedes_id})  # fmt: skip
        return float(before.points) if before is not None else None

    async def import_sheet(self, actor: Actor, committee_id: int | None, year: int, sheet: Sheet) -> int:
        """A filled sheet (``SHEET_HEADINGS``: 党支部, 项目, 分值, 理由), all or nothing: every problem
        with its cell, then nothing is recorded. A row with no 分值 is left out. The same file is
        taken once. The number of scores recorded. (``committee_id`` None: the committee the actor
        is staff of, as everywhere here.)"""
        async with self.ctx.uow() as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            scheme = self.scheme_of(committee)
            problems: list[str] = []
            missing = [h for h in SHEET_HEADINGS[:3] if not any(h in r.cells for r in sheet.rows)]
            if missing:
                raise RecordErrors([t("cm.sheet_headings", headings="、".join(missing))])
            wanted: list[tuple[Branch, str, str, str, float, str]] = []
            seen: dict[tuple[int, str], int] = {}
            for r in sheet.rows:
                cell_points = r.get("分值")
                if not cell_points.text:
                    continue
                try:
                    branch = await self.branch_in(uow, committee, r.get("党支部").text)
                except NotFound as err:
                    problems.append(f"{r.get('党支部').where}: {err.message}")
                    continue
                try:
                    kind, code, name, points = _sheet_line(scheme, r.get("项目").text, cell_points.text)
                except Invalid as err:
                    cell = r.get("项目") if err.key in ("cm.unknown_area", "cm.unknown_item") else cell_points
                    problems.append(f"{cell.where}: {err.message}")
                    continue
                where = r.get("项目").where
                reason = r.get("理由").text
                if kind in ("bonus", "deduction") and points and not reason:
                    problems.append(f"{r.get('理由').where}: {t('cm.item_reason', name=name)}")
                    continue
                if (branch.id, code) in seen:
                    problems.append(
                        f"{where}: {t('cm.sheet_twice', branch=branch.name, name=name, row=seen[branch.id, code])}"
                    )
                    continue  # fmt: skip
                seen[branch.id, code] = r.number
                wanted.append((branch, kind, code, name, points, reason))
            if problems:
                raise RecordErrors(problems)
            if not wanted:
                raise RecordErrors([t("cm.sheet_empty")])
            for branch_id in dict.fromkeys(b.id for b, *_ in wanted):
                await take_import(
                    uow, branch_id, SHEET_KIND, sheet, actor, {"year": year, "rows": len(wanted)}
                )
            for branch, kind, code, name, points, reason in wanted:
                await self.write_score(
                    uow, actor, committee, branch, year, kind, code, name, points, reason, sheet.source
                )
            await uow.commit()
            return len(wanted)

    async def template_rows(self, actor: Actor, committee_id: int | None) -> tuple[str, list[list[str]]]:
        """The sheet to fill in: each branch's areas and the evaluation, 分值 empty; and the name
        of the committee."""
        async with self.ctx.uow(read_only=True) as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            scheme = self.scheme_of(committee)
            assert scheme.branch is not None
            rows = []
            for branch in await self._branches(uow, committee):
                rows += [[branch.name, a.name, "", ""] for a in scheme.branch.areas]
                rows.append([branch.name, t("cm.evaluation"), "", ""])
            return committee.name, rows

    # -- reading ---------------------------------------------------------------------------

    async def sheet(self, actor: Actor, committee_id: int | None, branch: str, year: int) -> BranchSheet:
        async with self.ctx.uow(read_only=True) as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            return await self._sheet(uow, committee, await self.branch_in(uow, committee, branch), year)

    async def _sheet(self, uow: UnitOfWork, committee: Committee, branch: Branch, year: int) -> BranchSheet:
        scheme = self.scheme_of(committee)
        assert scheme.branch is not None
        lines = [_line(scheme, r) for r in await CommitteeQueries(uow.session).in_force([branch.id], year)]
        by_code = {(s.kind, s.code): s for s in lines}
        areas = tuple(
            (a.code, a.name, float(a.max), by_code.get(("area", a.code))) for a in scheme.branch.areas
        )
        items = tuple(s for s in lines if s.kind in ("bonus", "deduction") and s.points)
        report = await self._report(uow, committee, year)
        row = next((r for r in report.rows if r.branch_id == branch.id), None)
        if row is None:  # created after the year: shown, not rated
            row = Row(branch.id, branch.name, {}, 0, 0, None, None, None, missing=(t("cm.not_in_year"),))
        evidence = await self._evidence(uow, branch, year)
        return BranchSheet(committee.id, branch.id, branch.name, year, areas, items,
                           by_code.get((EVALUATION, EVALUATION)), evidence, row)  # fmt: skip

    async def result(self, actor: Actor, committee_id: int | None, year: int) -> CommitteeReport:
        async with self.ctx.uow(read_only=True) as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            return await self._report(uow, committee, year)

    async def stars(self, committee_id: int, year: int) -> dict[int, int | None]:
        """Each branch's stars for the committee and year (None: not fully scored), for the
        township's roll-up."""
        async with self.ctx.uow(read_only=True) as uow:
            committee = await CommitteeQueries(uow.session).committee(committee_id)
            if committee is None:
                raise NotFound("cm.unknown_committee", id=committee_id)
            return {r.branch_id: r.stars for r in (await self._report(uow, committee, year)).rows}

    async def _report(self, uow: UnitOfWork, committee: Committee, year: int) -> CommitteeReport:
        scheme = self.scheme_of(committee)
        rules = scheme.branch
        assert rules is not None
        branches = await self._branches(uow, committee, year)
        scores = await CommitteeQueries(uow.session).in_force([b.id for b in branches], year)
        records = []
        for branch in branches:
            mine = [s for s in scores if s.branch_id == branch.id]
            records.append(BranchRecord(
                str(branch.id), branch.name, {s.code: s.points for s in mine if s.kind == "area"},
                tuple(BranchEntry(s.code, s.points) for s in mine if s.kind in ("bonus", "deduction") and s.points),
                next((s.points for s in mine if s.kind == EVALUATION), None),
            ))  # fmt: skip
        report, problems = score_tolerant(scheme, ScoringInput(year, branches=records))
        rows = tuple(
            _row(scheme, record, result) for record, result in zip(records, report.branches, strict=True)
        )
        top_rule = scheme.quotas.top_stars
        top_stars = (
            top_rule.stars if top_rule is not None else max((b.stars or 0 for b in scheme.bands), default=5)
        )
        limit = quota(top_rule.share, len(rows)) if top_rule is not None else len(rows)
        rectify = tuple(r.name for r in rows if r.stars is not None and r.stars <= 2)
        population = [r for r in rows if r.stars in RECHECK_STARS]
        return CommitteeReport(
            committee.id, committee.name, year, scheme.id, tuple((a.code, a.name, float(a.max)) for a in rules.areas),
            rows, sum(1 for r in rows if r.stars == top_stars), limit, rectify,
            tuple(r.name for r in recheck_sample(committee.id, year, population)), len(population),
            tuple(report.notes) + tuple(str(p) for p in problems),
        )  # fmt: skip

    async def _evidence(self, uow: UnitOfWork, branch: Branch, year: int) -> Evidence:
        """What the bot's data says about the branch's points management in the year (to today)."""
        queries = CommitteeQueries(uow.session)
        first, last = date(year, 1, 1), date(year, 12, 31)
        members = [m for m in await uow.members.list(branch.id) if not m.exempt and on_roster(m, first, last)]
        expected: set[tuple[int, int]] = set()
        for m in members:
            for month in range(1, 13):
                start = date(year, month, 1)
                end = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
                if on_roster(m, start, end):
                    expected.add((m.id, month))
        recorded = {(member, day.month) for member, day in await queries.record_days(branch.id, first, last)}
        windows = await queries.windows(branch.id, first, last)
        objections = await queries.objections([w.id for w in windows])
        claims = [c for c in await queries.claims(branch.id, first, last) if c.status != "withdrawn"]
        decided = [c for c in claims if c.status in ("approved", "rejected") and c.decided_at is not None]
        pending = [c for c in claims if c.status == "pending"]
        days = [(c.decided_at - c.created_at).total_seconds() / 86400 for c in decided if c.decided_at]
        now = self.now()
        return Evidence(
            len(members), len(expected), len(expected & recorded), len(windows),
            sum(1 for w in windows if (w.report or {}).get("late")), len(objections),
            sum(1 for o in objections if o.status != "open"), len(claims), len(decided), len(pending),
            sum(days) / len(days) if days else None,
            max((now - c.created_at).days for c in pending) if pending else None,
        )  # fmt: skip

    # -- the yearly publicity (the clock) --------------------------------------------------

    async def due(self, now: datetime) -> list[CommitteeDue]:
        """Each committee's last complete year not yet published: complete (publish now), or
        not (name what is missing, from the committee's deadline on)."""
        today = to_local(now).date()
        year = today.year - 1
        out = []
        async with self.ctx.uow(read_only=True) as uow:
            queries = CommitteeQueries(uow.session)
            for committee in await queries.committees():
                if await queries.result(committee.id, year) is not None:
                    continue
                if not await self._branches(uow, committee, year):
                    continue
                try:
                    self.scheme_of(committee)
                except (Invalid, ValueError) as err:  # a scheme that scores no branches, or a broken file
                    if (committee.id, str(err)) not in self._unratable:  # said once, not at every tick
                        self._unratable.add((committee.id, str(err)))
                        log.warning("committee %s is not rated: %s", committee.id, err)
                    continue
                report = await self._report(uow, committee, year)
                at = _local(date(year + 1, 1, 1), OPEN_HOUR)
                if report.complete:
                    out.append(CommitteeDue(committee.id, year, True, at))
                    continue
                deadline = _deadline(committee, year)
                if deadline <= now:
                    out.append(CommitteeDue(committee.id, year, False, deadline))
        return out

    async def publish(self, due: CommitteeDue, now: datetime) -> Published | None:
        """Store the committee's result for the year with its window (inside the run's unit of
        work); None when it is published already or no longer complete."""
        async with self.ctx.uow() as uow:
            queries = CommitteeQueries(uow.session)
            committee = await queries.committee(due.committee_id)
            if committee is None or await queries.result(committee.id, due.year) is not None:
                return None
            report = await self._report(uow, committee, due.year)
            if not report.complete:
                return None
            closes_at = closes(self.scheme_of(committee), now)
            await queries.add_result(CommitteeResult(
                committee_id=committee.id, year=due.year, opens_at=now, closes_at=closes_at, report=report.to_json(),
            ))  # fmt: skip
            await uow.audit.record("clock", "committee.published", subject=f"committee:{committee.id}",
                                   details={"year": due.year})  # fmt: skip
            await uow.commit()
            return Published(report, now, closes_at, False, tuple(r.branch_id for r in report.rows))

    async def missing(self, due: CommitteeDue) -> CommitteeReport:
        async with self.ctx.uow(read_only=True) as uow:
            committee = await CommitteeQueries(uow.session).committee(due.committee_id)
            if committee is None:
                raise NotFound("cm.unknown_committee", id=due.committee_id)
            return await self._report(uow, committee, due.year)

    async def published(self, actor: Actor, committee_id: int | None, year: int) -> Published | None:
        async with self.ctx.uow(read_only=True) as uow:
            committee = await self.committee_for(uow, actor, committee_id)
            row = await CommitteeQueries(uow.session).result(committee.id, year)
            if row is None:
                return None
            report = CommitteeReport.from_json(row.report)
            return Published(
                report, row.opens_at, row.closes_at, False, tuple(r.branch_id for r in report.rows)
            )


def recheck_sample(committee_id: int, year: int, population: Sequence[Row]) -> list[Row]:
    """The county's spot re-check: ceil(15%) of the three- and four-star branches (at least one
    when there are any), those first in the order of sha256(``<committee>:<year>:<branch id>``);
    anyone can draw the same sample again from the ids."""
    if not population:
        return []
    count = max(1, math.ceil(RECHECK_SHARE * len(population)))

    def key(row: Row) -> str:
        return hashlib.sha256(f"{committee_id}:{year}:{row.branch_id}".encode()).hexdigest()

    return sorted(sorted(population, key=key)[:count], key=lambda r: r.branch_id)


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid("cm.bad_year", year=year)


def _area(scheme: Scheme, text: str) -> tuple[str, str, float]:
    assert scheme.branch is not None
    for a in scheme.branch.areas:
        if text.strip() in (a.code, a.name):
            return a.code, a.name, float(a.max)
    names = "、".join(a.name for a in scheme.branch.areas)
    raise Invalid("cm.unknown_area", area=text, names=names)


def _item(scheme: Scheme, text: str) -> Item:
    text = text.strip()
    items = [i for i in scheme.items if i.kind in ("bonus", "deduction")]
    found = [i for i in items if text in (i.code, i.name, *i.aliases)]
    if len(found) != 1:
        codes = "、".join(f"{i.code} {i.name}" for i in items)
        raise Invalid("cm.unknown_item", item=text, codes=codes)
    return found[0]


def _signed(item: Item, points: float) -> float:
    """The item's signed points from a magnitude (or an already signed value); 0 withdraws."""
    value = -abs(points) if item.kind == "deduction" else abs(points)
    if value == 0:
        return 0.0
    low, high = item.min, item.max
    if low is not None and high is not None and not low <= value <= high:
        least, most = sorted((abs(low), abs(high)))
        raise Invalid("cm.item_range", name=item.name, low=f"{least:g}", high=f"{most:g}",
                      points=f"{abs(value):g}")  # fmt: skip
    return float(value)


def _sheet_line(scheme: Scheme, what: str, points_text: str) -> tuple[str, str, str, float]:
    """(kind, code, name, signed points) of a sheet row's 项目 and 分值."""
    try:
        points = float(points_text)
    except ValueError:
        raise Invalid("cm.sheet_points", points=points_text) from None
    if what.strip() in (EVALUATION, t("cm.evaluation"), "述职评议"):
        if not 0 <= points <= EVALUATION_MAX:
            raise Invalid("cm.evaluation_range", points=f"{points:g}")
        return EVALUATION, EVALUATION, t("cm.evaluation"), points
    try:
        code, name, top = _area(scheme, what)
    except Invalid:
        item = _item(scheme, what)
        return item.kind, item.code, item.name, _signed(item, points)
    if not 0 <= points <= top:
        raise Invalid("cm.area_range", area=name, max=f"{top:g}", points=f"{points:g}")
    return "area", code, name, points


def _line(scheme: Scheme, row: BranchScore) -> ScoreLine:
    if row.kind == "area":
        name = (
            next((a.name for a in scheme.branch.areas if a.code == row.code), row.code)
            if scheme.branch
            else row.code
        )
    elif row.kind == EVALUATION:
        name = t("cm.evaluation")
    else:
        item = scheme.item(row.code)
        name = item.name if item is not None else row.code
    return ScoreLine(
        row.id, row.kind, row.code, name, float(row.points), row.reason, row.actor, row.created_at
    )


def _row(scheme: Scheme, record: BranchRecord, result: Result) -> Row:
    assert scheme.branch is not None
    bonus_raw = sum(float(e.points or 0) for e in record.entries if (e.points or 0) > 0)
    cap = next((g.cap for g in scheme.groups if g.code == "bonus"), None)
    bonus = min(bonus_raw, float(cap)) if cap is not None else bonus_raw
    deduction = -sum(float(e.points or 0) for e in record.entries if (e.points or 0) < 0)
    why = tuple(line.text for line in result.explanation if line.code in ("star_cap", "quota"))
    total = shown(result.score)
    return Row(
        int(record.id), record.name, {a.code: _float(record.areas.get(a.code)) for a in scheme.branch.areas},
        bonus, deduction, _float(record.evaluation), float(total) if total is not None else None, result.stars,
        why, result.missing, result.follow_up,
    )  # fmt: skip


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _local(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone())


def _deadline(committee: Committee, year: int) -> datetime:
    return _deadline_of(str((committee.settings or {}).get("deadline") or DEFAULT_DEADLINE), year)


def _deadline_of(text: str, year: int) -> datetime:
    """``MM-DD`` of the year after ``year``, at the hour windows open."""
    month, _, day = text.partition("-")
    try:
        return _local(date(year + 1, int(month), int(day)), OPEN_HOUR)
    except ValueError:
        raise Invalid("cm.bad_deadline", deadline=text) from None


def result_workbook(report: CommitteeReport) -> bytes:
    """The result table as an Excel workbook: one row per branch (areas, bonus, deductions,
    evaluation, total, stars, why capped or missing), then a summary sheet (the five-star share,
    the rectification list, the county's re-check sample and how it was drawn)."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("cm.xlsx.title", year=report.year)
    sheet.append([
        t("cm.xlsx.branch"), *(name for _c, name, _m in report.areas), t("cm.xlsx.bonus"), t("cm.xlsx.deduction"),
        t("cm.evaluation"), t("cm.xlsx.total"), t("cm.xlsx.stars"), t("cm.xlsx.why"),
    ])  # fmt: skip
    for row in report.rows:
        notes = "; ".join(row.missing or row.why) + (f"; {row.follow_up}" if row.follow_up else "")
        sheet.append([
            row.name, *(row.areas.get(code) for code, _n, _m in report.areas), row.bonus, row.deduction,
            row.evaluation, row.total, row.stars, notes.strip("; "),
        ])  # fmt: skip
    summary = book.create_sheet(t("cm.xlsx.summary"))
    summary.append(
        [t("cm.report.title", committee=report.committee, year=report.year, count=len(report.rows))]
    )
    summary.append([t("cm.report.five_stars", count=report.five_stars, total=len(report.rows),
                      limit=report.five_star_limit)])  # fmt: skip
    summary.append([t("cm.report.rectify", names="、".join(report.rectify) or t("cm.none"))])
    summary.append([t("cm.report.recheck", names="、".join(report.recheck) or t("cm.none"),
                      population=report.recheck_population)])  # fmt: skip
    summary.append([t("cm.xlsx.recheck_how")])
    for note in report.notes:
        summary.append([note])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
