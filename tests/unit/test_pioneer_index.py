"""先锋指数 (seed 002, 繁體): base 80, positive and negative items, zeroing, tiers, member categories.

The seed gives no point values; the numbers are the decisions of schemes.md: base 80, positive
items +1..+3 per approved item, negative items -2..-5. Expected numbers are worked out by hand.
"""

from __future__ import annotations

import pytest

from bot.scoring.records import InputError

from .builders import att, entry, line, lines, member, one, run

SCHEME = "pioneer-index"


def score_of(*entries, attendance=(), who=None, **kw):
    return one(run(SCHEME, [who or member(category="rural")], entries, attendance, **kw))


def test_basic_index_is_80():
    """基本指數為基礎分 [decision: 80]: a member with no records scores 80 (鼓励)."""
    r = score_of()
    assert r.score == 80 and r.grade == "鼓励"
    assert line(r, "base").points == 80


# 正向指數 ------------------------------------------------------------------------------


@pytest.mark.parametrize("item", ["lead_duty", "lead_service", "lead_development"])
@pytest.mark.parametrize(("points", "expected"), [(None, 81), (1, 81), (2, 82), (3, 83)])
def test_positive_item_adds_1_to_3(item, points, expected):
    """正向指數為加分項: 帶頭履行黨員義務 / 帶頭聯繫服務群眾 / 致富帶富 [decision: +1..+3, default +1]."""
    r = score_of(entry(item, 4, points=points))
    assert r.score == expected
    assert line(r, item).rule.startswith("正向指數")


@pytest.mark.parametrize("points", [0, 4])
def test_positive_item_outside_1_to_3_is_refused(points):
    """正向指數 [decision: +1..+3]: 0 or 4 is refused, naming the entry."""
    with pytest.raises(InputError) as exc:
        score_of(entry("lead_duty", 4, points=points))
    assert "entries[0]" in str(exc.value) and "1 到 3" in str(exc.value)


def test_grid_governance_counts_for_a_community_member():
    """正向指數: 社區黨員側重參與網格治理、服務社區居民."""
    r = score_of(entry("grid_governance", 4, points=3), who=member(category="community"))
    assert r.score == 83


def test_rural_only_item_is_refused_for_a_community_member():
    """正向指數: 農村黨員突出致富帶富 — lead_development applies to rural members only."""
    with pytest.raises(InputError) as exc:
        score_of(entry("lead_development", 4), who=member(category="community"))
    text = str(exc.value)
    assert "entries[0]" in text and "lead_development" in text and "农村党员" in text and "社区党员" in text


def test_community_only_item_is_refused_for_a_rural_member():
    """正向指數: 社區黨員側重參與網格治理 — grid_governance applies to community members only."""
    with pytest.raises(InputError) as exc:
        score_of(entry("grid_governance", 4))
    assert "grid_governance" in str(exc.value)


def test_category_item_is_refused_for_a_member_without_category():
    """Member categories (rural / community) select the positive items: no category, no such item."""
    with pytest.raises(InputError):
        score_of(entry("lead_development", 4), who=member())


def test_positive_items_have_no_cap():
    """正向指數為加分項: the seed sets no cap, so ten approved +3 items add 30."""
    r = score_of(*[entry("lead_service", m, points=3) for m in range(1, 11)])
    assert r.score == 110
    assert r.grade == "表扬"


# 反向指數 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item", ["bad_speech", "unrepentant", "disobey_branch", "dues_late", "gambling", "superstition"]
)
@pytest.mark.parametrize(("points", "expected"), [(None, 78), (-2, 78), (-5, 75)])
def test_negative_item_deducts_2_to_5(item, points, expected):
    """反向指數 (扣分項): 發佈不良言論, 經教育仍不改正, 不服從支部安排, 不按時足額繳納黨費, 參與賭博, 參與封建迷信 [decision: -2..-5]."""
    r = score_of(entry(item, 4, points=points))
    assert r.score == expected
    assert line(r, item).rule.startswith("反向指數")


@pytest.mark.parametrize("points", [-1, -6])
def test_negative_item_outside_2_to_5_is_refused(points):
    """反向指數 [decision: -2..-5]: -1 or -6 is refused, naming the entry and the value."""
    with pytest.raises(InputError) as exc:
        score_of(entry("gambling", 4, points=points))
    assert "entries[0]" in str(exc.value) and str(points) in str(exc.value)


def test_absent_from_organizational_life_comes_from_sign_in():
    """反向指數: 無故不參加組織生活 — from sign-in records, -2 each [decision]; a leave costs nothing."""
    attendance = [
        att("theme_day", "absent", 3),
        att("party_class", "absent", 5),
        att("theme_day", "leave", 6),
    ]
    r = score_of(attendance=attendance)
    assert r.score == 76
    assert line(r, "absent_org_life").count == 2


def test_absent_org_life_cannot_be_entered_by_hand():
    """反向指數 無故不參加組織生活 comes from sign-in records; a direct entry is refused."""
    with pytest.raises(InputError) as exc:
        score_of(entry("absent_org_life", 3))
    assert "签到记录" in str(exc.value)


# tiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "score", "tier"),
    [
        ([("lead_duty", 3), ("lead_duty", 3), ("lead_duty", 3), ("lead_duty", 1)], 90, "表扬"),
        ([("lead_duty", 3), ("lead_duty", 3), ("lead_duty", 3)], 89, "鼓励"),
        ([], 80, "鼓励"),
        ([("lead_duty", 2), ("gambling", -3)], 79, "警示"),
        ([("gambling", -5)] * 4, 60, "警示"),
        ([("gambling", -5)] * 4 + [("lead_duty", 2), ("bad_speech", -3)], 59, "不合格"),
    ],
)
def test_tier_at_each_threshold_and_just_below(entries, score, tier):
    """以分定檔: 90分及以上 表扬; 80至89分 鼓励; 60至79分 警示; 60分以下 不合格."""
    r = score_of(*[entry(code, m + 1, points=p) for m, (code, p) in enumerate(entries)])
    assert (r.score, r.grade) == (score, tier)


@pytest.mark.parametrize(
    ("entries", "follow_up"),
    [
        ([("lead_duty", 3)] * 4, "优秀党员"),
        ([], "鼓励"),
        ([("gambling", -5)] * 3, "结对帮教"),
        ([("gambling", -5)] * 5, "劝其退党"),
    ],
)
def test_follow_up_of_each_tier(entries, follow_up):
    """積分結果咋運用: 表扬 -> 推荐优秀党员; 鼓励 -> 提出希望和要求; 警示 -> 警示談話、結對幫教; 60以下 -> 不合格, 連續兩個周期 勸退."""
    r = score_of(*[entry(code, m + 1, points=p) for m, (code, p) in enumerate(entries)])
    assert follow_up in r.follow_up


# 清零指數 ------------------------------------------------------------------------------


@pytest.mark.parametrize("item", ["crime", "detention", "party_sanction"])
def test_zeroing_sets_0_and_unqualified(item):
    """清零指數: 違法犯罪 / 受到行政拘留及以上處罰 / 撤銷黨內職務及以上處分 -> 積分清零, 直接確定為不合格黨員."""
    r = score_of(entry("lead_duty", 2, points=3), entry(item, 6, 10))
    assert r.score == 0 and r.grade == "不合格" and r.vetoed
    zeroed = line(r, item)
    assert "2026-06-10" in zeroed.text and "不合格" in zeroed.text and "全年积分为 0" in zeroed.text
    assert zeroed.rule.startswith("清零指數")


def test_zeroing_stops_scoring_for_the_rest_of_the_cycle():
    """清零指數: 終止本周期積分管理 — entries and sign-ins after the zeroing date are not counted, and it says so."""
    es = [
        entry("lead_duty", 2, points=3),
        entry("crime", 6, 10),
        entry("lead_service", 6, 10),
        entry("lead_service", 7),
        entry("gambling", 9),
    ]
    attendance = [att("theme_day", "absent", 5), att("theme_day", "absent", 8)]
    r = score_of(*es, attendance=attendance)
    assert r.score == 0
    stopped = line(r, "stopped")
    assert stopped.count == 3  # lead_service in July, gambling in September, the August absence
    assert "2026-06-10 起停止积分" in stopped.text and "3 条记录不计" in stopped.text
    # what happened up to the zeroing date is still shown: +3, the same-day lead_service +1, the May absence -2
    assert line(r, "lead_duty").points == 3
    assert line(r, "lead_service").count == 1
    assert line(r, "absent_org_life").count == 1


def test_earliest_zeroing_date_stops_scoring():
    """清零指數: the first zeroing event ends the cycle; a later one is among the records not counted."""
    r = score_of(entry("detention", 3), entry("crime", 8), entry("lead_duty", 9))
    assert r.score == 0
    assert "2026-03-01" in line(r, "detention").text
    assert line(r, "stopped").count == 2
    assert not lines(r, "crime")


def test_zeroed_member_ranks_last_with_0():
    """清零指數 積分清零: ranked with 0 among the branch."""
    people = [member("a", category="rural"), member("z", category="rural")]
    report = run(SCHEME, people, [entry("gambling", 2, who="a", points=-5), entry("crime", 3, who="z")])
    assert [(r.id, r.score, r.rank) for r in report.members] == [("a", 75, 1), ("z", 0, 2)]


def test_exempt_member_is_not_scored():
    """免于积分: kept on the roster, no score, no tier, no rank."""
    r = score_of(entry("lead_duty", 2), who=member(category="rural", exempt=True))
    assert r.exempt and r.score is None and r.grade is None and r.rank is None
