"""评星定格 百分制 80/20 (seed 001) and its variant star-hundred-90, each rule traced to its clause.

annual item score = (sum of monthly scores / months under management) x 80% + evaluation x 20%;
year total = sum of the ten items + max(rewards) - max(penalties); stars and 格次 by band.
Expected numbers are worked out by hand from schemes.md.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.scoring.loader import load_preset
from bot.scoring.records import Evaluation, Rating

from .builders import (
    RATING_ITEMS,
    day,
    entry,
    evaluated,
    line,
    lines,
    member,
    members,
    monthly,
    one,
    run,
    uniform,
)

SCHEME = "star-hundred"


def rated(value, *entries, who="m1", scheme=SCHEME, people=None, **kw):
    ratings, evaluations = uniform(who, value)
    return one(run(scheme, people or [member(who)], entries, (), ratings, evaluations, **kw), who)


# 80/20 weighting ---------------------------------------------------------------------


def test_item_score_is_monthly_average_80_plus_evaluation_20():
    """评分办法: 支委会每月逐项评分, 年终取平均 x80%, 民主测评 x20%: 10 x 0.8 + 5 x 0.2 = 9 per item."""
    r = rated_split(monthly_value=10, evaluation_value=5)
    assert r.score == 90
    political = line(r, "political")
    assert political.points == 9
    assert "120 / 12 个月 × 0.8" in political.text and "5 × 0.2" in political.text


def rated_split(monthly_value, evaluation_value, people=None, who="m1"):
    return one(
        run(
            SCHEME,
            people or [member(who)],
            (),
            (),
            monthly(who, monthly_value),
            evaluated(who, evaluation_value),
        ),
        who,
    )


def test_evaluation_is_the_average_over_all_raters():
    """民主测评: 每项得分 = 全体测评人打分之和 / 测评人数 — raters 8 and 6 average 7."""
    ratings = monthly("m1", 10)
    others = [item for item in RATING_ITEMS if item != "political"]
    evaluations = [Evaluation("m1", "political", 8 * 5 + 6 * 5, 10), *evaluated("m1", 10, items=others)]
    r = one(run(SCHEME, [member()], (), (), ratings, evaluations))
    assert line(r, "political").points == Fraction(10 * 8, 10) + Fraction(7 * 2, 10)  # 8 + 1.4
    assert r.score == Fraction(94, 10) + 90


def test_unrated_months_count_as_zero_for_a_full_year_member():
    """评分办法: 月评合计 / 在管月数 (12 for a member here all year): six months rated 10 average 5;
    the explanation names the months without a rating."""
    ratings = monthly("m1", 10, months=range(1, 7))
    r = one(run(SCHEME, [member()], (), (), ratings, evaluated("m1", 0)))
    assert line(r, "political").points == 4  # 60 / 12 x 0.8
    assert "7月、8月、9月、10月、11月、12月 未评分, 按 0 分计" in line(r, "political").text
    assert r.score == 40 and not r.missing


def test_member_who_joined_mid_year_is_averaged_over_months_under_management():
    """[decision] months under management = 12 unless joined during the year: joined 15 July -> 6 months.

    Ratings before July (here a stray 0 in March) are outside management and do not count:
    (60 / 6) x 0.8 + 5 x 0.2 = 9 per item, 90 in all.
    """
    who = "new"
    ratings = [*monthly(who, 10, months=range(7, 13)), Rating(who, 3, "political", 0)]
    r = one(run(SCHEME, [member(who, joined=day(7, 15))], (), (), ratings, evaluated(who, 5)), who)
    assert r.score == 90
    assert "60 / 6 个月" in line(r, "political").text
    assert r.stars == 9


def test_member_who_left_mid_year_is_averaged_over_months_before_leaving():
    """[decision] transferred out during the year: months January..the month of transfer (April -> 4)."""
    who = "gone"
    ratings = monthly(who, 5, months=range(1, 5))
    r = one(run(SCHEME, [member(who, left=day(4, 10))], (), (), ratings, evaluated(who, 10)), who)
    assert r.score == 10 * (Fraction(20, 4) * Fraction(8, 10) + 10 * Fraction(2, 10))  # 10 x (4 + 2) = 60
    assert "20 / 4 个月" in line(r, "political").text


def test_member_joined_next_year_is_not_scored():
    """[decision]: no month under management this year -> no score (listed like an exempt member)."""
    r = one(run(SCHEME, [member(joined=day(1, 1).replace(year=2027))]))
    assert r.score is None and r.rank is None


# highest-only adjustments -------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "points"),
    [
        ("award_national", 5),
        ("award_province", 4),
        ("award_city", 3),
        ("award_county", 2),
        ("award_unit", 1),
        ("sanction_region", -5),
        ("sanction_city", -4),
        ("sanction_county", -3),
        ("sanction_unit", -2),
        ("criticism_region", -4),
        ("criticism_city", -3),
        ("criticism_county", -2),
        ("criticism_unit", -1),
    ],
)
def test_each_adjustment_item_adds_its_value(item, points):
    """加减分: 国家级+5 省部级+4 市级+3 县级+2 本单位+1; 处分 区-5 市-4 县-3 本局-2; 通报批评 区-4 市-3 县-2 本单位-1."""
    r = rated(8, entry(item, 6))
    assert r.score == 80 + points
    assert line(r, item).points == points


def test_only_the_highest_reward_and_the_heaviest_penalty_count():
    """加减分不累计, 只计最高一项 [decision: adjustment = max(rewards) - max(penalties)]: 80 + 4 - 3 = 81."""
    es = [
        entry("award_province", 2),
        entry("award_unit", 3),
        entry("sanction_unit", 4),
        entry("criticism_city", 5),
    ]
    r = rated(8, *es)
    assert r.score == 81
    assert line(r, "award_province").points == 4 and "只计最高一项" in line(r, "award_province").text
    assert line(r, "criticism_city").points == -3 and "只计最重一项" in line(r, "criticism_city").text
    for ignored, raw in (("award_unit", 1), ("sanction_unit", -2)):
        assert line(r, ignored).points == 0 and line(r, ignored).raw == raw
        assert "不累计" in line(r, ignored).text


def test_same_reward_twice_counts_once():
    """加减分不累计: two 县级表彰 count +2, not +4."""
    assert rated(8, entry("award_county", 2), entry("award_county", 9)).score == 82


def test_adjustment_may_take_the_total_above_100():
    """year total = annual total + adjustment; the seed caps the annual total (100), not the year total."""
    assert rated(10, entry("award_national", 6)).score == 105


# stars and 格次 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stars", "grade"),
    [
        (9.5, 10, "优秀"),
        (9.49, 9, "合格"),
        (9, 9, "合格"),
        (8.99, 8, "合格"),
        (8, 8, "合格"),
        (7.99, 7, "基本合格"),
        (7, 7, "基本合格"),
        (6.99, 6, "基本合格"),
        (6, 6, "基本合格"),
        (5.99, 5, "不合格"),
        (5, 5, "不合格"),
        (4.99, 4, "不合格"),
        (4, 4, "不合格"),
        (3.99, 3, "不合格"),
        (3, 3, "不合格"),
        (2.99, 2, "不合格"),
        (2, 2, "不合格"),
        (1.99, 1, "不合格"),
        (1, 1, "不合格"),
        (0.99, 0, "不合格"),
        (0, 0, "不合格"),
    ],
)
def test_stars_and_grade_at_each_threshold_and_just_below(value, stars, grade):
    """以分定星、以星定格: >=95 十星 优秀; 90 九星, 80 八星 合格; 70 七星, 60 六星 基本合格; 50..10 五..一星, <10 零星 不合格."""
    r = rated(value)
    assert r.score == Fraction(str(value)) * 10
    assert (r.stars, r.grade) == (stars, grade)


@pytest.mark.parametrize(
    ("value", "follow_up"), [(9, None), (7, "告诫通知书"), (6, "告诫通知书"), (5.9, "限期整改通知书")]
)
def test_follow_up_for_basic_and_unqualified(value, follow_up):
    """后续处置: 基本合格 -> 告诫通知书, 限期6个月整改; 不合格 -> 限期整改通知书, 限期1年整改."""
    r = rated(value)
    if follow_up is None:
        assert r.follow_up is None
    else:
        assert follow_up in r.follow_up


@pytest.mark.parametrize(
    ("value", "stars", "grade"),
    [
        (9.5, 10, "优秀"),
        (9, 9, "优秀"),
        (8.99, 8, "合格"),
        (7, 7, "合格"),
        (6.99, 6, "基本合格"),
        (6, 6, "基本合格"),
        (5.99, 5, "不合格"),
    ],
)
def test_star_hundred_90_grades(value, stars, grade):
    """细则 (star-hundred-90): >=90 优秀, 70-89 合格, 60-69 基本合格, <60 不合格; stars as star-hundred."""
    r = rated(value, scheme="star-hundred-90")
    assert (r.stars, r.grade) == (stars, grade)


def test_boundary_reached_through_an_adjustment():
    """以分定星 on the year total: 90 + 国家级表彰 5 = 95 -> 十星 优秀."""
    r = rated(9, entry("award_national", 3))
    assert (r.score, r.stars, r.grade) == (95, 10, "优秀")


# 季度之星 / 年度之星 -------------------------------------------------------------------


def branch_of(n, values=None):
    people = members(n)
    ratings, evaluations = [], []
    for i, p in enumerate(people):
        value = values[i] if values else 5
        rs, es = uniform(p.id, value)
        ratings += rs
        evaluations += es
    return run(SCHEME, people, (), (), ratings, evaluations)


def test_no_quarter_star_under_10_members():
    """季度之星: 党员人数少于10人的可以不评选 — 9 members: none, with a note."""
    report = branch_of(9, [9, 8, 7, 6, 5, 4, 3, 2, 1])
    assert report.quarter_stars == {"Q1": [], "Q2": [], "Q3": [], "Q4": []}
    assert any("少于 10 人" in n for n in report.notes)


@pytest.mark.parametrize("n", [10, 15, 19])
def test_10_to_19_members_may_name_one_quarter_star(n):
    """[decision] the seed exempts only branches under 10: from 10 members the quota is max(1, floor(5% x n))."""
    report = branch_of(n, [9] + [5] * (n - 1))
    assert report.quarter_stars == {q: ["m01"] for q in ("Q1", "Q2", "Q3", "Q4")}
    assert load_preset(SCHEME).quotas.quarter_star.at_least == 1


def test_40_members_give_two_quarter_stars():
    """季度之星 at most floor(5% x 40) = 2 once that is more than the minimum of one."""
    report = branch_of(40, [9, 8] + [5] * 38)
    assert report.quarter_stars["Q1"] == ["m01", "m02"]


def test_21_members_give_one_quarter_star_the_highest():
    """季度之星人数不超过党员总数的5%: floor(5% x 21) = 1 -> the highest quarterly total."""
    values = [5] * 21
    values[6] = 9  # m07
    report = branch_of(21, values)
    assert report.quarter_stars == {q: ["m07"] for q in ("Q1", "Q2", "Q3", "Q4")}
    assert report.notes == []


def test_tie_at_the_quarter_star_line_lists_none_of_them():
    """季度之星 at most floor(5%): two members tied at the top of 21 -> none listed, the branch decides (note)."""
    values = [5] * 21
    values[2] = values[4] = 9  # m03, m05
    report = branch_of(21, values)
    assert report.quarter_stars["Q1"] == []
    assert any("m03, m05" in n and "并列" in n for n in report.notes)


def test_quarter_score_is_the_quarters_total():
    """季度之星 by the quarter's total (the sum of its monthly totals): Q2 rated 8 in each item -> 3 x 80."""
    ratings = monthly("m1", 8, months=range(4, 7))
    r = one(run(SCHEME, [member()], (), (), ratings, []))
    assert r.quarters == {"Q2": 240}


def test_quarter_star_goes_to_the_higher_total_not_the_higher_average():
    """A member who joined on 1 March has one month of Q1 rated 10 (total 100); a member rated 6 in all
    three months has 180: the total decides, so the second is the star (by average it would be the first)."""
    people = [member("late", joined=day(3, 1)), *members(20)]
    ratings = [*monthly("late", 10, months=range(3, 13))]
    evaluations = [*evaluated("late", 5)]
    for i, p in enumerate(people[1:]):
        ratings += monthly(p.id, 6 if i == 0 else 5)
        evaluations += evaluated(p.id, 5)
    report = run(SCHEME, people, (), (), ratings, evaluations)
    assert one(report, "late").quarters["Q1"] == 100 and one(report, "m01").quarters["Q1"] == 180
    assert report.quarter_stars["Q1"] == ["m01"]


def test_year_stars_at_most_10_percent_of_ten_star_members():
    """年度之星: 在十星级党员中评选, 不得超过十星级党员总数的10% — 10 ten-star members -> 1."""
    values = [9.5 + i * 0.05 for i in range(10)] + [9, 8]
    report = branch_of(12, values)
    assert sum(1 for r in report.members if r.stars == 10) == 10
    assert report.year_stars == ["m10"]


def test_fewer_than_10_ten_star_members_give_no_year_star():
    """年度之星 不得超过十星级党员总数的10%: floor(10% x 9) = 0 -> none."""
    values = [9.5 + i * 0.05 for i in range(9)] + [9, 8, 7]
    report = branch_of(12, values)
    assert report.year_stars == []


def test_tie_at_the_year_star_line_lists_none_of_them():
    """年度之星 at most floor(10%): the two best ten-star members tie -> none listed, with a note."""
    values = [9.5] * 8 + [9.9, 9.9]
    report = branch_of(10, values)
    assert report.year_stars == []
    assert any("m09, m10" in n and "年度之星" in n for n in report.notes)


# exemption, alerts ----------------------------------------------------------------------


def test_exempt_member_is_not_rated_and_not_ranked():
    """免于积分: kept on the roster, no score, no stars, no rank."""
    who = "old"
    ratings, evaluations = uniform(who, 9)
    mine, theirs = uniform("m1", 5)
    report = run(
        SCHEME, [member(who, exempt=True), member("m1")], (), (), [*ratings, *mine], [*evaluations, *theirs]
    )
    r = one(report, who)
    assert r.exempt and r.score is None and r.stars is None and r.rank is None
    assert one(report, "m1").rank == 1


def test_six_months_without_organizational_life_raise_the_self_lapse_alert():
    """连续6个月不参加组织生活 -> 自行脱党 review: the bot reminds, the branch decides."""
    from .builders import att

    absent = [att("theme_day", "absent", m) for m in range(2, 8)]
    r = one(run(SCHEME, [member()], (), absent))
    assert len(r.alerts) == 1 and "连续 6 个月" in r.alerts[0] and "自行脱党" in r.alerts[0]


def test_five_absent_months_raise_no_alert():
    """连续6个月: five months absent and then present is below the threshold."""
    from .builders import att

    absent = [att("theme_day", "absent", m) for m in range(2, 7)] + [att("theme_day", "present", 7)]
    assert one(run(SCHEME, [member()], (), absent)).alerts == []


def test_rating_items_are_the_ten_default_items():
    """[decision] the seed names no items: the ten defaults, each 0-10."""

    rating = load_preset(SCHEME).rating
    assert [i.code for i in rating.items] == RATING_ITEMS
    assert all(i.max == 10 for i in rating.items)
    assert (rating.monthly_weight, rating.evaluation_weight) == (0.8, 0.2)


def test_explanation_has_one_line_per_rating_item():
    """Every computed score comes with its explanation: one line per item, with the weighting rule."""
    r = rated(7)
    assert [x.code for x in r.explanation] == RATING_ITEMS
    assert all("80%" in x.rule for x in r.explanation)
    assert not lines(r, "adjustment")
