"""What the engine scores: a year of one branch's records, as plain data.

The storage read path builds these directly; ``from_json`` builds them from the
``partybot score`` input format and names the record behind every error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


def aggregate_entry(
    member: str, item: str, day: date, points: Number | None, lead: bool, count: int
) -> Entry:
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


def suggest(value: object, known: Iterable[str]) -> str:
    """``, 是否应为 “award_county”?`` for the closest known code (difflib), or nothing."""
    from difflib import get_close_matches  # only when a code is wrong

    close = get_close_matches(str(value), list(known), n=1, cutoff=0.6)
    return t("rules.did_you_mean", code=close[0]) if close else ""


#: The kinds of record ``partybot score`` reads, each a list under its key.
KINDS = ("members", "entries", "attendance", "ratings", "evaluations", "dues", "direct_grades", "branches")
_MISSING = object()


class _Reader:
    """Reads the records of one JSON document, collecting every problem (naming record and field)
    instead of stopping at the first; a record with a problem is left out of what is read."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.record = ""
        self.bad = False
        self.quiet = False
        self.skipped: list[int] = []

    def start(self, record: str, quiet: bool = False) -> None:
        """Read the fields of one record; ``quiet``: one already reported as a whole."""
        self.record, self.bad, self.quiet = record, False, quiet

    def fail(self, key: str, reason: str) -> None:
        self.bad = True
        if not self.quiet:
            self.problems.append(
                t("input.problem", record=self.record, reason=t("rules.field", field=key, reason=reason))
            )

    def _get(self, raw: dict[str, Any], key: str, required: bool) -> Any:
        value = raw.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(key, t("rules.json_missing"))
            return _MISSING
        return value

    def _wrong(self, key: str, expected: str, value: Any) -> None:
        shown = json.dumps(value, ensure_ascii=False)[:60]
        self.fail(key, t("rules.json_type", expected=t(f"rules.type.{expected}"), value=shown))

    def text(self, raw: dict[str, Any], key: str, default: str | None = None) -> str:
        value = self._get(raw, key, default is None)
        if value is _MISSING:
            return default or ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self._wrong(key, "text", value)
            return default or ""
        return str(value)

    def integer(self, raw: dict[str, Any], key: str) -> int:
        value = self._get(raw, key, True)
        if value is _MISSING:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, "int", value)
            return 0
        return value

    def number(self, raw: dict[str, Any], key: str, required: bool = True) -> Number | None:
        value = self._get(raw, key, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._wrong(key, "number", value)
            return None
        return value

    def flag(self, raw: dict[str, Any], key: str) -> bool:
        value = self._get(raw, key, False)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self._wrong(key, "bool", value)
            return False
        return value

    def day(self, raw: dict[str, Any], key: str, required: bool = True) -> date | None:
        value = self._get(raw, key, required)
        if value is _MISSING:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(key, t("input.bad_date", date=value))
            return None

    def records(self, data: dict[str, Any], kind: str) -> list[tuple[int, dict[str, Any]]]:
        """The records of one kind, each a JSON object; any other value is a problem, and stands as an
        empty object (listed in ``skipped``) so that positions stay those of the file."""
        self.skipped = []
        value = data.get(kind, [])
        if not isinstance(value, list):
            self.problems.append(
                t(
                    "input.problem",
                    record=kind,
                    reason=t("rules.json_not_list", value=json.dumps(value, ensure_ascii=False)[:60]),
                )
            )
            return []
        out = []
        for i, raw in enumerate(value):
            if isinstance(raw, dict):
                out.append((i, raw))
            else:
                shown = json.dumps(raw, ensure_ascii=False)[:60]
                self.problems.append(
                    t("input.problem", record=f"{kind}[{i}]", reason=t("rules.json_not_object", value=shown))
                )
                self.skipped.append(i)
                out.append((i, {}))
        return out


def _describe(kind: str, index: int, raw: dict[str, Any]) -> str:
    keys = ("id", "member", "item", "meeting", "date", "month")
    shown = ", ".join(f"{k}={raw[k]}" for k in keys if k in raw and not isinstance(raw[k], dict | list))
    return f"{kind}[{index}] ({shown})" if shown else f"{kind}[{index}]"


def read_json(data: Any) -> tuple[ScoringInput, list[str], set[tuple[str, int]]]:
    """Read the ``partybot score`` JSON without ever raising: the records, one problem for each field
    of the wrong shape (naming the record and the field), and the (kind, position) of each record with
    such a problem. Every element of a list becomes one record, a bad one with placeholder values, so
    positions stay those of the file; checking against a scheme should pass over the bad ones
    (``validate.problem_lines(skip=...)``) so that nothing is reported twice."""
    r = _Reader()
    bad: set[tuple[str, int]] = set()
    if not isinstance(data, dict):
        r.problems.append(t("rules.json_not_object", value=json.dumps(data, ensure_ascii=False)[:60]))
        return ScoringInput(year=0), r.problems, bad
    for key in data:
        if key != "year" and key not in KINDS:
            r.problems.append(t("rules.json_unknown_key", key=key, hint=suggest(key, ("year", *KINDS))))
    year = data.get("year")
    if year is None or isinstance(year, bool) or not isinstance(year, int):
        reason = (
            t("rules.json_missing")
            if year is None
            else t(
                "rules.json_type", expected=t("rules.type.int"), value=json.dumps(year, ensure_ascii=False)
            )
        )
        r.problems.append(t("rules.field", field="year", reason=reason))
        year = 0
    out = ScoringInput(year=year)

    readers: dict[str, Callable[[dict[str, Any], int], None]] = {
        "members": lambda raw, i: out.members.append(
            Member(
                (mid := r.text(raw, "id")),
                r.text(raw, "name", mid),
                r.text(raw, "category", ""),
                r.flag(raw, "migrant"),
                r.flag(raw, "exempt"),
                r.day(raw, "joined", False),
                r.day(raw, "left", False),
            )
        ),
        "entries": lambda raw, i: out.entries.append(
            Entry(
                r.text(raw, "member"),
                r.text(raw, "item"),
                r.day(raw, "date") or date.min,
                r.number(raw, "points", False),
                r.flag(raw, "lead"),
                r.text(raw, "ref", f"entries[{i}]"),
            )
        ),
        "attendance": lambda raw, i: out.attendance.append(
            Attendance(
                r.text(raw, "member"),
                r.text(raw, "meeting"),
                r.day(raw, "date") or date.min,
                r.text(raw, "status"),
                r.flag(raw, "online"),
            )
        ),
        "ratings": lambda raw, i: out.ratings.append(
            Rating(
                r.text(raw, "member"),
                r.integer(raw, "month"),
                r.text(raw, "item"),
                r.number(raw, "score") or 0,
            )
        ),
        "evaluations": lambda raw, i: out.evaluations.append(_evaluation(r, raw)),
        "dues": lambda raw, i: out.dues.append(
            Dues(r.text(raw, "member"), r.integer(raw, "month"), r.text(raw, "status"))
        ),
        "direct_grades": lambda raw, i: out.direct_grades.append(
            DirectGrade(r.text(raw, "member"), r.integer(raw, "stars"), r.text(raw, "reason", ""))
        ),
        "branches": lambda raw, i: out.branches.append(_branch(r, raw)),
    }
    for kind, read in readers.items():
        records = r.records(data, kind)
        skipped = set(r.skipped)
        for i, raw in records:
            r.start(_describe(kind, i, raw), quiet=i in skipped)
            read(raw, i)
            if r.bad or i in skipped:
                bad.add((kind, i))
    return out, r.problems, bad


def _evaluation(r: _Reader, raw: dict[str, Any]) -> Evaluation:
    member, item = r.text(raw, "member"), r.text(raw, "item")
    scores = raw.get("scores")
    if not isinstance(scores, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scores
    ):
        r.fail("scores", t("input.bad_scores"))
        return Evaluation(member, item, 0, 0)
    return Evaluation(member, item, sum(scores), len(scores), (min(scores), max(scores)) if scores else None)


def _branch(r: _Reader, raw: dict[str, Any]) -> BranchRecord:
    bid = r.text(raw, "id")
    areas = raw.get("areas", {})
    if not isinstance(areas, dict):
        r.fail(
            "areas",
            t(
                "rules.json_type",
                expected=t("rules.type.object"),
                value=json.dumps(areas, ensure_ascii=False),
            ),
        )
        areas = {}
    for code, value in areas.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.fail(
                f"areas.{code}",
                t(
                    "rules.json_type",
                    expected=t("rules.type.number"),
                    value=json.dumps(value, ensure_ascii=False),
                ),
            )
    entries = []
    raw_entries = raw.get("entries", [])
    if not isinstance(raw_entries, list):
        r.fail(
            "entries",
            t(
                "rules.json_type",
                expected=t("rules.type.list"),
                value=json.dumps(raw_entries, ensure_ascii=False),
            ),
        )
        raw_entries = []
    record = r.record
    for j, e in enumerate(raw_entries):
        if not isinstance(e, dict):
            r.fail(f"entries[{j}]", t("rules.json_not_object", value=json.dumps(e, ensure_ascii=False)[:60]))
            continue
        r.record = f"{record}.entries[{j}]"
        entries.append(BranchEntry(r.text(e, "item"), r.number(e, "points", False)))
    r.record = record
    evaluation = r.number(raw, "evaluation", False)
    return BranchRecord(bid, r.text(raw, "name", bid), dict(areas), tuple(entries), evaluation)


def from_json(data: Any) -> ScoringInput:
    """Build a ScoringInput from the ``partybot score`` JSON; raises InputError listing every bad shape."""
    out, problems, _ = read_json(data)
    if problems:
        raise InputError(problems)
    return out
