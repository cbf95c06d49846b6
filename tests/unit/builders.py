"""Small builders for scoring records, so each test states only what its rule is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.scoring.engine import score
from bot.scoring.loader import load_preset
from bot.scoring.records import (
    Attendance,
    BranchEntry,
    BranchRecord,
    Entry,
    Evaluation,
    Member,
    Number,
    Rating,
    ScoringInput,
)
from bot.scoring.result import Line, Report, Result

YEAR = 2026


def day(month: int = 1, dom: int = 1) -> date:
    return date(YEAR, month, dom)


def member(mid: str = "m1", **kw: object) -> Member:
    return Member(mid, str(kw.pop("name", mid)), **kw)  # type: ignore[arg-type]


def members(n: int, prefix: str = "m") -> list[Member]:
    return [member(f"{prefix}{i:02d}") for i in range(1, n + 1)]


def entry(
    item: str,
    month: int = 1,
    dom: int = 1,
    *,
    who: str = "m1",
    points: Number | None = None,
    lead: bool = False,
    count: int = 1,
) -> Entry:
    return Entry(who, item, day(month, dom), points=points, lead=lead, count=count)


def att(
    meeting: str,
    status: str = "present",
    month: int = 1,
    dom: int = 1,
    *,
    who: str = "m1",
    online: bool = False,
) -> Attendance:
    return Attendance(who, meeting, day(month, dom), status, online)


def run(
    scheme_id: str,
    people: Iterable[Member] | None = None,
    entries: Iterable[Entry] = (),
    attendance: Iterable[Attendance] = (),
    ratings: Iterable[Rating] = (),
    evaluations: Iterable[Evaluation] = (),
    **kw: object,
) -> Report:
    data = ScoringInput(
        year=YEAR,
        members=list(people) if people is not None else [member()],
        entries=list(entries),
        attendance=list(attendance),
        ratings=list(ratings),
        evaluations=list(evaluations),
    )
    return score(load_preset(scheme_id), data, **kw)  # type: ignore[arg-type]


def one(report: Report, mid: str = "m1") -> Result:
    return next(r for r in report.members + report.branches if r.id == mid)


def lines(result: Result, code: str) -> list[Line]:
    return [line for line in result.explanation if line.code == code]


def line(result: Result, code: str) -> Line:
    found = lines(result, code)
    assert len(found) == 1, f"expected one {code} line, got {found}"
    return found[0]


# star-hundred: ten items rated monthly by the committee and by democratic evaluation

RATING_ITEMS = [
    "political",
    "study",
    "discipline",
    "org_life",
    "dues",
    "duty",
    "service",
    "pledge",
    "integrity",
    "morality",
]


def monthly(
    who: str, value: Number, months: Iterable[int] = range(1, 13), items: Iterable[str] = RATING_ITEMS
) -> list[Rating]:
    return [Rating(who, m, item, value) for m in months for item in items]


def evaluated(
    who: str, value: Number, raters: int = 10, items: Iterable[str] = RATING_ITEMS
) -> list[Evaluation]:
    return [Evaluation(who, item, round(value * raters, 9), raters) for item in items]


def uniform(who: str, value: Number) -> tuple[list[Rating], list[Evaluation]]:
    """Every item rated ``value`` every month and in the evaluation: the year total is 10 x value."""
    return monthly(who, value), evaluated(who, value)


# branch-star

FULL_AREAS: dict[str, Number] = {
    "leadership": 15,
    "operation": 15,
    "member_management": 20,
    "org_life": 20,
    "support": 10,
    "role": 20,
}


def areas(total: Number) -> dict[str, Number]:
    """Area scores adding up to ``total`` (0..100), taken off the last areas first."""
    out = dict(FULL_AREAS)
    missing = 100 - total
    for code in reversed(list(out)):
        take = min(out[code], missing)
        out[code] -= take
        missing -= take
    return out


def branch(
    bid: str, base: Number, evaluation: Number | None, *items: tuple[str, Number | None]
) -> BranchRecord:
    return BranchRecord(
        bid, bid, areas(base), tuple(BranchEntry(code, points) for code, points in items), evaluation
    )


def run_branches(*records: BranchRecord, scheme_id: str = "branch-star") -> Report:
    return score(load_preset(scheme_id), ScoringInput(year=YEAR, branches=list(records)))
