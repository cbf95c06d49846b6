"""Check a year of records against a scheme before anything is scored.

Every problem names its record; one problem means nothing is scored (InputError).
"""

from __future__ import annotations

from datetime import date

from bot.i18n import t
from bot.scoring.model import MEETING_TYPES, Item, Scheme
from bot.scoring.records import Attendance, BranchRecord, Entry, InputError, Member, Number, ScoringInput

STATUSES = ("present", "leave", "absent")
NUMBERS = (int, float)
MAX_PROBLEMS = 50


def _points_problem(item: Item, points: Number | None, record: str) -> str | None:
    if points is None:
        return None
    if type(points) not in NUMBERS:
        return t("input.points_range", record=record, item=item.code, low=item.min, high=item.max, points=repr(points))
    if item.kind == "veto" or item.points is not None:
        # a veto carries no points: none, or the 0 its ledger entry stores
        expected = 0 if item.kind == "veto" else item.points
        if points != expected:
            return t("input.points_fixed", record=record, item=item.code, expected=expected, points=points)
        return None
    assert item.min is not None and item.max is not None
    if not item.min <= points <= item.max:
        return t("input.points_range", record=record, item=item.code, low=item.min, high=item.max, points=points)
    return None


def _entry_problems(scheme: Scheme, e: Entry, record: str, members: dict[str, Member], year: int) -> list[str]:
    out = []
    member = members.get(e.member)
    if member is None:
        out.append(t("input.unknown_member", record=record, member=e.member))
    item = scheme.item(e.item)
    if item is None:
        out.append(t("input.unknown_item", record=record, scheme=scheme.id, item=e.item))
    elif not item.enterable and item.kind != "veto":
        out.append(t("input.not_entry_item", record=record, item=e.item, source=t(f"source.{item.source}")))
    else:
        problem = _points_problem(item, e.points, record)
        if problem:
            out.append(problem)
        if member is not None and item.categories and member.category not in item.categories:
            out.append(t("input.wrong_category", record=record, item=e.item, category=member.category or "-",
                          allowed="/".join(item.categories)))
    if e.date.year != year and e.date != date.min:
        out.append(t("input.date_outside", record=record, date=e.date, year=year))
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


def _entries_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member]) -> list[str]:
    """Check every entry; the common case (a good entry) takes a few dictionary look-ups."""
    accepted = accepted_points(scheme)
    first, last = date(data.year, 1, 1), date(data.year, 12, 31)
    problems: list[str] = []
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
        record = f"{e.ref or f'entries[{i}]'} (member={e.member}, item={e.item}, date={e.date})"
        problems += _entry_problems(scheme, e, record, members, data.year)
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def _attendance_problems(a: Attendance, record: str, members: dict[str, Member], year: int) -> list[str]:
    out = []
    if a.member not in members:
        out.append(t("input.unknown_member", record=record, member=a.member))
    if a.meeting not in MEETING_TYPES:
        out.append(t("input.unknown_meeting", record=record, meeting=a.meeting))
    if a.status not in STATUSES:
        out.append(t("input.bad_status", record=record, status=a.status))
    if a.date.year != year and a.date != date.min:
        out.append(t("input.date_outside", record=record, date=a.date, year=year))
    return out


def _rated(record: str, scheme: Scheme, member: str, members: dict[str, Member], item: str,
           value: Number, high: Number | None) -> list[str]:
    """Problems of one rating-like record: its member, its item, and ``value`` within 0..``high``."""
    out = []
    if member not in members:
        out.append(t("input.unknown_member", record=record, member=member))
    if high is None:
        out.append(t("input.unknown_rating_item", record=record, scheme=scheme.id, item=item))
    elif not 0 <= value <= high:
        out.append(t("input.rating_range", record=record, item=item, high=high, score=value))
    return out


def _rating_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member]) -> list[str]:
    out: list[str] = []
    if scheme.rating is None:
        return out
    maxima = {i.code: i.max for i in scheme.rating.items}
    for i, r in enumerate(data.ratings):
        record = f"ratings[{i}] (member={r.member}, month={r.month}, item={r.item})"
        out += _rated(record, scheme, r.member, members, r.item, r.score, maxima.get(r.item))
        if not 1 <= r.month <= 12:
            out.append(t("input.bad_month", record=record, month=r.month))
    for i, ev in enumerate(data.evaluations):
        record = f"evaluations[{i}] (member={ev.member}, item={ev.item})"
        high = maxima.get(ev.item)
        low, peak = ev.extremes or (0, 0)
        out += _rated(record, scheme, ev.member, members, ev.item, ev.total, None if high is None else high * ev.count)
        if high is not None and not 0 <= low <= peak <= high:
            out.append(t("input.rating_range", record=record, item=ev.item, high=high, score=peak if peak > high else low))
    return out


def _branch_problems(scheme: Scheme, b: BranchRecord, index: int) -> list[str]:
    assert scheme.branch is not None
    out = []
    record = f"branches[{index}] (id={b.id})"
    maxima = {a.code: a.max for a in scheme.branch.areas}
    for code, value in b.areas.items():
        if code not in maxima:
            out.append(t("input.unknown_area", record=record, scheme=scheme.id, area=code))
        elif not isinstance(value, int | float) or not 0 <= value <= maxima[code]:
            out.append(t("input.area_range", record=record, area=code, high=maxima[code], score=value))
    for j, e in enumerate(b.entries):
        rec = f"{record}.entries[{j}] (item={e.item})"
        item = scheme.item(e.item)
        if item is None:
            out.append(t("input.unknown_item", record=rec, scheme=scheme.id, item=e.item))
        else:
            problem = _points_problem(item, e.points, rec)
            if problem:
                out.append(problem)
    if b.evaluation is not None and not 0 <= b.evaluation <= 100:
        out.append(t("input.evaluation_range", record=record, score=b.evaluation))
    return out


def _duplicates(ids: list[str], kind: str) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, value in enumerate(ids):
        if value in seen:
            out.append(t("input.duplicate_id", record=f"{kind}[{i}]", id=value))
        seen.add(value)
    return out


def validate(scheme: Scheme, data: ScoringInput) -> None:
    """Raise InputError listing every problem (up to MAX_PROBLEMS) when the records can't be scored."""
    problems: list[str] = []
    if scheme.subject == "branch":
        if not data.branches:
            problems.append(t("input.wrong_subject", scheme=scheme.id, subject=t("subject.branch"), field="branches"))
        problems += _duplicates([b.id for b in data.branches], "branches")
        for i, b in enumerate(data.branches):
            problems += _branch_problems(scheme, b, i)
    else:
        members = {m.id: m for m in data.members}
        problems += _duplicates([m.id for m in data.members], "members")
        problems += _entries_problems(scheme, data, members)
        for i, a in enumerate(data.attendance):
            if a.member in members and a.meeting in MEETING_TYPES and a.status in STATUSES and a.date.year == data.year:
                continue
            problems += _attendance_problems(a, f"attendance[{i}] (member={a.member}, date={a.date})", members, data.year)
            if len(problems) >= MAX_PROBLEMS:
                break
        problems += _rating_problems(scheme, data, members)
    if problems:
        raise InputError([t("input.errors", count=len(problems)), *problems[:MAX_PROBLEMS]])
