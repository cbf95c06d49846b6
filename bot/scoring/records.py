"""What the engine scores: a year of one branch's records, as plain data.

The storage read path builds these directly; ``from_json`` builds them from the
``partybot score`` input format and names the record behind every error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.i18n import t

Number = int | float


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    category: str = ""
    migrant: bool = False
    exempt: bool = False
    joined: date | None = None
    left: date | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A ledger entry: ``points`` is the signed change of one entry, None for the item's default.

    ``count`` > 1 stands for that many identical entries (same member, item, points and
    lead), as a SQL aggregate yields them; they are counted in ``date``'s sub-period, so an
    aggregate of an item with a per-period limit must not span two of its sub-periods.
    """

    member: str
    item: str
    date: date
    points: Number | None = None
    lead: bool = False
    ref: str | None = None
    count: int = 1


_new = object.__new__
_set_member, _set_item, _set_date, _set_points, _set_lead, _set_ref, _set_count = (
    Entry.__dict__[name].__set__ for name in ("member", "item", "date", "points", "lead", "ref", "count")
)


def aggregate_entry(member: str, item: str, day: date, points: Number | None, lead: bool, count: int) -> Entry:
    """``Entry(member, item, day, points, lead, count=count)``, the same frozen object, built by
    setting its slots directly: a read path builds millions of them, and the frozen dataclass's
    ``__init__`` costs about twice as much per field."""
    entry = _new(Entry)
    _set_member(entry, member)
    _set_item(entry, item)
    _set_date(entry, day)
    _set_points(entry, points)
    _set_lead(entry, lead)
    _set_ref(entry, None)
    _set_count(entry, count)
    return entry


@dataclass(frozen=True, slots=True)
class Attendance:
    member: str
    meeting: str
    date: date
    status: str
    online: bool = False


@dataclass(frozen=True, slots=True)
class Rating:
    member: str
    month: int
    item: str
    score: Number


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Democratic evaluation of one member on one item: the sum of all raters' scores and their count.

    Only the aggregate is kept, so no record links a rater to a score.
    """

    member: str
    item: str
    total: Number
    count: int
    #: The lowest and highest single score, where the individual scores are known (checked against the item's range).
    extremes: tuple[Number, Number] | None = None


@dataclass(frozen=True, slots=True)
class Dues:
    """党费 for one month, as the recorder marked it: ``paid`` (in full, on time), ``late`` or
    ``unpaid``. The points a scheme gives for dues come as ledger entries; these records feed
    what depends on the months themselves (six months without dues, 自行脱党 review)."""

    member: str
    month: int
    status: str


@dataclass(frozen=True, slots=True)
class DirectGrade:
    """年底直接评星定级: the stars a branch gives an exempt member directly at year end."""

    member: str
    stars: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BranchEntry:
    item: str
    points: Number | None = None


@dataclass(frozen=True, slots=True)
class BranchRecord:
    id: str
    name: str
    areas: dict[str, Number]
    entries: tuple[BranchEntry, ...] = ()
    evaluation: Number | None = None


@dataclass(slots=True)
class ScoringInput:
    year: int
    members: list[Member] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    branches: list[BranchRecord] = field(default_factory=list)
    dues: list[Dues] = field(default_factory=list)
    direct_grades: list[DirectGrade] = field(default_factory=list)


class InputError(ValueError):
    """Records the engine cannot score; lists every problem, each naming its record."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _date(raw: Any, record: str, problems: list[str]) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        problems.append(t("input.problem", record=record, reason=t("input.bad_date", date=raw)))
        return date.min


def _describe(kind: str, index: int, raw: dict[str, Any]) -> str:
    keys = ("id", "member", "item", "meeting", "date", "month")
    shown = ", ".join(f"{k}={raw[k]}" for k in keys if k in raw)
    return f"{kind}[{index}] ({shown})" if shown else f"{kind}[{index}]"


def from_json(data: dict[str, Any]) -> ScoringInput:
    """Build a ScoringInput from the ``partybot score`` JSON; raises InputError on bad shapes."""
    problems: list[str] = []
    out = ScoringInput(year=int(data.get("year", 0)))
    for i, raw in enumerate(data.get("members", [])):
        rec = _describe("members", i, raw)
        out.members.append(
            Member(
                id=str(raw["id"]),
                name=str(raw.get("name", raw["id"])),
                category=str(raw.get("category") or ""),
                migrant=bool(raw.get("migrant", False)),
                exempt=bool(raw.get("exempt", False)),
                joined=_date(raw["joined"], rec, problems) if raw.get("joined") else None,
                left=_date(raw["left"], rec, problems) if raw.get("left") else None,
            )
        )
    for i, raw in enumerate(data.get("entries", [])):
        rec = _describe("entries", i, raw)
        out.entries.append(
            Entry(
                member=str(raw.get("member", "")),
                item=str(raw.get("item", "")),
                date=_date(raw.get("date", ""), rec, problems),
                points=raw.get("points"),
                lead=bool(raw.get("lead", False)),
                ref=str(raw["ref"]) if raw.get("ref") is not None else f"entries[{i}]",
            )
        )
    for i, raw in enumerate(data.get("attendance", [])):
        rec = _describe("attendance", i, raw)
        out.attendance.append(
            Attendance(
                member=str(raw.get("member", "")),
                meeting=str(raw.get("meeting", "")),
                date=_date(raw.get("date", ""), rec, problems),
                status=str(raw.get("status", "")),
                online=bool(raw.get("online", False)),
            )
        )
    for raw in data.get("ratings", []):
        out.ratings.append(
            Rating(str(raw.get("member", "")), int(raw.get("month", 0)), str(raw.get("item", "")), raw.get("score", 0))
        )
    for i, raw in enumerate(data.get("evaluations", [])):
        scores = list(raw.get("scores", ()))
        if not all(isinstance(v, int | float) for v in scores):
            record = _describe("evaluations", i, raw)
            problems.append(t("input.problem", record=record, reason=t("input.bad_scores")))
            scores = []
        out.evaluations.append(
            Evaluation(
                str(raw.get("member", "")),
                str(raw.get("item", "")),
                sum(scores),
                len(scores),
                (min(scores), max(scores)) if scores else None,
            )
        )
    for raw in data.get("branches", []):
        out.branches.append(
            BranchRecord(
                id=str(raw["id"]),
                name=str(raw.get("name", raw["id"])),
                areas=dict(raw.get("areas", {})),
                entries=tuple(BranchEntry(str(e.get("item", "")), e.get("points")) for e in raw.get("entries", [])),
                evaluation=raw.get("evaluation"),
            )
        )
    if problems:
        raise InputError(problems)
    return out
