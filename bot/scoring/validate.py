"""Check a year of records against a scheme before anything is scored.

Every problem names its record. ``validate`` is all or nothing: one problem means nothing is
scored (InputError), as ``partybot score`` wants. ``split_valid`` is the read path's: it leaves
out each record ``validate`` would refuse and reports it, so the rest can be scored.

Which entries a member may have is decided in ``eligibility`` (one place per fact).
"""

from __future__ import annotations

from collections.abc import Set
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
    suggest,
)

STATUSES = ("present", "leave", "absent")
DUES_STATUSES = ("paid", "late", "unpaid")
NUMBERS = (int, float)
MAX_PROBLEMS = 50

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class Problem:
    """One record the scheme cannot score and every reason why (in the active locale, zh-CN by default).

    ``kind`` is the list of ``ScoringInput`` the record is in (``entries``, ``attendance``, ``members``,
    ``ratings``, ``evaluations``, ``dues``, ``direct_grades``, ``branches``; empty for the input as a whole) and ``index`` its
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


def field(name: str, reason: str) -> str:
    """A reason about one field of a record: ``字段 item: ...``."""
    return t("rules.field", field=name, reason=reason)


def _unknown_member(member: str, members: dict[str, Member]) -> str:
    return field("member", t("input.unknown_member", member=member) + suggest(member, members))


def _unknown_item(scheme: Scheme, code: str) -> str:
    return field(
        "item",
        t("input.unknown_item", scheme=scheme.id, item=code) + suggest(code, (i.code for i in scheme.items)),
    )


def _needs_points(item: Item) -> bool:
    """A ranged item without a default: every entry must carry its points (the documents give no default)."""
    return item.kind != "veto" and item.points is None and item.default is None


def _points_reason(item: Item, points: Number | None) -> str | None:
    if points is None:
        if _needs_points(item):
            return field("points", t("rules.points_required", item=item.code, low=item.min, high=item.max))
        return None
    reason = _value_reason(item, points)
    return None if reason is None else field("points", reason)


def _value_reason(item: Item, points: Number) -> str | None:
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
        out.append(_unknown_member(e.member, members))
    item = scheme.item(e.item)
    if item is None:
        out.append(_unknown_item(scheme, e.item))
    elif (refusal := source_refusal(item)) is not None:
        out.append(field("item", refusal.text()))
    else:
        problem = _points_reason(item, e.points)
        if problem:
            out.append(problem)
        if member is not None and (refusal := category_refusal(scheme, item, member.category)) is not None:
            out.append(field("item", refusal.text()))
    if _outside(e.date, year):
        out.append(field("date", t("input.date_outside", date=e.date, year=year)))
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
    return {
        i.code: _bounds(i)
        for i in scheme.items
        if (i.enterable or i.kind == "veto") and not i.categories and not _needs_points(i)
    }


def _entries_problems(
    scheme: Scheme, data: ScoringInput, members: dict[str, Member], limit: int | None
) -> list[Problem]:
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
            and (
                points is None
                or (bounds is not None and type(points) in NUMBERS and bounds[0] <= points <= bounds[1])
            )
        ):
            continue
        found = _entry_reasons(scheme, e, members, data.year)
        if not found:
            continue
        record = f"{e.ref or f'entries[{i}]'} (member={e.member}, item={e.item}, date={e.date})"
        problems.append(
            Problem(record, tuple(found), "entries", i, e.member, e.item, e.date, e.points, e.count, e.ref)
        )
        reasons += len(found)
        if limit is not None and reasons >= limit:
            break
    return problems


def _attendance_reasons(a: Attendance, members: dict[str, Member], year: int) -> list[str]:
    out = []
    if a.member not in members:
        out.append(_unknown_member(a.member, members))
    if a.meeting not in MEETING_TYPES:
        out.append(
            field(
                "meeting", t("input.unknown_meeting", meeting=a.meeting) + suggest(a.meeting, MEETING_TYPES)
            )
        )
    if a.status not in STATUSES:
        out.append(field("status", t("input.bad_status", status=a.status) + suggest(a.status, STATUSES)))
    if _outside(a.date, year):
        out.append(field("date", t("input.date_outside", date=a.date, year=year)))
    return out


def _attendance_problems(data: ScoringInput, members: dict[str, Member], limit: int | None) -> list[Problem]:
    problems: list[Problem] = []
    reasons = 0
    for i, a in enumerate(data.attendance):
        if (
            a.member in members
            and a.meeting in MEETING_TYPES
            and a.status in STATUSES
            and a.date.year == data.year
        ):
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


def _rated(
    scheme: Scheme,
    member: str,
    members: dict[str, Member],
    item: str,
    value: Number,
    high: Number | None,
    value_field: str = "score",
) -> list[str]:
    """Problems of one rating-like record: its member, its item, and ``value`` within 0..``high``."""
    out = []
    if member not in members:
        out.append(_unknown_member(member, members))
    if high is None:
        codes = [i.code for i in scheme.rating.items] if scheme.rating else []
        out.append(
            field("item", t("input.unknown_rating_item", scheme=scheme.id, item=item) + suggest(item, codes))
        )
    elif type(value) not in NUMBERS or not 0 <= value <= high:
        out.append(field(value_field, t("input.rating_range", item=item, high=high, score=value)))
    return out


def _rating_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member]) -> list[Problem]:
    out: list[Problem] = []
    if scheme.rating is None:
        return out
    maxima = {i.code: i.max for i in scheme.rating.items}
    seen: dict[tuple[str, int, str], int] = {}
    for i, r in enumerate(data.ratings):
        found = _rated(scheme, r.member, members, r.item, r.score, maxima.get(r.item))
        if type(r.month) is not int or not 1 <= r.month <= 12:
            found.append(field("month", t("input.bad_month", month=r.month)))
        first = seen.setdefault((r.member, r.month, r.item), i)
        if first != i:
            found.append(t("rules.duplicate_rating", other=f"ratings[{first}]"))
        if found:
            record = f"ratings[{i}] (member={r.member}, month={r.month}, item={r.item})"
            out.append(Problem(record, tuple(found), "ratings", i, r.member, r.item, points=r.score))
    minimum = scheme.rating.min_mass_raters
    evaluated: dict[tuple[str, str], int] = {}
    for i, ev in enumerate(data.evaluations):
        high = maxima.get(ev.item)
        low, peak = ev.extremes or (0, 0)
        found = _rated(
            scheme, ev.member, members, ev.item, ev.total, None if high is None else high * ev.count, "scores"
        )
        if high is not None and not 0 <= low <= peak <= high:
            found.append(
                field(
                    "scores",
                    t("input.rating_range", item=ev.item, high=high, score=peak if peak > high else low),
                )
            )
        if ev.count < max(minimum, 1):
            found.append(field("scores", t("rules.too_few_raters", count=ev.count, minimum=max(minimum, 1))))
        first = evaluated.setdefault((ev.member, ev.item), i)
        if first != i:
            found.append(t("rules.duplicate_evaluation", other=f"evaluations[{first}]"))
        if found:
            record = f"evaluations[{i}] (member={ev.member}, item={ev.item})"
            out.append(
                Problem(
                    record,
                    tuple(found),
                    "evaluations",
                    i,
                    ev.member,
                    ev.item,
                    points=ev.total,
                    count=ev.count,
                )
            )
    return out


def _dues_problems(data: ScoringInput, members: dict[str, Member]) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[tuple[str, int], int] = {}
    for i, d in enumerate(data.dues):
        found = []
        if d.member not in members:
            found.append(_unknown_member(d.member, members))
        if type(d.month) is not int or not 1 <= d.month <= 12:
            found.append(field("month", t("input.bad_month", month=d.month)))
        if d.status not in DUES_STATUSES:
            found.append(
                field(
                    "status", t("rules.bad_dues_status", status=d.status) + suggest(d.status, DUES_STATUSES)
                )
            )
        first = seen.setdefault((d.member, d.month), i)
        if first != i:
            found.append(t("rules.duplicate_dues", other=f"dues[{first}]"))
        if found:
            out.append(
                Problem(f"dues[{i}] (member={d.member}, month={d.month})", tuple(found), "dues", i, d.member)
            )
    return out


def _direct_grade_problems(scheme: Scheme, data: ScoringInput, members: dict[str, Member]) -> list[Problem]:
    out: list[Problem] = []
    allowed = scheme.rating is not None and scheme.rating.direct_grade
    stars = sorted({b.stars for b in scheme.bands if b.stars is not None})
    seen: dict[str, int] = {}
    for i, g in enumerate(data.direct_grades):
        found = []
        member = members.get(g.member)
        if not allowed:
            found.append(t("rules.direct_not_in_scheme", scheme=scheme.id))
        if member is None:
            found.append(_unknown_member(g.member, members))
        elif not member.exempt:
            found.append(field("member", t("rules.direct_not_exempt", member=g.member)))
        if allowed and (type(g.stars) is not int or g.stars not in stars):
            found.append(
                field(
                    "stars",
                    t(
                        "rules.direct_bad_stars",
                        stars=g.stars,
                        low=stars[0] if stars else 0,
                        high=stars[-1] if stars else 0,
                    ),
                )
            )
        first = seen.setdefault(g.member, i)
        if first != i:
            found.append(t("rules.duplicate_direct", other=f"direct_grades[{first}]"))
        if found:
            out.append(
                Problem(f"direct_grades[{i}] (member={g.member})", tuple(found), "direct_grades", i, g.member)
            )
    return out


def _checked_branch(scheme: Scheme, b: BranchRecord, index: int) -> tuple[BranchRecord | None, list[Problem]]:
    """The branch without its bad bonus or deduction entries, and one problem per bad part.

    A bad area score or evaluation leaves the whole branch out (None): the engine would score the
    part as missing (数据不全), and a wrong value is not a missing one.
    """
    assert scheme.branch is not None
    out: list[Problem] = []
    record = f"branches[{index}] (id={b.id})"
    maxima = {a.code: a.max for a in scheme.branch.areas}
    for code, value in b.areas.items():
        if code not in maxima:
            reason = t("input.unknown_area", scheme=scheme.id, area=code) + suggest(code, maxima)
            out.append(
                Problem(
                    record, (field(f"areas.{code}", reason),), "branches", index, b.id, code, points=value
                )
            )
        elif type(value) not in NUMBERS or not 0 <= value <= maxima[code]:
            reason = t("input.area_range", area=code, high=maxima[code], score=value)
            out.append(
                Problem(
                    record, (field(f"areas.{code}", reason),), "branches", index, b.id, code, points=value
                )
            )
    whole = bool(out)
    entries: list[BranchEntry] = []
    for j, e in enumerate(b.entries):
        item = scheme.item(e.item)
        wrong = _unknown_item(scheme, e.item) if item is None else _points_reason(item, e.points)
        if wrong is None:
            entries.append(e)
        else:
            out.append(
                Problem(
                    f"{record}.entries[{j}] (item={e.item})",
                    (wrong,),
                    "branches",
                    index,
                    b.id,
                    e.item,
                    points=e.points,
                )
            )
    if b.evaluation is not None and (type(b.evaluation) not in NUMBERS or not 0 <= b.evaluation <= 100):
        out.append(
            Problem(
                record,
                (field("evaluation", t("input.evaluation_range", score=b.evaluation)),),
                "branches",
                index,
                b.id,
                points=b.evaluation,
            )
        )
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
            out.append(
                Problem(f"{kind}[{i}]", (field("id", t("input.duplicate_id", id=value)),), kind, i, value)
            )
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
            problems.append(
                Problem(
                    "",
                    (
                        t(
                            "input.wrong_subject",
                            scheme=scheme.id,
                            subject=t("subject.branch"),
                            field="branches",
                        ),
                    ),
                )
            )
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
    problems += _attendance_problems(
        data, members, None if limit is None else max(1, limit - _count(problems))
    )
    problems += _rating_problems(scheme, data, members)
    problems += _dues_problems(data, members)
    problems += _direct_grade_problems(scheme, data, members)
    return problems, branches


def _count(problems: list[Problem]) -> int:
    return sum(len(p.reasons) for p in problems)


def problem_lines(scheme: Scheme, data: ScoringInput, skip: Set[tuple[str, int]] = frozenset()) -> list[str]:
    """One line per reason (about MAX_PROBLEMS at most), each naming its record and field; the records
    at ``skip`` (kind, position), already reported as they were read, are passed over."""
    problems, _ = _check(scheme, data, MAX_PROBLEMS)
    return [line for p in problems if (p.kind, p.index) not in skip for line in p.lines()]


def refuse(lines: list[str]) -> None:
    """Raise InputError for ``lines`` (if any), headed by their count: nothing is scored."""
    if lines:
        raise InputError([t("input.errors", count=len(lines)), *lines[:MAX_PROBLEMS]])


def validate(scheme: Scheme, data: ScoringInput) -> None:
    """Raise InputError listing every problem (up to MAX_PROBLEMS) when the records can't be scored."""
    refuse(problem_lines(scheme, data))


def split_valid(scheme: Scheme, data: ScoringInput) -> tuple[ScoringInput, list[Problem]]:
    """``data`` without the records ``validate`` would refuse, and one problem per record left out.

    What is left passes ``validate`` (unless no branch is left of a branch scheme's input). A bad
    entry, sign-in, rating or evaluation is left out; of two members (or branches) with one id the
    later row; a bad dues record or direct grade; a branch's bad bonus or deduction entry, or the whole branch for a bad area score or
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
        dues=kept("dues", data.dues),
        direct_grades=kept("direct_grades", data.direct_grades),
    ), problems
