"""Scheme loading: the six presets, the public item codes of schemes.md, inheritance, errors with lines."""

from __future__ import annotations

import pytest

from bot.scoring.loader import load_preset, load_scheme, load_scheme_text, preset_ids
from bot.scoring.tomlsource import TomlError

PRESETS = [
    "base-incentive",
    "branch-star",
    "pioneer-index",
    "star-hundred",
    "star-hundred-90",
    "twelve-point",
]

#: The item codes of schemes.md, a public contract, written out here on purpose.
CODES = {
    "twelve-point": [
        "absent_org_life",
        "leave_org_life",
        "migrant_return_missing",
        "dues_late",
        "evaluated_basic",
        "disobey_decision",
        "improper_conduct",
        "key_work",
        "volunteer",
        "emergency",
        "praise_masses",
        "award_township",
        "award_county",
        "award_city",
        "award_province",
        "veto",
    ],
    "star-hundred": [
        "award_national",
        "award_province",
        "award_city",
        "award_county",
        "award_unit",
        "sanction_region",
        "sanction_city",
        "sanction_county",
        "sanction_unit",
        "criticism_region",
        "criticism_city",
        "criticism_county",
        "criticism_unit",
    ],
    "pioneer-index": [
        "lead_duty",
        "lead_service",
        "lead_development",
        "grid_governance",
        "bad_speech",
        "unrepentant",
        "absent_org_life",
        "disobey_branch",
        "dues_late",
        "gambling",
        "superstition",
        "crime",
        "detention",
        "party_sanction",
    ],
    "base-incentive": [
        "dues",
        "theme_day",
        "party_class",
        "general_meeting",
        "org_life_meeting",
        "democratic_review",
        "pledge",
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
        "gambling",
        "religion",
        "rumor",
        "improper_speech",
        "disobey_rules",
        "veto_absent_6m",
        "veto_dues_refused",
        "veto_religion",
        "veto_cult",
        "veto_misconduct",
        "veto_other",
    ],
    "branch-star": [
        "county_award",
        "urgent_contribution",
        "practice_promoted",
        "pilot_success",
        "bonus_other",
        "major_failure",
        "inspection_issue",
        "member_violation",
        "infiltration",
        "deduction_other",
    ],
}
CODES["star-hundred-90"] = [
    *CODES["star-hundred"],
    "misappropriation",
    "serious_warning",
    "probation_sanction",
    "other_violation",
    "media_failure",
]
RATING_CODES = [
    "political",
    "study",
    "discipline",
    "org_life",
    "dues",
    "duty",
    "service",
    "pledge",
    "integrity",
    "morality",
]
AREAS = {
    "leadership": 15,
    "operation": 15,
    "member_management": 20,
    "org_life": 20,
    "support": 10,
    "role": 20,
}


def test_six_presets_ship():
    assert preset_ids() == PRESETS


@pytest.mark.parametrize("scheme_id", PRESETS)
def test_preset_loads_with_the_item_codes_of_schemes_md(scheme_id):
    scheme = load_preset(scheme_id)
    assert scheme.id == scheme_id
    assert [i.code for i in scheme.items] == CODES[scheme_id]


@pytest.mark.parametrize("scheme_id", ["star-hundred", "star-hundred-90"])
def test_rating_items_of_star_hundred(scheme_id):
    assert [i.code for i in load_preset(scheme_id).rating.items] == RATING_CODES


def test_areas_of_branch_star():
    assert {a.code: a.max for a in load_preset("branch-star").branch.areas} == AREAS


@pytest.mark.parametrize("scheme_id", PRESETS)
def test_every_item_has_a_chinese_name_and_a_clause(scheme_id):
    for item in load_preset(scheme_id).items:
        assert any("\u4e00" <= c <= "\u9fff" for c in item.name), item.code
        assert item.clause.strip(), item.code


@pytest.mark.parametrize("scheme_id", PRESETS)
def test_claimable_items_have_aliases(scheme_id):
    claimable = load_preset(scheme_id).claimable_items()
    assert all(item.aliases for item in claimable), [i.code for i in claimable if not i.aliases]


def test_every_preset_names_its_seed():
    seeds = {s: load_preset(s).seed for s in PRESETS}
    assert seeds["twelve-point"].startswith("000_") and seeds["star-hundred"].startswith("001_")
    assert seeds["star-hundred-90"].startswith("001_") and seeds["pioneer-index"].startswith("002_")
    assert seeds["base-incentive"].startswith("003_") and seeds["branch-star"].startswith("004_")


# extends ------------------------------------------------------------------------------------


def test_extends_merges_items_by_code_and_adds_new_ones():
    text = """extends = "twelve-point"
id = "village"
name = "某村十二分制"

[[items]]
code = "volunteer"
points = 2

[[items]]
code = "tree_planting"
name = "义务植树"
kind = "bonus"
group = "bonuses"
points = 1
clause = "村规"
aliases = ["植树"]
"""
    scheme = load_scheme_text(text, "village.toml")
    volunteer = scheme.item("volunteer")
    assert volunteer.points == 2
    assert volunteer.name.startswith("志愿服务") and volunteer.clause.startswith(
        "二(二)2(2)"
    )  # kept from the preset
    assert [i.code for i in scheme.items] == [*CODES["twelve-point"], "tree_planting"]
    assert scheme.base == 12 and scheme.groups[0].cap == 12


def test_remove_items_drops_items():
    text = (
        'extends = "twelve-point"\nid = "town"\nname = "x"\nremove_items = ["praise_masses", "award_city"]\n'
    )
    codes = [i.code for i in load_scheme_text(text, "town.toml").items]
    assert "praise_masses" not in codes and "award_city" not in codes
    assert len(codes) == len(CODES["twelve-point"]) - 2


def test_extends_tables_merge_key_by_key():
    text = 'extends = "star-hundred"\nid = "s"\nname = "x"\n\n[quotas.quarter_star]\nshare = 0.1\n'
    quotas = load_scheme_text(text, "s.toml").quotas
    assert quotas.quarter_star.share == 0.1 and quotas.quarter_star.min_members == 10
    assert quotas.year_star.share == 0.10


def test_extends_unknown_preset():
    with pytest.raises(TomlError) as exc:
        load_scheme_text('extends = "fourteen-point"\nid = "x"\nname = "x"\n', "x.toml")
    assert "fourteen-point" in str(exc.value) and "twelve-point" in str(exc.value)


# errors ---------------------------------------------------------------------------------------


def test_syntax_error_names_the_line():
    text = 'id = "x"\nname = "x"\nkind = "additive"\nbase = = 3\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "broken.toml")
    [problem] = exc.value.problems
    assert (problem.source, problem.line) == ("broken.toml", 4)
    assert "broken.toml 第 4 行" in str(exc.value)


def test_validation_error_names_the_key_path_and_line():
    """A bonus with negative points in the 3rd [[items]] is reported at items[2].points and its line."""
    items = "".join(
        f'\n[[items]]\ncode = "i{n}"\nname = "项目{n}"\nkind = "bonus"\npoints = {p}\nclause = "c"\n'
        for n, p in ((1, 1), (2, 2), (3, -3))
    )
    text = 'id = "x"\nname = "x"\nkind = "additive"\n' + items
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "mine.toml")
    [problem] = exc.value.problems
    lines = text.splitlines()
    # the sign rule is checked on the whole item: the key is the item, the line its [[items]] header
    assert problem.key == "items[2]"
    assert problem.line == lines.index('code = "i3"')  # 1-based: the line just above code = "i3"
    assert lines[problem.line - 1] == "[[items]]"
    assert "不能为负" in problem.message


def test_wrong_type_names_the_key_and_its_line():
    text = 'id = "x"\nname = "x"\nkind = "additive"\n\n[[items]]\ncode = "a"\nname = "甲"\nkind = "bonus"\npoints = "two"\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "mine.toml")
    assert exc.value.problems
    assert all(p.key.startswith("items[0].points") and p.line == 9 for p in exc.value.problems)


def test_unknown_key_is_refused_with_its_line():
    text = 'id = "x"\nname = "x"\nkind = "additive"\nbsae = 10\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "mine.toml")
    assert [(p.key, p.line) for p in exc.value.problems] == [("bsae", 4)]


def test_error_in_an_extending_file_points_at_its_own_item():
    text = 'extends = "twelve-point"\nid = "v"\nname = "x"\n\n[[items]]\ncode = "volunteer"\npoints = -1\n'
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "v.toml")
    [problem] = exc.value.problems
    assert problem.key.startswith("items[0]") and problem.source == "v.toml"
    assert problem.line in (5, 7)


def test_unknown_preset_id_lists_the_known_ones():
    with pytest.raises(TomlError) as exc:
        load_scheme("fourteen-point")
    text = str(exc.value)
    assert "fourteen-point" in text
    assert all(p in text for p in PRESETS)


def test_load_scheme_reads_a_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'extends = "pioneer-index"\nid = "mine"\nname = "我的先锋指数"\nbase = 70\n', encoding="utf-8"
    )
    scheme = load_scheme(str(path))
    assert (scheme.id, scheme.base) == ("mine", 70)


def test_a_branch_file_may_not_raise_a_limit_the_document_sets():
    """branch-star 四: 评议项得分按照不高于30%的比例计入总分 — the limit itself is locked."""
    text = (
        'extends = "branch-star"\nid = "branch-star-x"\nname = "x"\n\n'
        "[branch]\nevaluation_weight_max = 0.5\nevaluation_weight = 0.4\nself_weight = 0.6\n"
    )
    with pytest.raises(TomlError) as caught:
        load_scheme_text(text, "x.toml")
    [problem] = caught.value.problems
    assert problem.key == "branch.evaluation_weight_max"
    assert problem.line == 6
    assert "不能修改" in problem.message


def test_a_branch_file_may_lower_the_evaluation_weight():
    text = 'extends = "branch-star"\nid = "branch-star-y"\nname = "y"\n[branch]\nevaluation_weight = 0.2\nself_weight = 0.8\n'
    scheme = load_scheme_text(text, "y.toml")
    assert scheme.branch is not None
    assert scheme.branch.evaluation_weight == 0.2
    assert scheme.branch.evaluation_weight_max == 0.3


def test_a_value_of_the_wrong_type_is_reported_once_at_its_own_key():
    text = 'id = "x"\nname = "y"\nkind = "additive"\n[[items]]\ncode = "a"\nname = "b"\nkind = "bonus"\npoints = "x"\n'
    with pytest.raises(TomlError) as caught:
        load_scheme_text(text, "x.toml")
    [problem] = caught.value.problems
    assert problem.key == "items[0].points"
    assert problem.line == 8
