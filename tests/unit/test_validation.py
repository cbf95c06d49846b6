"""Bad input: every kind of bad record gives an InputError naming the record and the bad value,
and nothing is scored (no report at all, not a partial one)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.scoring.engine import score
from bot.scoring.loader import load_preset
from bot.scoring.records import (
    Attendance,
    BranchEntry,
    BranchRecord,
    Entry,
    Evaluation,
    InputError,
    Rating,
    ScoringInput,
    from_json,
)

from .builders import YEAR, areas, att, entry, member

GOOD = [entry("volunteer", 1), entry("key_work", 2), entry("dues_late", 3)]


def refused(scheme_id, data):
    with pytest.raises(InputError) as exc:
        score(load_preset(scheme_id), data)
    return exc.value


def twelve(*entries, attendance=(), people=None):
    return refused(
        "twelve-point", ScoringInput(YEAR, people or [member()], [*GOOD, *entries], list(attendance))
    )


def test_unknown_member_in_an_entry():
    """An entry for a member id not on the roster names the entry and the id."""
    err = twelve(entry("volunteer", 4, who="ghost"))
    assert len(err.problems) == 2
    assert err.problems[0] == "输入有 1 处错误, 未计算任何积分:"
    assert (
        "entries[3]" in err.problems[1] and "ghost" in err.problems[1] and "未知的党员编号" in err.problems[1]
    )


def test_unknown_item_code():
    """An entry for an item the scheme does not have names the entry, the scheme and the code."""
    err = twelve(entry("karaoke", 4))
    assert "entries[3]" in str(err) and "karaoke" in str(err) and "twelve-point" in str(err)


def test_date_outside_the_year():
    """An entry dated outside the scored year names the entry, the date and the year."""
    err = twelve(Entry("m1", "volunteer", date(2025, 12, 31)))
    assert "entries[3]" in str(err) and "2025-12-31" in str(err) and "2026" in str(err)


def test_points_outside_the_items_range():
    """improper_conduct takes -12..-2: an entry of -13 names the entry, the range and the value."""
    err = twelve(entry("improper_conduct", 4, points=-13))
    assert "entries[3]" in str(err) and "-13" in str(err) and "-12 到 -2" in str(err)


def test_points_other_than_a_fixed_value():
    """key_work is worth exactly +2: an entry of 5 names the entry, the fixed value and the value."""
    err = twelve(entry("key_work", 4, points=5))
    assert "entries[3]" in str(err) and "固定为 2" in str(err) and "收到 5" in str(err)


@pytest.mark.parametrize(
    ("item", "source"),
    [
        ("migrant_return_missing", "年终自动计算"),
        ("absent_org_life", "签到记录"),
        ("leave_org_life", "签到记录"),
    ],
)
def test_attendance_and_computed_items_cannot_be_entered(item, source):
    """Attendance-driven and computed items come from sign-ins and the year end, never from an entry."""
    err = twelve(entry(item, 4))
    assert "entries[3]" in str(err) and item in str(err) and source in str(err)


def test_category_item_for_the_wrong_category():
    """pioneer-index: a rural-only item for a community member names the entry and both categories."""
    data = ScoringInput(YEAR, [member(category="community")], [entry("lead_development", 3)])
    err = refused("pioneer-index", data)
    assert "entries[0]" in str(err) and "农村党员" in str(err) and "社区党员" in str(err)


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        (att("theme_day", who="ghost"), "ghost"),
        (att("karaoke_night"), "karaoke_night"),
        (att("theme_day", "late"), "late"),
    ],
)
def test_bad_attendance_record(record, needle):
    """A sign-in with an unknown member, meeting type or status names the sign-in and the value."""
    err = twelve(attendance=[att("theme_day"), record])
    assert "attendance[1]" in str(err) and needle in str(err)


def test_attendance_outside_the_year():
    """A sign-in dated outside the scored year names the sign-in and the date."""
    from datetime import date

    err = twelve(attendance=[Attendance("m1", "theme_day", date(2027, 1, 5), "present")])
    assert "attendance[0]" in str(err) and "2027-01-05" in str(err)


def test_every_problem_is_listed():
    """All problems are reported together, each naming its record; the header counts them."""
    err = twelve(entry("volunteer", 4, who="ghost"), entry("karaoke", 5), entry("key_work", 6, points=1))
    assert err.problems[0] == "输入有 3 处错误, 未计算任何积分:"
    assert [p.split(" ")[0] for p in err.problems[1:]] == ["entries[3]", "entries[4]", "entries[5]"]


def test_duplicate_member_ids():
    """Two roster rows with one id name the second one."""
    err = twelve(people=[member("m1"), member("m1")])
    assert "members[1]" in str(err) and "m1" in str(err)


# star-hundred ratings and evaluations --------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "needle"),
    [
        (Rating("m1", 3, "political", 11), "11"),
        (Rating("m1", 3, "charisma", 5), "charisma"),
        (Rating("m1", 13, "political", 5), "13"),
        (Rating("ghost", 3, "political", 5), "ghost"),
    ],
)
def test_bad_monthly_rating(rating, needle):
    """A monthly rating out of 0-10, for an unknown item or member, or in month 13 names the rating."""
    data = ScoringInput(YEAR, [member()], ratings=[Rating("m1", 1, "political", 9), rating])
    err = refused("star-hundred", data)
    assert "ratings[1]" in str(err) and needle in str(err)


def test_evaluation_above_the_item_maximum():
    """An evaluation whose total exceeds 10 per rater names the evaluation."""
    data = ScoringInput(YEAR, [member()], evaluations=[Evaluation("m1", "study", 31, 3)])
    err = refused("star-hundred", data)
    assert "evaluations[0] (member=m1, item=study)" in str(err) and "31" in str(err)


def test_adjustment_item_out_of_value():
    """star-hundred: award_national is worth +5; an entry of +6 names the entry."""
    data = ScoringInput(YEAR, [member()], [entry("award_national", 3, points=6)])
    assert "entries[0]" in str(refused("star-hundred", data))


# branch-star ---------------------------------------------------------------------------------


def branch_input(*records):
    return ScoringInput(YEAR, branches=list(records))


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        (BranchRecord("b1", "b1", {**areas(90), "culture": 5}), "culture"),
        (BranchRecord("b1", "b1", {**areas(90), "support": 11}), "11"),
        (BranchRecord("b1", "b1", areas(90), (BranchEntry("karaoke"),)), "karaoke"),
        (BranchRecord("b1", "b1", areas(90), (BranchEntry("major_failure", -10),)), "-10"),
        (BranchRecord("b1", "b1", areas(90), evaluation=120), "120"),
    ],
)
def test_bad_branch_record(record, needle):
    """A branch with an unknown area, an area above its maximum, an unknown item, a deduction under 20
    or an evaluation above 100 names the branch and the value."""
    err = refused("branch-star", branch_input(record))
    assert "branches[0] (id=b1)" in str(err) and needle in str(err)


def test_branch_scheme_without_branches():
    """branch-star scores branches: member records alone are refused."""
    err = refused("branch-star", ScoringInput(YEAR, [member()]))
    assert "branches" in str(err)


def test_duplicate_branch_ids():
    err = refused(
        "branch-star", branch_input(BranchRecord("b1", "a", areas(90)), BranchRecord("b1", "b", areas(80)))
    )
    assert "branches[1]" in str(err) and "b1" in str(err)


# the JSON input format -----------------------------------------------------------------------


def test_json_bad_date_names_the_record():
    """from_json: a date that is not YYYY-MM-DD names the record and the date."""
    with pytest.raises(InputError) as exc:
        from_json(
            {
                "year": YEAR,
                "members": [{"id": "m1"}],
                "entries": [{"member": "m1", "item": "volunteer", "date": "2026-13-01"}],
            }
        )
    assert "entries[0] (member=m1, item=volunteer, date=2026-13-01)" in str(exc.value)


def test_json_entries_keep_their_position_as_reference():
    """from_json: entries are named by their position in the file, so errors point at the right one."""
    data = from_json(
        {
            "year": YEAR,
            "members": [{"id": "m1"}],
            "entries": [
                {"member": "m1", "item": "volunteer", "date": "2026-01-01"},
                {"member": "m2", "item": "volunteer", "date": "2026-01-01"},
            ],
        }
    )
    err = refused("twelve-point", data)
    assert "entries[1] (member=m2, item=volunteer, date=2026-01-01)" in str(err)


def test_json_evaluation_scores_must_be_numbers():
    """from_json: evaluation scores must be a list of numbers; the record is named."""
    with pytest.raises(InputError) as exc:
        from_json(
            {
                "year": YEAR,
                "members": [{"id": "m1"}],
                "evaluations": [{"member": "m1", "item": "study", "scores": [9, "ten"]}],
            }
        )
    assert "evaluations[0] (member=m1, item=study)" in str(exc.value)


def test_valid_input_is_scored():
    """The counterpart: the same records without the bad one are scored."""
    report = score(load_preset("twelve-point"), ScoringInput(YEAR, [member()], list(GOOD)))
    assert report.members[0].score == 12 + 1 + 2 - 3
