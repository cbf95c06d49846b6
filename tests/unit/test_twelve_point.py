"""十二分制 (seed 000): every rule line of the twelve-point preset, each traced to its clause.

score = 12 - min(12, deductions) + bonuses; a veto makes the member 不合格 whatever the score.
Expected numbers are worked out by hand from schemes.md.
"""

from __future__ import annotations

import pytest

from .builders import att, entry, line, lines, member, one, run

SCHEME = "twelve-point"


def score_of(*entries, attendance=(), people=None, **kw):
    return one(run(SCHEME, people, entries, attendance, **kw))


# 二(二)1 违规减分 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "meeting",
    [
        "theme_day",
        "general_meeting",
        "committee_meeting",
        "group_meeting",
        "party_class",
        "org_life_meeting",
        "democratic_review",
    ],
)
def test_absent_without_reason_deducts_2_per_meeting(meeting):
    """二(二)1(1): 无正当理由不参加三会一课、主题党日、组织生活会、民主评议等, 每次减2分."""
    r = score_of(attendance=[att(meeting, "absent", 3), att(meeting, "absent", 4)])
    assert r.score == 12 - 2 * 2
    assert line(r, "absent_org_life").count == 2
    assert line(r, "absent_org_life").points == -4
    assert "二(二)1(1)" in line(r, "absent_org_life").rule


def test_leave_deducts_1_each():
    """二(二)1(1): 请假每次减1分."""
    r = score_of(attendance=[att("theme_day", "leave", m) for m in (1, 2, 3)])
    assert r.score == 12 - 3
    assert line(r, "leave_org_life").count == 3


def test_present_changes_nothing():
    """二(二)1(1): 按要求参加组织生活, 不减分."""
    r = score_of(attendance=[att("theme_day", "present", m) for m in range(1, 13)])
    assert r.score == 12
    assert not lines(r, "absent_org_life") and not lines(r, "leave_org_life")


@pytest.mark.parametrize(("returns", "expected"), [(0, 12 - 12), (1, 12 - 6), (2, 12), (3, 12)])
def test_migrant_missing_returns_deduct_6_each(returns, expected):
    """二(二)1(1): 外出党员每年必须回村(居)参加2次以上支部党员大会等组织生活, 每少一次减6分."""
    attendance = [att("general_meeting", "present", m + 1) for m in range(returns)]
    r = score_of(attendance=attendance, people=[member(migrant=True)])
    assert r.score == expected
    missing = max(0, 2 - returns)
    assert len(lines(r, "migrant_return_missing")) == (2 if missing else 1)
    explained = lines(r, "migrant_return_missing")[-1]
    assert explained.count == returns
    assert f"{returns} 次, 要求 2 次" in explained.text


def test_migrant_online_and_leave_are_not_returns():
    """二(二)1(1): 网上参加组织生活不算回村(居); 只有亲自到场 (不在线) 才算一次回村."""
    attendance = [
        att("general_meeting", "present", 1, online=True),
        att("theme_day", "present", 2, online=True),
        att("general_meeting", "leave", 3),
        att("general_meeting", "present", 4),
    ]
    r = score_of(attendance=attendance, people=[member(migrant=True)])
    # one return (April, in person): 1 missing -> -6; the March leave -> -1
    assert r.score == 12 - 6 - 1
    assert line(r, "leave_org_life").points == -1


def test_migrant_returns_only_at_year_end():
    """二(二)1(1) 每年必须回村2次: a mid-year report (final=False) does not yet count the missing returns."""
    r = score_of(people=[member(migrant=True)], final=False)
    assert r.score == 12
    assert not lines(r, "migrant_return_missing")


def test_non_migrant_has_no_return_requirement():
    """二(二)1(1): the return requirement is for 外出党员 only."""
    assert score_of().score == 12


def test_dues_late_deducts_3_each():
    """二(二)1(1): 不按时足额交纳党费一次减3分."""
    r = score_of(entry("dues_late", 2), entry("dues_late", 5))
    assert r.score == 12 - 6
    assert line(r, "dues_late").rule.startswith("二(二)1(1)")


def test_evaluated_basic_deducts_6():
    """二(二)1(1): 民主评议党员, 确定为基本合格的, 一次减6分."""
    assert score_of(entry("evaluated_basic", 12)).score == 12 - 6


def test_disobey_decision_deducts_4_each():
    """二(二)1(2): 不执行集体决策、不服从集体决议、不做党组织分配的工作、履职尽责不到位的, 一次减4分."""
    assert score_of(entry("disobey_decision", 3), entry("disobey_decision", 8)).score == 12 - 8


@pytest.mark.parametrize(("points", "expected"), [(None, 10), (-2, 10), (-7, 5), (-12, 0)])
def test_improper_conduct_deducts_2_to_12_as_approved(points, expected):
    """二(二)1(3): 封建迷信、宗教活动、酗酒、赌博…视情况减2-12分 (default the mild end, -2)."""
    r = score_of(entry("improper_conduct", 6, points=points))
    assert r.score == expected


@pytest.mark.parametrize("points", [-1, -13, 0])
def test_improper_conduct_outside_2_to_12_is_refused(points):
    """二(二)1(3): 减2-12分; a value outside the range is an input error naming the entry."""
    from bot.scoring.records import InputError

    with pytest.raises(InputError) as exc:
        score_of(entry("improper_conduct", 6, points=points))
    assert "entries[0]" in str(exc.value) and str(points) in str(exc.value)


# 违规减分以12分为底线 ---------------------------------------------------------------


def test_deductions_reaching_12_leave_0():
    """二(二): 违规减分以12分为底线 — exactly 12 deducted: 0, no floor applied."""
    r = score_of(entry("disobey_decision", 1), entry("disobey_decision", 2), entry("disobey_decision", 3))
    assert r.score == 0
    assert not lines(r, "deductions")


def test_deductions_beyond_12_stop_at_12_and_bonuses_still_count():
    """二(二): 违规减分以12分为底线, 贡献加分不设上限: 12 - min(12, 15) + 2 = 2."""
    r = score_of(entry("improper_conduct", 4, points=-12), entry("dues_late", 5), entry("key_work", 6))
    assert r.score == 2
    capped = line(r, "deductions")
    assert capped.raw == -15 and capped.bound == -12 and capped.points == -12
    assert "底线" in capped.text and "12分为底线" in capped.rule


def test_attendance_and_computed_deductions_share_the_12_floor():
    """二(二): the 12-point floor covers every deduction, sign-in and year-end ones included."""
    attendance = [att("theme_day", "absent", m) for m in range(1, 5)]  # -8, and no returns: -12
    r = score_of(attendance=attendance, people=[member(migrant=True)])
    assert r.score == 0
    assert line(r, "deductions").raw == -20


# 二(二)2 贡献加分 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "points", "clause"),
    [
        ("key_work", 2, "二(二)2(1)"),
        ("volunteer", 1, "二(二)2(2)"),
        ("emergency", 3, "二(二)2(3)"),
        ("praise_masses", 1, "二(二)2(4)"),
        ("award_township", 2, "二(二)2(4)"),
        ("award_county", 3, "二(二)2(4)"),
        ("award_city", 4, "二(二)2(4)"),
        ("award_province", 5, "二(二)2(4)"),
    ],
)
def test_each_bonus_item_adds_its_value(item, points, clause):
    """二(二)2(1)-(4): 重点工作+2, 志愿服务+1, 急难险重+3, 群众好评+1, 乡/县/市/省级表彰+2/+3/+4/+5."""
    r = score_of(entry(item, 5))
    assert r.score == 12 + points
    assert line(r, item).points == points
    assert line(r, item).rule.startswith(clause)


def test_bonuses_have_no_cap():
    """二(二): 贡献加分不设上限 — twenty key-work entries add 40."""
    r = score_of(*[entry("key_work", (i % 12) + 1, 1 + i // 12) for i in range(20)])
    assert r.score == 12 + 40
    assert not lines(r, "bonuses")


@pytest.mark.parametrize("points", [3, -2])
def test_fixed_value_bonus_refuses_another_value(points):
    """二(二)2(1): 每次加2分 is a fixed value; an entry giving another value is refused."""
    from bot.scoring.records import InputError

    with pytest.raises(InputError) as exc:
        score_of(entry("key_work", 5, points=points))
    assert "key_work" in str(exc.value) and str(points) in str(exc.value)


def test_aggregated_entries_count_each():
    """二(二)2(2): 每次加1分 — an aggregate of 4 identical entries counts 4 times."""
    r = score_of(entry("volunteer", 5, count=4))
    assert r.score == 16
    assert line(r, "volunteer").count == 4


# 二(二)3 一票否决 -------------------------------------------------------------------


def test_veto_makes_member_unqualified_whatever_the_score():
    """二(二)3: 出现一票否决事项确定为不合格党员 — the score is unchanged, the grade is 不合格."""
    r = score_of(entry("key_work", 3), entry("emergency", 4), entry("veto", 9, 15))
    assert r.score == 12 + 2 + 3
    assert r.grade == "不合格" and r.vetoed
    veto = line(r, "veto")
    assert "一票否决" in veto.text and "2026-09-15" in veto.text and "不合格" in veto.text
    assert veto.rule.startswith("二(二)3")


def test_no_veto_no_grade():
    """二 (the seed gives no grades besides veto): a member without a veto has no grade, only a score and rank."""
    r = score_of(entry("key_work", 3))
    assert r.grade is None and not r.vetoed and r.rank == 1


def test_veto_takes_no_points():
    """二(二)3: a veto item carries no points; an entry giving some is refused."""
    from bot.scoring.records import InputError

    with pytest.raises(InputError):
        score_of(entry("veto", 9, points=-12))


def test_a_veto_read_from_the_ledger_with_points_0_counts():
    """二(二)3: the ledger stores a veto entry with 0 points (it carries none); that is no error."""
    r = score_of(entry("key_work", 3), entry("veto", 9, points=0))
    assert r.vetoed and r.grade == "不合格"


# 积分程序: ranking, exemption, explanation ---------------------------------------------


def test_annual_ranking_is_competition_ranking():
    """二(三)3: 年底对党员全年积分进行汇总统计和分类排名 — ties share a rank (1, 2, 2, 4)."""
    people = [member("a"), member("b"), member("c"), member("d")]
    es = [
        entry("key_work", 1, who="a"),
        entry("key_work", 1, who="a"),
        entry("volunteer", 1, who="b"),
        entry("volunteer", 1, who="c"),
        entry("dues_late", 1, who="d"),
    ]
    report = run(SCHEME, people, es)
    assert {r.id: (r.score, r.rank) for r in report.members} == {
        "a": (16, 1),
        "b": (13, 2),
        "c": (13, 2),
        "d": (9, 4),
    }


def test_exempt_member_has_no_score_and_no_rank():
    """schemes.md common mechanics: 年老体弱/长期患病 免于积分 — kept on the roster, not scored, not ranked."""
    people = [member("a"), member("old", exempt=True)]
    report = run(SCHEME, people, [entry("key_work", 1, who="a")])
    old = one(report, "old")
    assert old.exempt and old.score is None and old.rank is None
    assert [x.text for x in old.explanation] == ["免于积分"]
    assert one(report, "a").rank == 1
    assert report.to_json()["members"][1]["exempt"] is True


def test_explanation_lists_base_and_every_item_with_its_clause():
    """schemes.md: every computed score comes with per item the count, points and rule."""
    r = score_of(entry("volunteer", 3), entry("dues_late", 4))
    assert [x.code for x in r.explanation] == ["base", "dues_late", "volunteer"]
    assert line(r, "base").points == 12
    assert all(x.rule for x in r.explanation[1:])


def test_window_scores_a_month_for_the_monthly_publicity():
    """二(三): 每月利用主题党日记分并公示 — a window scores only that month's records."""
    from .builders import day

    es = [entry("volunteer", 3), entry("volunteer", 4), entry("dues_late", 4, 20)]
    r = score_of(*es, since=day(4, 1), until=day(4, 30), final=False)
    assert r.score == 12 + 1 - 3
