"""基础60 + 激励40 (seed 003): base from attendance and dues, "十个一" incentives, negatives, veto.

score = base + incentive - negatives, never below 0 (扣完为止); a veto sets the year to 0.
Expected numbers are worked out by hand from schemes.md.
"""

from __future__ import annotations

import pytest

from bot.scoring.records import InputError

from .builders import att, day, entry, line, lines, member, one, run

SCHEME = "base-incentive"

INCENTIVES = [
    "red_education",
    "study_essay",
    "council",
    "home_visit",
    "volunteer",
    "history_quiz",
    "pairing_aid",
    "governance_project",
    "key_task",
    "commendation",
]
NEGATIVES = ["gambling", "religion", "rumor", "improper_speech", "disobey_rules"]
VETOES = [
    "veto_absent_6m",
    "veto_dues_refused",
    "veto_religion",
    "veto_cult",
    "veto_misconduct",
    "veto_other",
]


def full_base(who="m1"):
    """A year with every base item earned once per its period: 12+12+12+12+6+3+3 = 60."""
    entries = [entry("dues", m, 5, who=who) for m in range(1, 13)] + [entry("pledge", 3, who=who)]
    attendance = (
        [att("theme_day", "present", m, 10, who=who) for m in range(1, 13)]
        + [att("party_class", "present", m, 15, who=who) for m in (1, 4, 7, 10)]
        + [att("general_meeting", "present", m, 20, who=who) for m in (2, 5, 8, 11)]
        + [att("org_life_meeting", "present", m, 25, who=who) for m in (6, 12)]
        + [att("democratic_review", "present", 12, 28, who=who)]
    )
    return entries, attendance


def score_of(*entries, attendance=(), base=False, who=None, **kw):
    es, at = full_base() if base else ([], [])
    return one(run(SCHEME, [who or member()], [*es, *entries], [*at, *attendance], **kw))


# 基础分值 (60) -------------------------------------------------------------------------


def test_full_base_is_60():
    """二(三)1 基础分值(60分): 党费12 + 主题党日12 + 党课12 + 党员大会12 + 组织生活会6 + 民主评议3 + 承诺践诺3."""
    r = score_of(base=True)
    assert r.score == 60
    expected = {
        "dues": 12,
        "theme_day": 12,
        "party_class": 12,
        "general_meeting": 12,
        "org_life_meeting": 6,
        "democratic_review": 3,
        "pledge": 3,
    }
    assert {code: line(r, code).points for code in expected} == expected
    assert not lines(r, "base")  # the base group (cap 60) is reached, not exceeded


def test_dues_1_a_month():
    """二(三)1: 每月足额缴纳一次党费, 每次1分 — twice in one month counts once, and says so."""
    r = score_of(entry("dues", 1, 5), entry("dues", 1, 20), entry("dues", 2, 5))
    assert r.score == 2
    limit = [x for x in lines(r, "dues") if "最多计" in x.text]
    assert len(limit) == 1 and limit[0].count == 1 and "每月最多计 1 次" in limit[0].text


def test_theme_day_1_a_month_from_sign_in():
    """二(三)1: 每月参加一次党员活动日, 每次1分 — two sign-ins in March count once."""
    attendance = [
        att("theme_day", "present", 3, 1),
        att("theme_day", "present", 3, 20),
        att("theme_day", "present", 4),
    ]
    r = score_of(attendance=attendance)
    assert r.score == 2
    assert "每月最多计 1 次, 另有 1 次未计" in lines(r, "theme_day")[1].text


def test_leave_or_absence_earns_no_base_points():
    """二(三)1: the base is earned by attending; a leave or an absence earns nothing (and deducts nothing)."""
    r = score_of(attendance=[att("theme_day", "leave", 3), att("theme_day", "absent", 4)])
    assert r.score == 0
    assert not lines(r, "theme_day")


def test_a_meeting_earns_only_its_own_item():
    """二(三)1: a general meeting sign-in earns 参加党员大会, not 主题党日."""
    r = score_of(attendance=[att("general_meeting", "present", 3)])
    assert r.score == 3 and not lines(r, "theme_day")


def test_party_class_3_once_a_quarter():
    """二(三)1: 每季度参加一次党课, 每次3分 — two in Q1 count once; one in Q2 counts again: 6."""
    attendance = [
        att("party_class", "present", 1),
        att("party_class", "present", 3),
        att("party_class", "present", 4),
    ]
    r = score_of(attendance=attendance)
    assert r.score == 6
    assert "每季度最多计 1 次, 另有 1 次未计" in lines(r, "party_class")[1].text


def test_general_meeting_3_once_a_quarter():
    """二(三)1: 每季度参加一次党员大会, 每次3分 — five meetings in four quarters: 12."""
    attendance = [att("general_meeting", "present", m) for m in (1, 2, 5, 8, 11)]
    r = score_of(attendance=attendance)
    assert r.score == 12
    assert lines(r, "general_meeting")[1].count == 1


@pytest.mark.parametrize(("months", "expected"), [((1, 6), 3), ((1, 7), 6), ((3, 9, 12), 6)])
def test_org_life_meeting_3_once_a_half_year(months, expected):
    """二(三)1: 每半年参加一次组织生活会, 每次3分 — January and June are one half-year."""
    r = score_of(attendance=[att("org_life_meeting", "present", m) for m in months])
    assert r.score == expected


def test_democratic_review_3_once_a_year():
    """二(三)1: 每年参加一次民主评议党员, 3分."""
    r = score_of(attendance=[att("democratic_review", "present", 6), att("democratic_review", "present", 12)])
    assert r.score == 3
    assert "每年最多计 1 次" in lines(r, "democratic_review")[1].text


def test_pledge_3_once_a_year():
    """二(三)1: 每年积极开展党员承诺、践诺, 3分 — a second claim in the year is not counted."""
    r = score_of(entry("pledge", 3), entry("pledge", 9))
    assert r.score == 3


def test_aggregate_within_a_month_still_counts_once():
    """二(三)1: 每月一次 — an aggregate of 3 identical dues entries in one month counts once."""
    r = score_of(entry("dues", 5, count=3))
    assert r.score == 1
    assert lines(r, "dues")[1].count == 2


# 激励分值 (40): "十个一" -------------------------------------------------------------


@pytest.mark.parametrize("item", INCENTIVES)
@pytest.mark.parametrize(("points", "expected"), [(None, 1), (0, 0), (3, 3), (4, 4)])
def test_incentive_item_scored_0_to_4(item, points, expected):
    """二(三)2 “十个一”: 根据次数、质量打分, 满分4分 (default 1)."""
    r = score_of(entry(item, 5, points=points))
    assert r.score == expected
    assert line(r, item).rule.startswith("二(三)2")


@pytest.mark.parametrize("points", [5, -1])
def test_incentive_value_outside_0_to_4_is_refused(points):
    """二(三)2: 满分4分 — an entry valued 5 (or negative) is refused, naming the entry and the value."""
    with pytest.raises(InputError) as exc:
        score_of(entry("volunteer", 5, points=points))
    assert "entries[0]" in str(exc.value) and str(points) in str(exc.value) and "0 到 4" in str(exc.value)


def test_incentive_cap_4_reached():
    """二(三)2: 满分4分 — 1 + 3 = 4 reaches the cap: counted in full, no cap line."""
    r = score_of(entry("council", 3, points=1), entry("council", 5, points=3))
    assert r.score == 4
    assert line(r, "council").bound is None and "上限" not in line(r, "council").text


def test_incentive_cap_4_exceeded():
    """二(三)2: 满分4分 — 3 + 2 + 1 = 6 counts 4, and the explanation says the cap applied."""
    r = score_of(entry("home_visit", 3, points=3), entry("home_visit", 4, points=2), entry("home_visit", 5))
    assert r.score == 4
    capped = line(r, "home_visit")
    assert (capped.raw, capped.bound, capped.points, capped.count) == (6, 4, 4, 3)
    assert "达到上限 4 分" in capped.text


@pytest.mark.parametrize(("points", "expected"), [(None, 2), (1, 2), (2, 4), (3, 4), (4, 4)])
def test_leading_role_doubles_then_cap_4(points, expected):
    """二(三)2: 起带头、组织、主导作用的双倍加分; the cap of 4 still applies [decision]."""
    r = score_of(entry("red_education", 5, points=points, lead=True))
    assert r.score == expected
    assert "1 次带头/组织/主导, 分值加倍" in line(r, "red_education").text


def test_leading_role_doubling_reported_when_capped():
    """二(三)2 双倍加分 then 满分4分: 3 x 2 = 6 raw, 4 counted, both the doubling and the cap explained."""
    r = score_of(entry("governance_project", 5, points=3, lead=True))
    x = line(r, "governance_project")
    assert (x.raw, x.points) == (6, 4)
    assert "达到上限 4 分" in x.text and "分值加倍" in x.text


def test_all_ten_incentives_full_give_40():
    """二(三)2 激励分值(40分): ten items at their cap of 4 reach 40; with the full base, 100."""
    r = score_of(*[entry(item, 5, points=4) for item in INCENTIVES], base=True)
    assert r.score == 100
    assert not lines(r, "incentive")


# 负面清单, 扣完为止 ------------------------------------------------------------------


@pytest.mark.parametrize("item", NEGATIVES)
def test_negative_item_deducts_5(item):
    """二(三)3 负面清单: 赌博 / 宗教活动 / 传播谣言 / 违背党中央精神的言论 / 不服从规定, 发现一次扣5分."""
    r = score_of(entry(item, 7), base=True)
    assert r.score == 55
    assert line(r, item).points == -5


def test_negative_fixed_at_5():
    """二(三)3: 发现一次扣5分 is a fixed value; -3 is refused."""
    with pytest.raises(InputError) as exc:
        score_of(entry("rumor", 7, points=-3))
    assert "固定为 -5" in str(exc.value)


def test_deductions_down_to_exactly_0():
    """二(三)3 扣完为止: 5 earned - 5 = 0, no floor needed."""
    r = score_of(*[entry("dues", m) for m in range(1, 6)], entry("gambling", 7))
    assert r.score == 0
    assert not lines(r, "floor")


def test_deductions_stop_at_0():
    """二(三)3 扣完为止: 2 earned - 10 = -8 -> 0, and the explanation says the floor applied."""
    r = score_of(entry("dues", 1), entry("dues", 2), entry("gambling", 3), entry("rumor", 4))
    assert r.score == 0
    floor = line(r, "floor")
    assert (floor.raw, floor.bound) == (-8, 0) and "扣完为止" in floor.text


# 一票否决 --------------------------------------------------------------------------------


@pytest.mark.parametrize("item", VETOES)
def test_veto_sets_the_year_to_0(item):
    """二(三)4 一票否决, 年度考评积分为0分: (1) 连续6个月不参加组织生活 … (6) 其他恶劣影响."""
    r = score_of(entry(item, 10, 8), *[entry(i, 5, points=4) for i in INCENTIVES[:3]], base=True)
    assert r.score == 0 and r.grade == "不合格" and r.vetoed
    veto = line(r, item)
    assert "一票否决" in veto.text and "全年积分为 0" in veto.text and "2026-10-08" in veto.text
    assert veto.rule.startswith("二(三)4")


def test_six_absent_months_ask_the_secretary_to_confirm_the_veto():
    """二(三)4(1) 连续6个月不参加组织生活: detected from attendance, the secretary confirms; not vetoed by itself."""
    r = score_of(attendance=[att("theme_day", "absent", m) for m in range(3, 9)])
    assert len(r.alerts) == 1
    assert "连续 6 个月" in r.alerts[0] and "3月 至 8月" in r.alerts[0] and "veto_absent_6m" in r.alerts[0]
    assert not r.vetoed and r.score == 0


def test_a_present_month_breaks_the_absent_streak():
    """二(三)4(1) 连续6个月: a month with a sign-in breaks the run (3 + 3 months absent is no alert)."""
    attendance = [att("theme_day", "absent", m) for m in (1, 2, 3, 5, 6, 7)] + [
        att("theme_day", "present", 4)
    ]
    assert score_of(attendance=attendance).alerts == []


# results ---------------------------------------------------------------------------------


def incentives_worth(total):
    """Incentive entries worth ``total`` points (4 per item, the rest on the next)."""
    out = []
    for item in INCENTIVES:
        if total <= 0:
            break
        out.append(entry(item, 5, points=min(4, total)))
        total -= 4
    return out


@pytest.mark.parametrize(
    ("extra", "score", "grade", "follow_up"),
    [
        (30, 90, "优秀", "优秀"),
        (29, 89, "合格", None),
        (20, 80, "合格", None),
        (19, 79, "合格", "未达80分"),
        (0, 60, "合格", "未达80分"),
    ],
)
def test_results_at_each_threshold_and_just_below(extra, score, grade, follow_up):
    """四 结果运用: >=90 优秀; <80 不得参加评先评优; >=60 合格, <60 不合格."""
    r = score_of(*incentives_worth(extra), base=True)
    assert (r.score, r.grade) == (score, grade)
    assert (r.follow_up is None) if follow_up is None else (follow_up in r.follow_up)


def test_59_is_unqualified():
    """四 结果运用: 年度积分60分以下, 民主评议定为不合格 — the full base without December's dues: 59."""
    es, at = full_base()
    r = one(run(SCHEME, [member()], [e for e in es if e.date != day(12, 5)], at))
    assert (r.score, r.grade) == (59, "不合格")
    assert "60分以下" in r.follow_up


def test_exempt_member_is_not_scored():
    """三 免于积分 (75岁以上或体弱, 本人申请): kept on the roster, not scored, not ranked."""
    r = score_of(entry("volunteer", 3), who=member(exempt=True))
    assert r.exempt and r.score is None and r.grade is None and r.rank is None


def test_half_year_publicity_scores_the_first_half():
    """三3 每半年公示: a window January..June counts only that half's records."""
    r = score_of(base=True, since=day(1, 1), until=day(6, 30), final=False)
    # dues 6 + theme_day 6 + party_class 6 + general_meeting 6 + org_life_meeting 3 + pledge 3
    assert r.score == 30


def test_no_absence_alert_for_an_exempt_member():
    """二(一): 75周岁以上或身体不便的, 经支部同意不实行积分制管理 — nothing to score, nothing to flag."""
    absences = [att("theme_day", "absent", month) for month in range(1, 7)]
    report = run("base-incentive", [member(exempt=True)], attendance=absences)
    assert report.members[0].exempt
    assert report.members[0].alerts == []
