"""Check a year of records against a scheme before anything is scored.

Every problem names its record. ``validate`` is all or nothing: one problem means nothing is
scored (InputError), as ``partybot score`` wants. ``split_valid`` is the read path's: it leaves
out each record ``validate`` would refuse and reports it, so the rest can be scored.

Which entries a member may have is decided in ``eligibility`` (one place per fact).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from bot.i18n import t
from bot.scoring.eligibility import category_refusal, source_refusal
from bot.scoring.model import MEETING_TYPES, Item, Scheme
from bot.scoring.records import (
    Attendance,
    BranchEntry,
    BranchRecord,
    Entry,
    InputError,
    Member,
    Number,
    ScoringInput,
)

STATUSES = ("present", "leave", "absent")
NUMBERS = (int, float)
MAX_PROBLEMS = 50

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class Problem:
    """One record the scheme cannot score and every reason why (in the active locale, zh-CN by default).

    ``kind`` is the list of ``ScoringInput`` the record is in (``entries``, ``attendance``, ``members``,
    ``ratings``, ``evaluations``, ``branches``; empty for the input as a whole) and ``index`` its
    position there. ``member`` is the member's id (a branch's id for a branch record); ``item``,
    ``day``, ``points`` and ``count`` are the record's own where it has them (``points`` None: the
    item's default; ``count``: how many identical ledger entries an aggregate row stands for).
    """

    record: str
    reasons: tuple[str, ...]
    kind: str = ""
    index: int = -1
    member: str | None = None
    item: str | None = None
    day: date | None = None
    points: Number | None = None
    count: int = 1
    ref: str | None = None

    @property
    def text(self) -> str:
        """One line: the record as ``validate`` names it, then the reasons."""
        reason = "; ".join(self.reasons)
        return t("input.problem", record=self.record, reason=reason) if self.record else reason

    def lines(self) -> list[str]:
        """One line per reason, each naming the record: what ``InputError`` lists."""
        if not self.record:
            return list(self.reasons)
        return [t("input.problem", record=self.record, reason=r) for r in self.reasons]


def _points_reason(item: Item, points: Number | None) -> str | None:
    if points is None:
        return None
    if type(points) not in NUMBERS:
        return t("input.points_range", item=item.code, low=item.min, high=item.max, points=repr(points))
    if item.kind == "veto" or item.points is not None:
        # a veto carries no points: none, or the 0 its ledger entry stores
        expected = 0 if item.kind == "veto" else item.points
        if points != expected:
            return t("input.points_fixed", item=item.code, expected=expected, points=points)
        return None
    assert item.min is not None and item.max is not None
    if not item.min <= points <= item.max:
        return t("input.points_range", item=item.code, low=item.min, high=item.max, points=points)
    return None


def _outside(day: date, year: int) -> bool:
    """A record dated outside the scored year (``date.min`` marks a date ``from_json`` already refused)."""
    return day.year != year and day != date.min


def _entry_reasons(scheme: Scheme, e: Entry, members: dict[str, Member], year: int) -> list[str]:
    out = []
    member = members.get(e.member)
    if member is None:
        out.append(t("input.unknown_member", member=e.member))
    item = scheme.item(e.item)
    if item is None:
        out.append(t("input.unknown_item", scheme=scheme.id, item=e.item))
    elif (refusal := source_refusal(item)) is not None:
        out.append(refusal.text())
    else:
        problem = _points_reason(item, e.points)
        if problem:
            out.append(problem)
        if member is not None and (refusal := category_refusal(scheme, item, member.category)) is not None:
            out.append(refusal.text())
    if _outside(e.date, year):
        out.append(t("input.date_outside", date=e.date, year=year))
    return out


def _bounds(item: Item) -> tuple[Number, Number]:
    """The points an entry of ``item`` may carry (a veto: none, or the 0 its ledger entry stores)."""
    if item.kind == "veto":
        return 0, 0
    if item.points is not None:
        return item.points, item.points
    assert item.min is not None and item.max is not None
    return item.min, item.max


def accepted_points(scheme: Scheme) -> dict[str, tuple[Number, Number]]:
    """Items whose entries any member may have, with the points an entry may carry: what a fast
    path can take without a closer look (an item for some categories only always gets one)."""
    return {i.code: _bounds(i) for i in scheme.items if (i.enterable or i.kind == "veto") and not i.categories}


def _entries_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member], limit: int | None) -> list[Problem]:
    """Check every entry; the common case (a good entry) takes a few dictionary look-ups."""
    accepted = accepted_points(scheme)
    first, last = date(data.year, 1, 1), date(data.year, 12, 31)
    problems: list[Problem] = []
    reasons = 0
    for i, e in enumerate(data.entries):
        known = e.item in accepted
        bounds = accepted.get(e.item)
        points = e.points
        if (
            known
            and e.member in members
            and first <= e.date <= last
            and (points is None or (bounds is not None and type(points) in NUMBERS and bounds[0] <= points <= bounds[1]))
        ):
            continue
        found = _entry_reasons(scheme, e, members, data.year)
        if not found:
            continue
        record = f"{e.ref or f'entries[{i}]'} (member={e.member}, item={e.item}, date={e.date})"
        problems.append(Problem(record, tuple(found), "entries", i, e.member, e.item, e.date, e.points, e.count, e.ref))
        reasons += len(found)
        if limit is not None and reasons >= limit:
            break
    return problems


def _attendance_reasons(a: Attendance, members: dict[str, Member], year: int) -> list[str]:
    out = []
    if a.member not in members:
        out.append(t("input.unknown_member", member=a.member))
    if a.meeting not in MEETING_TYPES:
        out.append(t("input.unknown_meeting", meeting=a.meeting))
    if a.status not in STATUSES:
        out.append(t("input.bad_status", status=a.status))
    if _outside(a.date, year):
        out.append(t("input.date_outside", date=a.date, year=year))
    return out


def _attendance_problems(data: ScoringInput, members: dict[str, Member], limit: int | None) -> list[Problem]:
    problems: list[Problem] = []
    reasons = 0
    for i, a in enumerate(data.attendance):
        if a.member in members and a.meeting in MEETING_TYPES and a.status in STATUSES and a.date.year == data.year:
            continue
        found = _attendance_reasons(a, members, data.year)
        if not found:
            continue
        record = f"attendance[{i}] (member={a.member}, date={a.date})"
        problems.append(Problem(record, tuple(found), "attendance", i, a.member, a.meeting, a.date))
        reasons += len(found)
        if limit is not None and reasons >= limit:
            break
    return problems


def _rated(scheme: Scheme, member: str, members: dict[str, Member], item: str, value: Number,
           high: Number | None) -> list[str]:
    """Problems of one rating-like record: its member, its item, and ``value`` within 0..``high``."""
    out = []
    if member not in members:
        out.append(t("input.unknown_member", member=member))
    if high is None:
        out.append(t("input.unknown_rating_item", scheme=scheme.id, item=item))
    elif not 0 <= value <= high:
        out.append(t("input.rating_range", item=item, high=high, score=value))
    return out


def _rating_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member]) -> list[Problem]:
    out: list[Problem] = []
    if scheme.rating is None:
        return out
    maxima = {i.code: i.max for i in scheme.rating.items}
    for i, r in enumerate(data.ratings):
        found = _rated(scheme, r.member, members, r.item, r.score, maxima.get(r.item))
        if not 1 <= r.month <= 12:
            found.append(t("input.bad_month", month=r.month))
        if found:
            record = f"ratings[{i}] (member={r.member}, month={r.month}, item={r.item})"
            out.append(Problem(record, tuple(found), "ratings", i, r.member, r.item, points=r.score))
    for i, ev in enumerate(data.evaluations):
        high = maxima.get(ev.item)
        low, peak = ev.extremes or (0, 0)
        found = _rated(scheme, ev.member, members, ev.item, ev.total, None if high is None else high * ev.count)
        if high is not None and not 0 <= low <= peak <= high:
            found.append(t("input.rating_range", item=ev.item, high=high, score=peak if peak > high else low))
        if found:
            record = f"evaluations[{i}] (member={ev.member}, item={ev.item})"
            out.append(Problem(record, tuple(found), "evaluations", i, ev.member, ev.item, points=ev.total,
                               count=ev.count))
    return out


def _checked_branch(scheme: Scheme, b: BranchRecord, index: int) -> tuple[BranchRecord | None, list[Problem]]:
    """The branch without its bad bonus or deduction entries, and one problem per bad part.

    A bad area score or evaluation leaves the whole branch out (None): the engine would score the
    part as 0, and a branch's missing data is never a silent 0.
    """
    assert scheme.branch is not None
    out: list[Problem] = []
    record = f"branches[{index}] (id={b.id})"
    maxima = {a.code: a.max for a in scheme.branch.areas}
    for code, value in b.areas.items():
        if code not in maxima:
            out.append(Problem(record, (t("input.unknown_area", scheme=scheme.id, area=code),), "branches", index,
                               b.id, code, points=value))
        elif not isinstance(value, int | float) or not 0 <= value <= maxima[code]:
            out.append(Problem(record, (t("input.area_range", area=code, high=maxima[code], score=value),), "branches",
                               index, b.id, code, points=value))
    whole = bool(out)
    entries: list[BranchEntry] = []
    for j, e in enumerate(b.entries):
        item = scheme.item(e.item)
        wrong = (t("input.unknown_item", scheme=scheme.id, item=e.item) if item is None
                 else _points_reason(item, e.points))
        if wrong is None:
            entries.append(e)
        else:
            out.append(Problem(f"{record}.entries[{j}] (item={e.item})", (wrong,), "branches", index, b.id, e.item,
                               points=e.points))
    if b.evaluation is not None and not 0 <= b.evaluation <= 100:
        out.append(Problem(record, (t("input.evaluation_range", score=b.evaluation),), "branches", index, b.id,
                           points=b.evaluation))
        whole = True
    if not out:
        return b, out
    return (None if whole else replace(b, entries=tuple(entries))), out


def _duplicates(ids: list[str], kind: str) -> list[Problem]:
    """The second and later records with an id already seen."""
    seen: set[str] = set()
    out = []
    for i, value in enumerate(ids):
        if value in seen:
            out.append(Problem(f"{kind}[{i}]", (t("input.duplicate_id", id=value),), kind, i, value))
        seen.add(value)
    return out


def _roster(data: ScoringInput) -> dict[str, Member]:
    """Members by id; of two rows with one id the first (the later one is a problem)."""
    members: dict[str, Member] = {}
    for m in data.members:
        members.setdefault(m.id, m)
    return members


def _check(scheme: Scheme, data: ScoringInput, limit: int | None) -> tuple[list[Problem], list[BranchRecord]]:
    """Every problem (or, with ``limit``, about that many reasons), and the branches without their bad parts."""
    problems: list[Problem] = []
    branches: list[BranchRecord] = []
    if scheme.subject == "branch":
        if not data.branches:
            problems.append(Problem("", (t("input.wrong_subject", scheme=scheme.id, subject=t("subject.branch"),
                                             field="branches"),)))
        twins = _duplicates([b.id for b in data.branches], "branches")
        problems += twins
        dropped = {p.index for p in twins}
        for i, b in enumerate(data.branches):
            if i not in dropped:
                kept, found = _checked_branch(scheme, b, i)
                if kept is not None:
                    branches.append(kept)
                problems += found
        return problems, branches
    members = _roster(data)
    problems += _duplicates([m.id for m in data.members], "members")
    problems += _entries_problems(scheme, data, members, limit)
    problems += _attendance_problems(data, members, None if limit is None else max(1, limit - _count(problems)))
    problems += _rating_problems(scheme, data, members)
    return problems, branches


def _count(problems: list[Problem]) -> int:
    return sum(len(p.reasons) for p in problems)


def validate(scheme: Scheme, data: ScoringInput) -> None:
    """Raise InputError listing every problem (up to MAX_PROBLEMS) when the records can't be scored."""
    problems, _ = _check(scheme, data, MAX_PROBLEMS)
    if problems:
        lines = [line for p in problems for line in p.lines()]
        raise InputError([t("input.errors", count=len(lines)), *lines[:MAX_PROBLEMS]])


def split_valid(scheme: Scheme, data: ScoringInput) -> tuple[ScoringInput, list[Problem]]:
    """``data`` without the records ``validate`` would refuse, and one problem per record left out.

    What is left passes ``validate`` (unless no branch is left of a branch scheme's input). A bad
    entry, sign-in, rating or evaluation is left out; of two members (or branches) with one id the
    later row; a branch's bad bonus or deduction entry, or the whole branch for a bad area score or
    evaluation. When nothing is wrong, ``data`` itself comes back; otherwise a copy, sharing the
    lists that lost nothing. Problems come in ``validate``'s order.
    """
    problems, branches = _check(scheme, data, None)
    if not problems:
        return data, []
    if scheme.subject == "branch":
        return replace(data, branches=branches), problems
    bad: dict[str, set[int]] = {}
    for p in problems:
        bad.setdefault(p.kind, set()).add(p.index)

    def kept(kind: str, records: list[_R]) -> list[_R]:
        drop = bad.get(kind)
        return records if not drop else [r for i, r in enumerate(records) if i not in drop]

    return replace(
        data,
        members=kept("members", data.members),
        entries=kept("entries", data.entries),
        attendance=kept("attendance", data.attendance),
        ratings=kept("ratings", data.ratings),
        evaluations=kept("evaluations", data.evaluations),
    ), problems
