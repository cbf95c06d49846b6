"""The scheme model: a branch's written scoring rules as validated, declarative data.

A scheme is loaded from TOML (see ``loader``); every number a rule uses lives in the
scheme file, none in Python. Three shapes of scheme exist in the seeds:

- ``additive``: base + items (grouped, capped, limited per sub-period), floors and vetoes
  (twelve-point, pioneer-index, base-incentive);
- ``rating``: ten items rated monthly and by democratic evaluation, weighted, plus
  highest-only adjustments (star-hundred);
- ``branch``: branches scored on areas, bonus and deduction items and an evaluation
  (branch-star).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

Number = int | float
Period = Literal["month", "quarter", "half", "year"]
Status = Literal["present", "leave", "absent"]
Role = Literal["secretary", "recorder", "committee"]

#: Meeting types share one set of codes in every scheme (schemes.md, common mechanics).
MEETING_TYPES: dict[str, str] = {
    "theme_day": "主题党日",
    "general_meeting": "支部党员大会",
    "committee_meeting": "支委会",
    "group_meeting": "党小组会",
    "party_class": "党课",
    "org_life_meeting": "组织生活会",
    "democratic_review": "民主评议党员",
}

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """One rule line with a code: what it is worth, where entries come from, its limits."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)
    kind: Literal["bonus", "deduction", "veto"]
    group: str | None = None
    #: A fixed signed value, or a range ``min``..``max`` the approver picks in (``default`` when none is given).
    points: Number | None = None
    min: Number | None = None
    max: Number | None = None
    default: Number | None = None
    #: Where entries come from: a member's claim, the recorder, sign-in records, or a year-end computation.
    source: Literal["claim", "recorder", "attendance", "computed"] = "claim"
    #: For ``attendance`` items: which meeting types and which sign-in status produce an entry.
    meetings: list[str] = Field(default_factory=list)
    status: Status | None = None
    #: For ``computed`` items: the computation and its requirement.
    computed: Literal["migrant_returns"] | None = None
    required: int | None = Field(default=None, ge=0)
    #: Count at most ``per_limit`` entries in each ``per`` sub-period.
    per: Period | None = None
    per_limit: int = Field(default=1, ge=1)
    #: The most the item can add (or deduct) in a year, as a magnitude.
    cap: Number | None = Field(default=None, gt=0)
    #: A leading, organizing or chairing role multiplies an entry's points.
    lead_multiplier: Number | None = Field(default=None, gt=0)
    #: Member categories the item applies to; empty means every member.
    categories: list[str] = Field(default_factory=list)
    clause: str = ""
    aliases: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Item:
        if self.kind == "veto":
            if self.points is not None or self.min is not None or self.max is not None:
                raise ValueError("一票否决项不设分值 (veto items carry no points)")
            return self
        fixed = self.points is not None
        ranged = self.min is not None or self.max is not None
        if fixed == ranged:
            raise ValueError("分值须二选一: 固定分值 points, 或范围 min 与 max")
        if ranged:
            if self.min is None or self.max is None or self.min > self.max:
                raise ValueError("范围分值须同时给出 min 与 max, 且 min <= max")
            if self.default is not None and not self.min <= self.default <= self.max:
                raise ValueError(f"default {self.default} 不在 {self.min}..{self.max} 之内")
        sign_ok = all(
            (v >= 0 if self.kind == "bonus" else v <= 0)
            for v in (self.points, self.min, self.max, self.default)
            if v is not None
        )
        if not sign_ok:
            raise ValueError("加分项分值不能为负, 减分项分值不能为正")
        if self.source == "attendance" and self.status is None:
            raise ValueError("签到产生的积分项须指定 status (present/leave/absent)")
        if self.source == "computed" and self.computed is None:
            raise ValueError("自动计算的积分项须指定 computed")
        unknown = [m for m in self.meetings if m not in MEETING_TYPES]
        if unknown:
            raise ValueError(f"未知的会议类型: {', '.join(unknown)}")
        return self

    @property
    def default_points(self) -> Number:
        """The value used when an entry gives none: the fixed value, ``default``, or the mild end."""
        if self.points is not None:
            return self.points
        if self.default is not None:
            return self.default
        assert self.min is not None and self.max is not None
        return self.min if self.kind == "bonus" else self.max

    @property
    def enterable(self) -> bool:
        """Whether a person may record this item directly (claims and recorder entries)."""
        return self.source in ("claim", "recorder")


class Group(_Strict):
    """Items summed together under a common cap (magnitude), e.g. 违规减分以12分为底线."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str
    cap: Number | None = Field(default=None, gt=0)
    clause: str = ""


class Band(_Strict):
    """A score band: score >= ``min`` gives this grade (格次/tier), stars and follow-up.

    The last band may leave out ``min``: it takes every score below the others.
    """

    min: Number | None = None
    grade: str | None = None
    stars: int | None = Field(default=None, ge=0)
    follow_up: str | None = None


class Veto(_Strict):
    """What a veto (一票否决) or zeroing (清零) item does to the member's year."""

    grade: str
    score: Number | None = None
    stop: bool = False
    #: The most stars a vetoed member keeps (a rating scheme's stars come from the score otherwise).
    max_stars: int | None = Field(default=None, ge=0)
    clause: str = ""


class Alert(_Strict):
    """A pattern the bot detects and raises to the secretary; people decide."""

    #: ``absent_streak``: months in a row whose every sign-in was an unexcused absence;
    #: ``dues_streak``: months in a row under management without dues paid (``records.Dues``).
    kind: Literal["absent_streak", "dues_streak"]
    months: int = Field(ge=1)
    item: str | None = None
    follow_up: str = ""


class QuarterStar(_Strict):
    """At most floor(``share`` x members), but at least ``at_least`` once the branch has ``min_members``
    (none below that); chosen on each quarter's ``total`` (sum of the monthly totals) or ``average``."""

    share: float = Field(gt=0, le=1)
    min_members: int = Field(default=0, ge=0)
    at_least: int = Field(default=0, ge=0)
    by: Literal["total", "average"] = "total"
    clause: str = ""


class YearStar(_Strict):
    share: float = Field(gt=0, le=1)
    among_stars: int = Field(ge=0)
    clause: str = ""


class TopStars(_Strict):
    """At most ``share`` of all subjects may hold ``stars``; the rest drop to ``fallback``."""

    share: float = Field(gt=0, le=1)
    stars: int
    fallback: int
    clause: str = ""


class Quotas(_Strict):
    quarter_star: QuarterStar | None = None
    year_star: YearStar | None = None
    top_stars: TopStars | None = None


class RatingItem(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    max: Number = Field(gt=0)
    aliases: list[str] = Field(default_factory=list)


class Rating(_Strict):
    """Monthly committee ratings and a democratic evaluation of the same items, weighted."""

    items: list[RatingItem] = Field(min_length=1)
    monthly_weight: float = Field(ge=0, le=1)
    evaluation_weight: float = Field(ge=0, le=1)
    #: ``highest``: only the single highest reward and the single heaviest penalty count.
    adjustment: Literal["highest", "sum"] = "highest"
    #: An evaluation with fewer raters than this is refused (the seed's 不少于10名群众代表).
    min_mass_raters: int = Field(default=0, ge=0)
    #: ``whole_or_rated``: the month of joining counts when the member was under management for the
    #: whole month (joined on the 1st) or has ratings for it; ``always``: it counts.
    joining_month: Literal["whole_or_rated", "always"] = "whole_or_rated"
    #: Exempt members may be given their stars directly at year end (``records.DirectGrade``).
    direct_grade: bool = False
    direct_grade_clause: str = ""
    clause: str = ""

    @model_validator(mode="after")
    def _weights(self) -> Rating:
        if abs(self.monthly_weight + self.evaluation_weight - 1) > 1e-9:
            raise ValueError("monthly_weight 与 evaluation_weight 之和须为 1")
        return self


class Area(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    max: Number = Field(gt=0)


class StarCap(_Strict):
    """Stars are capped at ``max_stars`` when the condition holds."""

    when: Literal["base_below", "any_deduction"]
    value: Number | None = None
    max_stars: int = Field(ge=0)
    clause: str = ""


class BranchRules(_Strict):
    """Branch scoring: areas make the base; weighted with the secretary's evaluation."""

    areas: list[Area] = Field(min_length=1)
    self_weight: float = Field(ge=0, le=1)
    #: Declared before ``evaluation_weight`` so that a weight above it is reported at that key and line.
    evaluation_weight_max: float = Field(ge=0, le=1)
    evaluation_weight: float = Field(ge=0, le=1)
    star_caps: list[StarCap] = Field(default_factory=list)
    clause: str = ""

    @field_validator("evaluation_weight")
    @classmethod
    def _evaluation_at_most_max(cls, value: float, info: ValidationInfo) -> float:
        limit = info.data.get("evaluation_weight_max")
        if limit is not None and value > limit:
            raise ValueError(
                f"述职评议权重 evaluation_weight = {value} 超过上限 evaluation_weight_max = {limit}"
            )
        return value

    @model_validator(mode="after")
    def _weights(self) -> BranchRules:
        if abs(self.self_weight + self.evaluation_weight - 1) > 1e-9:
            raise ValueError("self_weight 与 evaluation_weight 之和须为 1")
        return self


class Publicity(_Strict):
    """When results are posted and how long objections stay open."""

    periods: list[Period] = Field(default_factory=lambda: list[Period](["year"]))
    window_days: int = Field(default=5, ge=1)
    working_days: bool = False
    clause: str = ""


class Redemption(_Strict):
    """Spending points on goods (积分兑换/红色存折); never lowers the assessment score."""

    enabled: bool = False
    min_score: Number | None = None
    yuan_per_point_max: Number | None = None
    clause: str = ""


class Scheme(_Strict):
    """A complete scoring scheme (积分制方案)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9\-]*$")
    name: str
    seed: str = ""
    description: str = ""
    subject: Literal["member", "branch"] = "member"
    kind: Literal["additive", "rating", "branch"]
    base: Number = 0
    floor: Number | None = None
    floor_clause: str = ""
    ceiling: Number | None = None
    ceiling_clause: str = ""
    #: Rank within each member category (分类排名) as well as overall.
    rank_by_category: bool = False
    approvers: list[Role] = Field(default_factory=lambda: list[Role](["secretary"]))
    categories: dict[str, str] = Field(default_factory=dict)
    groups: list[Group] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    veto: Veto | None = None
    alerts: list[Alert] = Field(default_factory=list)
    quotas: Quotas = Field(default_factory=Quotas)
    rating: Rating | None = None
    branch: BranchRules | None = None
    publicity: Publicity = Field(default_factory=Publicity)
    redemption: Redemption = Field(default_factory=Redemption)
    #: Dotted keys a file that ``extends`` this scheme may not change (limits the source document sets).
    locked: list[str] = Field(default_factory=list)
    #: The ``locked`` limits of this preset hold for every scheme of this kind, also one written
    #: from scratch rather than with ``extends`` (branch-star's evaluation weight for every branch scheme).
    binds_kind: Literal["additive", "rating", "branch"] | None = None
    _by_code: dict[str, Item] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_code = {i.code: i for i in self.items}

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        codes = [i.code for i in self.items]
        if self.rating:
            codes += [r.code for r in self.rating.items]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"积分项代码重复: {', '.join(dupes)}")
        groups = {g.code for g in self.groups}
        for item in self.items:
            if item.group is not None and item.group not in groups:
                raise ValueError(f"积分项 {item.code} 的 group “{item.group}” 未定义")
            unknown = [c for c in item.categories if c not in self.categories]
            if unknown:
                raise ValueError(f"积分项 {item.code} 的人员类别未定义: {', '.join(unknown)}")
        if any(i.kind == "veto" for i in self.items) and self.veto is None:
            raise ValueError("方案有一票否决项, 须配置 [veto]")
        mins = [b.min for b in self.bands if b.min is not None]
        if mins != sorted(mins, reverse=True) or any(b.min is None for b in self.bands[:-1]):
            raise ValueError("bands 须按 min 从高到低排列, 只有最后一档可以不写 min")
        if self.kind == "rating" and self.rating is None:
            raise ValueError("kind = rating 的方案须配置 [rating]")
        if self.kind == "branch" and (self.branch is None or self.subject != "branch"):
            raise ValueError("kind = branch 的方案须配置 [branch] 且 subject = branch")
        item_codes = set(codes)
        for alert in self.alerts:
            if alert.item is not None and alert.item not in item_codes:
                raise ValueError(f"alerts 引用了未定义的积分项 {alert.item}")
        return self

    def item(self, code: str) -> Item | None:
        return self._by_code.get(code)

    def band_for(self, score: float | Fraction) -> Band | None:
        for band in self.bands:
            if band.min is None or score >= band.min:
                return band
        return None

    def claimable_items(self) -> list[Item]:
        """Items a member may declare by message (申报)."""
        return [i for i in self.items if i.source == "claim"]
