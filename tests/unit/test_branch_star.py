"""党支部评星定级 (seed 004): branches scored on six areas, bonuses, deductions and an evaluation.

total = (base + min(20, bonuses) - deductions) x 0.7 + evaluation x 0.3; stars by band, at most
4 with base < 80 or any deduction; five-star branches at most 30% of all.
Expected numbers are worked out by hand from schemes.md.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.scoring.engine import score
from bot.scoring.loader import load_preset, load_scheme_text
from bot.scoring.records import BranchRecord, InputError, ScoringInput
from bot.scoring.tomlsource import TomlError

from .builders import YEAR, areas, branch, line, lines, run_branches

BONUSES = ["county_award", "urgent_contribution", "practice_promoted", "pilot_success", "bonus_other"]
DEDUCTIONS = ["major_failure", "inspection_issue", "member_violation", "infiltration", "deduction_other"]
RECTIFY = "软弱涣散"


def one_branch(base, evaluation, *items):
    """One branch among four: three low fillers keep the five-star quota at floor(30% x 4) = 1."""
    fillers = [branch(f"f{i}", 40, 40) for i in (1, 2, 3)]
    return run_branches(branch("b1", base, evaluation, *items), *fillers).branches[0]


# total and stars ---------------------------------------------------------------------


def test_total_is_70_percent_self_plus_30_percent_evaluation():
    """四 评定等次: 基础项、加分项、减分项得分总和不低于70%, 评议项不高于30%: 90 x 0.7 + 80 x 0.3 = 87."""
    r = one_branch(90, 80)
    assert r.score == 87
    assert "(90 + 0 - 0) × 0.7 + 述职评议 80 × 0.3 = 87" in line(r, "total").text


def test_each_area_is_explained_against_its_maximum():
    """三 基础项 100分, six areas [decision: default split 15/15/20/20/10/20]."""
    r = one_branch(100, 100)
    expected = {
        "leadership": 15,
        "operation": 15,
        "member_management": 20,
        "org_life": 20,
        "support": 10,
        "role": 20,
    }
    for code, top in expected.items():
        assert (line(r, code).points, line(r, code).bound) == (top, top)
    assert r.score == 100 and r.stars == 5


def test_area_above_its_maximum_is_refused():
    """三 基础项: 班子建设 is worth at most 15; 16 is refused, naming the branch and the area."""
    record = BranchRecord("b1", "b1", {**areas(100), "leadership": 16})
    with pytest.raises(InputError) as exc:
        run_branches(record)
    assert (
        "branches[0] (id=b1)" in str(exc.value) and "leadership" in str(exc.value) and "16" in str(exc.value)
    )


@pytest.mark.parametrize(
    ("base", "evaluation", "total", "stars"),
    [
        (90, 90, 90, 5),
        (90, 89, Fraction(897, 10), 4),
        (80, 80, 80, 4),
        (80, 79, Fraction(797, 10), 3),
        (70, 70, 70, 3),
        (70, 69, Fraction(697, 10), 2),
        (60, 60, 60, 2),
        (60, 59, Fraction(597, 10), 1),
    ],
)
def test_stars_at_each_threshold_and_just_below(base, evaluation, total, stars):
    """四 评定等次: 90分以上五星, 80-89 四星, 70-79 三星, 60-69 二星, 60分以下一星."""
    r = one_branch(base, evaluation)
    assert (r.score, r.stars) == (total, stars)


@pytest.mark.parametrize(("base", "stars", "listed"), [(70, 3, False), (60, 2, True), (40, 1, True)])
def test_two_stars_or_fewer_are_listed_for_rectification(base, stars, listed):
    """四: 二星级及以下的党支部, 纳入软弱涣散党组织整顿范围."""
    r = one_branch(base, base)
    assert r.stars == stars
    assert (r.follow_up is not None and RECTIFY in r.follow_up) == listed


# bonus items ------------------------------------------------------------------------------


@pytest.mark.parametrize("item", BONUSES)
@pytest.mark.parametrize(("points", "total"), [(5, Fraction(835, 10)), (1, Fraction(807, 10)), (20, 94)])
def test_bonus_item_adds_1_to_20(item, points, total):
    """加分项: 县级以上表彰 / 急难险重 / 特色做法推广 / 上级试点 / 其他: (80 + p) x 0.7 + 80 x 0.3."""
    r = one_branch(80, 80, (item, points))
    assert r.score == total
    assert line(r, item).rule.startswith("加分项")


def test_bonus_cap_20_reached():
    """加分项累计不超过20分 — 10 + 10 = 20 counts in full, no cap line: (80 + 20) x 0.7 + 24 = 94."""
    r = one_branch(80, 80, ("county_award", 10), ("pilot_success", 10))
    assert r.score == 94
    assert not lines(r, "bonus")


def test_bonus_cap_20_exceeded():
    """加分项累计不超过20分 — 15 + 10 = 25 counts 20, and the explanation says the cap applied."""
    r = one_branch(80, 80, ("county_award", 15), ("urgent_contribution", 10))
    assert r.score == 94
    capped = line(r, "bonus")
    assert (capped.raw, capped.bound, capped.points) == (25, 20, 20)
    assert "上限" in capped.text and "不超过20分" in capped.rule


@pytest.mark.parametrize("points", [0, 21])
def test_bonus_outside_1_to_20_is_refused(points):
    """加分项 (1..20 per item): 0 or 21 is refused, naming the branch entry."""
    with pytest.raises(InputError) as exc:
        one_branch(80, 80, ("bonus_other", points))
    assert "branches[0] (id=b1).entries[0]" in str(exc.value) and str(points) in str(exc.value)


# deduction items ----------------------------------------------------------------------------


@pytest.mark.parametrize("item", DEDUCTIONS)
@pytest.mark.parametrize(("points", "total"), [(-20, 86), (-35, Fraction(755, 10))])
def test_deduction_item_takes_at_least_20(item, points, total):
    """减分项每项不少于20分: 重大失误 / 巡视巡察问题 / 支委违纪 / 黑恶宗教渗透 / 其他: (100 - d) x 0.7 + 30."""
    r = one_branch(100, 100, (item, points))
    assert r.score == total
    assert r.stars < 5
    assert line(r, item).rule.startswith("减分项")


def test_deduction_of_10_is_refused():
    """减分项每项不少于20分: a -10 deduction is out of range and refused; nothing is scored."""
    with pytest.raises(InputError) as exc:
        one_branch(100, 100, ("major_failure", -10))
    text = str(exc.value)
    assert (
        "branches[0] (id=b1).entries[0] (item=major_failure)" in text
        and "-10" in text
        and "-100 到 -20" in text
    )


def test_deductions_add_up():
    """减分项 each counts: two deductions of 20: (100 - 40) x 0.7 + 30 = 72."""
    assert one_branch(100, 100, ("major_failure", -20), ("infiltration", -20)).score == 72


@pytest.mark.parametrize("item", [*BONUSES, *DEDUCTIONS])
def test_bonus_or_deduction_without_points_is_refused_naming_the_record(item):
    """The seed gives no default for a bonus or a deduction (加分项 1..20, 减分项 at least 20): an entry
    without points is refused, naming the branch's entry and the field, never scored at a made-up value."""
    with pytest.raises(InputError) as exc:
        one_branch(100, 100, ("county_award", 5), (item, None))
    text = str(exc.value)
    assert f"branches[0] (id=b1).entries[1] (item={item}): 字段 points" in text and "没有默认分值" in text
    assert all(i.default is None for i in load_preset("branch-star").items)


# five-star conditions ------------------------------------------------------------------------


def test_base_below_80_blocks_five_stars():
    """基础项得分低于80分的, 不得评为五星级: (79 + 20) x 0.7 + 30 = 99.3 -> 4 stars, explained."""
    r = one_branch(79, 100, ("county_award", 20))
    assert r.score == Fraction(993, 10)
    assert r.stars == 4
    cap = line(r, "star_cap")
    assert "基础分低于 80" in cap.text and "4 星" in cap.text and "低于80分" in cap.rule


def test_base_of_exactly_80_may_be_five_stars():
    """基础项得分低于80分的不得评为五星级 — 80 is not below 80: (80 + 20) x 0.7 + 30 = 100 -> 5 stars."""
    r = one_branch(80, 100, ("county_award", 20))
    assert (r.score, r.stars) == (100, 5)
    assert not lines(r, "star_cap")


def test_any_deduction_blocks_five_stars():
    """有减分项的, 不得评为五星级: (100 + 20 - 20) x 0.7 + 30 = 100 -> 4 stars, explained."""
    r = one_branch(100, 100, ("county_award", 20), ("inspection_issue", -20))
    assert (r.score, r.stars) == (100, 4)
    assert "有减分项" in line(r, "star_cap").text


def test_star_cap_leaves_lower_stars_alone():
    """不得评为五星级 only lowers five stars: a three-star branch with base < 80 stays at 3, no cap line."""
    r = one_branch(70, 70)
    assert r.stars == 3 and not lines(r, "star_cap")


def ten_five_star_branches(scores_eval):
    return run_branches(*[branch(f"b{i:02d}", 100, ev) for i, ev in enumerate(scores_eval, start=1)])


def test_at_most_30_percent_five_star_branches():
    """五星级党支部每年评定数量一般不超过总数的30%: 10 five-star candidates -> the best 3 keep 5, 7 drop to 4."""
    report = ten_five_star_branches([100, 99, 98, 97, 96, 95, 94, 93, 92, 91])
    stars = {r.id: r.stars for r in report.branches}
    assert [b for b, s in stars.items() if s == 5] == ["b01", "b02", "b03"]
    assert sum(1 for s in stars.values() if s == 4) == 7
    dropped = next(r for r in report.branches if r.id == "b04")
    assert "名额已满" in line(dropped, "quota").text and "30%" in line(dropped, "quota").text


def test_five_star_quota_counts_all_branches():
    """不超过总数的30%: of 10 branches only 2 qualify for five stars -> both keep them."""
    report = ten_five_star_branches([100, 95, 80, 80, 80, 80, 80, 80, 80, 80])
    assert [r.id for r in report.branches if r.stars == 5] == ["b01", "b02"]


def test_tie_at_the_five_star_line_lists_none_of_the_tied():
    """不超过总数的30%: 3rd and 4th tie -> neither keeps five stars; the township decides (note)."""
    report = ten_five_star_branches([100, 99, 98, 98, 96, 95, 94, 93, 92, 91])
    assert [r.id for r in report.branches if r.stars == 5] == ["b01", "b02"]
    assert any("b03, b04" in n and "并列" in n for n in report.notes)


def test_five_star_share_configurable_upward():
    """报经县委组织部同意可适当提高: a branch file raising the share to 50% keeps 5 of 10."""
    scheme = load_scheme_text(
        'extends = "branch-star"\nid = "county"\nname = "x"\n\n[quotas.top_stars]\nshare = 0.5\n',
        "county.toml",
    )
    records = [branch(f"b{i:02d}", 100, 100 - i) for i in range(1, 11)]
    report = score(scheme, ScoringInput(year=YEAR, branches=records))
    assert sum(1 for r in report.branches if r.stars == 5) == 5


# weights ---------------------------------------------------------------------------------------


def test_evaluation_weight_above_30_percent_is_refused():
    """四 评议项得分原则上按照不高于30%的比例计入总分: evaluation_weight 0.35 is refused, naming the key and line."""
    text = 'extends = "branch-star"\nid = "mine"\nname = "x"\n\n[branch]\nevaluation_weight = 0.35\nself_weight = 0.65\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "mine.toml")
    [problem] = exc.value.problems
    assert problem.source == "mine.toml"
    assert problem.key == "branch.evaluation_weight"
    assert problem.line == 6
    assert "0.35" in problem.message and "0.3" in problem.message


def test_lower_evaluation_weight_is_accepted():
    """四: 评议项不高于30% — 20% is allowed: 90 x 0.8 + 50 x 0.2 = 82."""
    text = 'extends = "branch-star"\nid = "mine"\nname = "x"\n\n[branch]\nevaluation_weight = 0.2\nself_weight = 0.8\n'
    scheme = load_scheme_text(text, "mine.toml")
    report = score(scheme, ScoringInput(year=YEAR, branches=[branch("b1", 90, 50)]))
    assert report.branches[0].score == 82


def test_weights_must_add_up_to_1():
    """四: 70% + 30% — weights that do not add up to 1 are refused."""
    text = 'extends = "branch-star"\nid = "mine"\nname = "x"\n\n[branch]\nevaluation_weight = 0.3\nself_weight = 0.6\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "mine.toml")
    assert "之和须为 1" in str(exc.value)


def test_evaluation_outside_0_to_100_is_refused():
    """书记述职评议 converted to a 100-point score: 101 is refused."""
    with pytest.raises(InputError) as exc:
        one_branch(80, 101)
    assert "branches[0] (id=b1)" in str(exc.value) and "101" in str(exc.value)


def test_five_star_quota_below_4_branches_is_0():
    """不超过总数的30%: floor(30% x 3) = 0 — with three branches none may be five-star."""
    report = run_branches(branch("a", 100, 100), branch("b", 40, 40), branch("c", 40, 40))
    assert report.branches[0].stars == 4
    assert "名额已满" in line(report.branches[0], "quota").text


def test_branches_ranked_by_total():
    """五 评定程序: the township ranks its branches by total."""
    report = run_branches(branch("a", 90, 90), branch("b", 80, 80), branch("c", 95, 95))
    assert {r.id: r.rank for r in report.branches} == {"c": 1, "a": 2, "b": 3}
