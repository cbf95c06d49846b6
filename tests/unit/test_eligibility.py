"""Which entries a scheme accepts for a member (bot/scoring/eligibility.py), one rule per fact.

先锋指数 (seed 002): 成员类别 (rural 农村 / community 社区) select the positive items —
正向指數: 農村黨員突出致富帶富、助力發展壯大村級集體經濟 (lead_development, rural members) and
正向指數: 社區黨員側重參與網格治理、服務社區居民 (grid_governance, community members).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.scoring.eligibility import (
    Refusal,
    applies_to,
    category_refusal,
    claimable_for,
    entry_refusal,
    item_refusal,
)
from bot.scoring.loader import load_preset
from bot.scoring.model import Item
from bot.scoring.records import InputError, ScoringInput
from bot.scoring.validate import field, validate

from .builders import YEAR, day, entry, member

PIONEER = load_preset("pioneer-index")
RURAL_CLAUSE = "正向指數: 農村黨員突出致富帶富、助力發展壯大村級集體經濟"
COMMUNITY_CLAUSE = "正向指數: 社區黨員側重參與網格治理、服務社區居民"


def item(code: str, scheme_id: str = "pioneer-index") -> Item:
    found = load_preset(scheme_id).item(code)
    assert found is not None
    return found


def test_the_preset_carries_the_clauses_tested_here():
    assert item("lead_development").clause == RURAL_CLAUSE and item("lead_development").categories == [
        "rural"
    ]
    assert item("grid_governance").clause == COMMUNITY_CLAUSE and item("grid_governance").categories == [
        "community"
    ]


def test_rural_item_is_refused_for_a_community_member():
    """正向指數: 農村黨員突出致富帶富 — lead_development is for rural members; a community member's
    claim of it is refused, in the scheme's words for both categories."""
    refusal = entry_refusal(PIONEER, item("lead_development"), member(category="community"), day(3, 5))
    assert refusal == Refusal(
        "entry.wrong_category",
        {
            "name": "带头致富带富/壮大集体经济",
            "item": "lead_development",
            "allowed": "农村党员",
            "category": "社区党员",
        },
    )
    assert refusal.text() == "积分项 “带头致富带富/壮大集体经济” 只适用于农村党员, 该党员为社区党员"
    assert refusal.text("en").startswith('item "带头致富带富/壮大集体经济" applies only to 农村党员')


def test_community_item_is_refused_for_a_rural_member():
    """正向指數: 社區黨員側重參與網格治理 — grid_governance is for community members only."""
    refusal = entry_refusal(PIONEER, item("grid_governance"), member(category="rural"), day(3, 5))
    assert refusal is not None and refusal.key == "entry.wrong_category"
    assert refusal.params["allowed"] == "社区党员" and refusal.params["category"] == "农村党员"


@pytest.mark.parametrize(
    ("code", "category"), [("lead_development", "rural"), ("grid_governance", "community")]
)
def test_category_item_is_accepted_for_its_own_category(code, category):
    """Each clause's item stands for a member of the category it names."""
    assert entry_refusal(PIONEER, item(code), member(category=category), day(3, 5)) is None


@pytest.mark.parametrize("category", ["rural", "community", ""])
@pytest.mark.parametrize("code", ["lead_duty", "lead_service", "gambling", "crime"])
def test_item_without_categories_applies_to_every_member(code, category):
    """正向指數: 帶頭履行黨員義務 and the rest name no category: every member, with or without one."""
    assert applies_to(item(code), category)
    assert entry_refusal(PIONEER, item(code), member(category=category), day(3, 5)) is None


def test_category_item_for_a_member_without_category():
    """A member whose category is not on the roster cannot have a rural-only item, and is told so."""
    refusal = entry_refusal(PIONEER, item("lead_development"), member(), day(3, 5))
    assert refusal is not None and refusal.key == "entry.no_category"
    assert "农村党员" in refusal.text() and "未登记人员类别" in refusal.text()


def test_unknown_category_code_is_named_by_its_code():
    refusal = category_refusal(PIONEER, item("lead_development"), "mountain")
    assert refusal is not None and refusal.params["category"] == "mountain"


def test_exempt_member_gets_no_new_entry():
    """Exempt members (年老体弱/长期患病) are kept on the roster but not scored: nothing to claim."""
    refusal = entry_refusal(PIONEER, item("lead_duty"), member(category="rural", exempt=True), day(3, 5))
    assert refusal is not None and refusal.key == "entry.exempt" and "免于积分" in refusal.text()


def test_entry_before_the_member_joined_is_refused():
    """入党/转入日期: a day before it was not under this branch; the day itself is."""
    joined = member(category="rural", joined=day(6, 1))
    refusal = entry_refusal(PIONEER, item("lead_duty"), joined, day(5, 31))
    assert refusal == Refusal("entry.before_joined", {"date": day(5, 31), "joined": day(6, 1)})
    assert entry_refusal(PIONEER, item("lead_duty"), joined, day(6, 1)) is None


def test_entry_on_or_after_the_day_the_member_left_is_refused():
    """As a meeting's expected attendance: a member is under the branch until the day they leave."""
    gone = member(category="rural", left=day(9, 1))
    assert entry_refusal(PIONEER, item("lead_duty"), gone, day(8, 31)) is None
    refusal = entry_refusal(PIONEER, item("lead_duty"), gone, day(9, 1))
    assert refusal is not None and refusal.key == "entry.after_left"


def test_sign_in_items_cannot_be_entered_but_a_veto_can():
    """反向指數 無故不參加組織生活 comes from sign-in records; a zeroing item (清零指數) is recorded by a person."""
    refusal = item_refusal(PIONEER, item("absent_org_life"), "rural")
    assert refusal is not None and refusal.key == "entry.not_enterable" and "签到记录" in refusal.text()
    assert item_refusal(PIONEER, item("crime"), "rural") is None


def test_claimable_items_per_category():
    """A rural member may claim 致富带富 but not 网格治理; a community member the other way round;
    a member without category neither; recorder items (反向指數) are never claimed."""
    codes = {c: [i.code for i in claimable_for(PIONEER, c)] for c in ("rural", "community", "")}
    assert codes["rural"] == ["lead_duty", "lead_service", "lead_development"]
    assert codes["community"] == ["lead_duty", "lead_service", "grid_governance"]
    assert codes[""] == ["lead_duty", "lead_service"]


@pytest.mark.parametrize("scheme_id", ["twelve-point", "base-incentive", "star-hundred"])
def test_schemes_without_categories_let_every_member_claim_every_claim_item(scheme_id):
    scheme = load_preset(scheme_id)
    assert claimable_for(scheme, "") == scheme.claimable_items() == claimable_for(scheme, "rural")


@pytest.mark.parametrize("category", ["rural", "community", ""])
@pytest.mark.parametrize("code", [i.code for i in PIONEER.items if i.enterable or i.kind == "veto"])
def test_validate_refuses_a_recorded_entry_exactly_when_the_category_rule_does(code, category):
    """One rule: a ledger entry is refused by ``validate`` for its category exactly when
    ``item_refusal`` refuses it, with the same text."""
    data = ScoringInput(YEAR, [member(category=category)], [entry(code, 3)])
    refusal = item_refusal(PIONEER, item(code), category)
    if refusal is None:
        validate(PIONEER, data)
        return
    with pytest.raises(InputError) as exc:
        validate(PIONEER, data)
    assert exc.value.problems[1] == (
        f"entries[0] (member=m1, item={code}, date={date(YEAR, 3, 1)}): {field('item', refusal.text())}"
    )


def test_validate_keeps_a_recorded_entry_of_a_member_exempted_or_gone_later():
    """A recorded entry stays valid when the member is exempted or leaves afterwards (the member is
    then simply not scored, or scored for the time under the branch): only new entries are refused."""
    data = ScoringInput(
        YEAR, [member(category="rural", exempt=True, left=day(2, 1))], [entry("lead_duty", 3)]
    )
    validate(PIONEER, data)
