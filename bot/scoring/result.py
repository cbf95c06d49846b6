"""What the engine returns: scores with grades, stars, ranks and an explanation of every point."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from bot.i18n import t

if TYPE_CHECKING:
    from bot.scoring.model import Item

Exact = int | Fraction


def exact(value: int | float | Fraction) -> Exact:
    """An exact number: ints stay ints, floats become the Fraction of their decimal text."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number of points")
    if isinstance(value, int | Fraction):
        return value
    if value.is_integer():
        return int(value)
    return Fraction(str(value))


def magnitude(value: Exact) -> Exact:
    """|value|, keeping the exact type."""
    return -value if value < 0 else value


def shown(value: Exact | None) -> int | float | None:
    """A number as JSON shows it: ints as ints, others rounded to two decimals."""
    if value is None:
        return None
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    return round(float(value), 2)


@dataclass(slots=True)
class Line:
    """One line of an explanation: which rule, how often, raw and counted points, the bound applied."""

    code: str
    text: str
    points: Exact | None = None
    count: int | None = None
    raw: Exact | None = None
    bound: Exact | None = None
    rule: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "text": self.text}
        for key in ("points", "raw", "bound"):
            value = getattr(self, key)
            if value is not None:
                out[key] = shown(value)
        if self.count is not None:
            out["count"] = self.count
        if self.rule:
            out["rule"] = self.rule
        return out


def entry_line(item: Item, points: Exact) -> Line:
    """The explanation of one entry of ``item`` counted at ``points``."""
    return Line(
        item.code,
        t("explain.item", name=item.name, code=item.code, count=1, points=points),
        points,
        rule=item.clause,
    )


@dataclass(slots=True)
class Standing:
    """One member's (or branch's) place for a period: what a publicity board shows."""

    id: str
    name: str
    score: Exact | None
    grade: str | None = None
    stars: int | None = None
    rank: int | None = None
    exempt: bool = False
    vetoed: bool = False
    #: 数据不全: what is missing (no score, grade, follow-up or rank until it is supplied).
    missing: tuple[str, ...] = ()
    #: 年底直接评星定级: stars given directly to an exempt member, no score.
    direct: bool = False


@dataclass(slots=True)
class Result(Standing):
    """The score of one member (or one branch) for the period, with its explanation."""

    #: The member's category and the place within it (分类排名), where the scheme ranks by category.
    category: str = ""
    category_rank: int | None = None
    follow_up: str | None = None
    explanation: list[Line] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    quarters: dict[str, Exact] = field(default_factory=dict)

    @classmethod
    def exempt_member(cls, member_id: str, name: str) -> Result:
        """A member exempt from scoring (免于积分): kept on the roster, given no score."""
        return cls(member_id, name, None, exempt=True, explanation=[Line("exempt", t("explain.exempt"))])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "score": shown(self.score),
            "grade": self.grade,
            "stars": self.stars,
            "rank": self.rank,
            "explanation": [line.to_json() for line in self.explanation],
        }
        if self.exempt:
            out["exempt"] = True
        if self.vetoed:
            out["vetoed"] = True
        if self.missing:
            out["incomplete"] = True
            out["missing"] = list(self.missing)
        if self.direct:
            out["direct_grade"] = True
        if self.category_rank is not None:
            out["category"] = self.category
            out["category_rank"] = self.category_rank
        if self.follow_up:
            out["follow_up"] = self.follow_up
        if self.alerts:
            out["alerts"] = self.alerts
        if self.quarters:
            out["quarters"] = {q: shown(v) for q, v in self.quarters.items()}
        return out


@dataclass(slots=True)
class Report:
    scheme: str
    year: int
    members: list[Result] = field(default_factory=list)
    branches: list[Result] = field(default_factory=list)
    quarter_stars: dict[str, list[str]] = field(default_factory=dict)
    year_stars: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scheme": self.scheme, "year": self.year}
        if self.branches:
            out["branches"] = [b.to_json() for b in self.branches]
        else:
            out["members"] = [m.to_json() for m in self.members]
            out["quarter_stars"] = self.quarter_stars
            out["year_stars"] = self.year_stars
        if self.notes:
            out["notes"] = self.notes
        return out


def places(results: Sequence[Standing]) -> Iterator[tuple[Standing, int]]:
    """Competition places (1, 2, 2, 4) by score, highest first; exempt members and those without a
    score (数据不全, not under management) get none. A vetoed or zeroed member comes after every
    other member, however high the score."""
    scored = sorted(
        (r for r in results if r.score is not None and not r.exempt),
        key=lambda r: (r.vetoed, -r.score),  # type: ignore[operator]
    )
    previous: tuple[bool, Exact | None] | None = None
    position = 0
    for index, result in enumerate(scored, start=1):
        key = (result.vetoed, result.score)
        if key != previous:
            position, previous = index, key
        yield result, position


def rank(results: Sequence[Standing]) -> None:
    """Set each result's ``rank`` to its place (``places``)."""
    for result, position in places(results):
        result.rank = position
