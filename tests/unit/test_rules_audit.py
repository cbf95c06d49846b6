"""The engine audited against the seeds: each rule fix with its clause (schemes.md, the decisions list).

Missing data is never a silent 0; months under management; vetoed members last; 季度之星 quota from
10 members; star-hundred-90's cases graded 不合格 regardless of score; duplicate and thin records
refused; 分类排名; dues and direct grades; the limits of branch schemes; the README's own example.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.scoring.engine import score, score_tolerant
from bot.scoring.loader import load_preset, load_scheme_text
from bot.scoring.records import (
    DirectGrade,
    Dues,
    Evaluation,
    InputError,
    Rating,
    ScoringInput,
    from_json,
    read_json,
)
from bot.scoring.tomlsource import TomlError

from .builders import (
    YEAR,
    areas,
    att,
    branch,
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
    run_branches,
    uniform,
)

README = Path(__file__).resolve().parents[2] / "README.md"
BRANCH_STAR = (
    Path(__file__).resolve().parents[2] / "bot" / "scoring" / "presets" / "branch-star.toml"
).read_text(encoding="utf-8")


def star(
    people,
    ratings=(),
    evaluations=(),
    entries=(),
    attendance=(),
    dues=(),
    direct=(),
    scheme="star-hundred",
    **kw,
):
    data = ScoringInput(
        YEAR,
        list(people),
        list(entries),
        list(attendance),
        list(ratings),
        list(evaluations),
        dues=list(dues),
        direct_grades=list(direct),
    )
    return score(load_preset(scheme), data, **kw)


def rated(people, value, *, unevaluated=()):
    """Every member rated ``value(member id)`` in every item and month, and evaluated the same
    (except the ids in ``unevaluated``)."""
    ratings, evaluations = [], []
    for p in people:
        rs, es = uniform(p.id, value(p.id))
        ratings += rs
        evaluations += [] if p.id in unevaluated else es
    return ratings, evaluations


# branch schemes keep branch-star's evaluation weight limit -----------------------------------------


def scratch(evaluation_weight, limit):
    """branch-star written out as a scheme of its own (no ``extends``), with other weights."""
    text = BRANCH_STAR.replace('id = "branch-star"', 'id = "my-branch"')
    text = re.sub(r"^locked = .*$|^binds_kind = .*$", "", text, flags=re.M)
    text = re.sub(r"^self_weight = .*$", f"self_weight = {round(1 - evaluation_weight, 2)}", text, flags=re.M)
    text = re.sub(r"^evaluation_weight = .*$", f"evaluation_weight = {evaluation_weight}", text, flags=re.M)
    return re.sub(r"^evaluation_weight_max = .*$", f"evaluation_weight_max = {limit}", text, flags=re.M)


def test_a_branch_scheme_written_from_scratch_may_not_raise_the_evaluation_weight():
    """评议项得分…不高于30%: a scheme of kind branch that does not extend branch-star is held to it too."""
    with pytest.raises(TomlError) as exc:
        load_scheme_text(scratch(0.4, 0.5), "mine.toml")
    problem = exc.value.problems[0]
    assert problem.key == "branch.evaluation_weight_max" and problem.line is not None
    assert (
        "0.3" in problem.message and "branch-star" in problem.message and "kind = branch" in problem.message
    )


def test_a_branch_scheme_written_from_scratch_may_lower_the_evaluation_weight():
    scheme = load_scheme_text(scratch(0.2, 0.2), "mine.toml")
    assert scheme.branch is not None and scheme.branch.evaluation_weight == 0.2


# the README's example of a branch's own scheme -------------------------------------------------------


def test_the_readme_example_of_a_branch_scheme_passes_scheme_check(tmp_path, capsys):
    found = re.search(r"```toml\n(extends = \"branch-star\".*?)```", README.read_text(encoding="utf-8"), re.S)
    assert found is not None
    path = tmp_path / "wendian.toml"
    path.write_text(found.group(1), encoding="utf-8")
    assert main(["scheme", "check", str(path)]) == 0
    scheme = load_scheme_text(found.group(1), "wendian.toml")
    assert scheme.item("infiltration") is None and scheme.item("bonus_other").max == 10


def test_remove_items_after_an_item_says_it_belongs_at_the_top():
    """In TOML a key after ``[[items]]`` belongs to that item: the error says where it goes instead."""
    text = (
        'extends = "branch-star"\nid = "x"\nname = "x"\n\n[[items]]\ncode = "bonus_other"\nmax = 10\n\n'
        'remove_items = ["infiltration"]\n'
    )
    with pytest.raises(TomlError) as exc:
        load_scheme_text(text, "x.toml")
    problem = exc.value.problems[0]
    assert (problem.key, problem.line) == ("items[0].remove_items", 9)
    assert "文件开头" in problem.message and "[[items]]" in problem.message


# missing data is never a silent 0 ---------------------------------------------------------------


def test_member_without_ratings_is_incomplete_with_no_grade_follow_up_or_rank():
    """数据不全: no ratings at all -> no score, grade, stars, follow-up or rank, and what is missing is said."""
    ratings, evaluations = uniform("m2", 9)
    report = star([member("m1"), member("m2")], ratings, [*evaluations, *evaluated("m1", 5)])
    r = one(report)
    assert r.score is None and r.grade is None and r.stars is None and r.follow_up is None and r.rank is None
    assert r.missing and "缺少月度评分" in r.missing[0] and "政治坚定" in r.missing[0]
    assert "数据不全" in line(r, "incomplete").text
    assert one(report, "m2").rank == 1
    assert any("数据不全" in n and "m1" in n for n in report.notes)
    assert r.to_json()["incomplete"] is True


def test_member_without_an_evaluation_is_incomplete_at_year_end():
    r = one(star([member()], monthly("m1", 9)))
    assert r.score is None and r.grade is None
    assert any("缺少民主测评" in m for m in r.missing)


def test_member_with_one_item_never_rated_is_incomplete():
    ratings = monthly("m1", 9, items=["political"])
    r = one(star([member()], ratings, evaluated("m1", 9)))
    assert r.score is None and "学习进步" in r.missing[0] and "政治坚定" not in r.missing[0]


def test_mid_year_the_evaluation_is_still_to_come_and_said_so():
    """The evaluation is held at year end: a month's publicity scores the ratings and says the
    evaluation is not recorded yet (not 数据不全)."""
    r = one(star([member()], monthly("m1", 9, months=range(1, 4)), until=day(3, 31), final=False))
    assert r.score == 72 and not r.missing  # 9 x 0.8 x 10
    assert "民主测评尚未录入" in line(r, "political").text


def test_an_incomplete_member_gets_no_quarter_star():
    people = members(21)
    report = star(people, *rated(people, lambda who: 9 if who == "m01" else 5, unevaluated={"m01"}))
    assert one(report, "m01").missing
    assert "m01" not in report.quarter_stars["Q1"]


def test_branch_without_an_area_is_incomplete():
    """branch-star: a branch without an area score is 数据不全, not scored as 0 for it."""
    partial = areas(90)
    del partial["support"]
    report = run_branches(branch("b1", 90, 90).__class__("b1", "b1", partial, (), 90), branch("b2", 80, 80))
    b1 = one(report, "b1")
    assert b1.score is None and b1.stars is None and b1.rank is None and b1.follow_up is None
    assert "基础保障" in b1.missing[0]
    assert one(report, "b2").rank == 1


def test_branch_without_an_evaluation_is_incomplete():
    b1 = one(run_branches(branch("b1", 90, None), branch("b2", 80, 80)), "b1")
    assert b1.score is None and "述职评议" in b1.missing[0]


def test_partybot_score_says_who_is_incomplete(tmp_path, capsys):
    ratings = [
        {"member": "m1", "month": m, "item": i.code, "score": 9}
        for m in range(1, 13)
        for i in load_preset("star-hundred").rating.items
    ]
    path = tmp_path / "year.json"
    path.write_text(
        json.dumps({"year": YEAR, "members": [{"id": "m1", "name": "张三"}], "ratings": ratings}),
        encoding="utf-8",
    )
    assert main(["score", "--scheme", "star-hundred", "--input", str(path), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "数据不全" in out and "缺少民主测评" in out


# months under management ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joined", "rated", "months"),
    [
        ((7, 15), range(8, 13), 5),  # joined mid-July, July not rated: July does not count
        ((7, 15), range(7, 13), 6),  # joined mid-July and rated for July: it counts
        ((7, 1), range(8, 13), 6),  # joined on 1 July: the whole month under management
    ],
)
def test_the_month_of_joining_counts_when_whole_or_rated(joined, rated, months):
    """[decision] the month of joining counts only when the member was under management for the
    whole month or has ratings for it."""
    who = "new"
    r = one(star([member(who, joined=day(*joined))], monthly(who, 6, months=rated), evaluated(who, 6)), who)
    assert f"/ {months} 个月" in line(r, "political").text
    assert load_preset("star-hundred").rating.joining_month == "whole_or_rated"


def test_a_member_who_joined_after_the_year_is_not_shown_as_exempt():
    r = one(star([member(joined=day(1, 1).replace(year=YEAR + 1))]))
    assert not r.exempt and r.score is None and r.rank is None
    assert "不在本支部管理" in line(r, "not_managed").text and "免于积分" not in line(r, "not_managed").text
    assert "exempt" not in r.to_json()


def test_the_floor_line_cites_its_rule():
    """base-incentive 扣完为止: the floor line names the clause it comes from."""
    r = one(run("base-incentive", entries=[entry("gambling", 3)]))
    floor = line(r, "floor")
    assert floor.points == 0 and "扣完为止" in floor.rule


# vetoed and zeroed members rank last and are never stars ---------------------------------------


def test_a_vetoed_member_ranks_after_every_other_member():
    """twelve-point: a veto makes the member 不合格 whatever the score, and last in the ranking."""
    people = [member("a"), member("b"), member("c")]
    es = [
        entry("key_work", 3, who="a"),
        entry("key_work", 3, who="a"),
        entry("veto", 4, who="a"),
        entry("dues_late", 2, who="c"),
    ]
    report = run("twelve-point", people, es)
    assert one(report, "a").score == 16 and one(report, "a").vetoed
    assert [one(report, x).rank for x in "bca"] == [1, 2, 3]


def test_a_zeroed_member_ranks_after_a_member_with_a_lower_score():
    """pioneer-index 清零: 0 and last, even after a member whose total went below 0."""
    people = [member("z"), member("n")]
    es = [
        entry("crime", 2, who="z"),
        *(entry("gambling", m, points=-5, who="n") for m in range(1, 13)),
        *(entry("bad_speech", m, points=-5, who="n") for m in range(1, 7)),
    ]
    report = run("pioneer-index", people, es)
    assert one(report, "n").score < one(report, "z").score == 0
    assert one(report, "z").vetoed and one(report, "z").rank == 2 and one(report, "n").rank == 1


@pytest.mark.parametrize(
    "code", ["misappropriation", "serious_warning", "probation_sanction", "other_violation", "media_failure"]
)
def test_star_hundred_90_cases_are_unqualified_regardless_of_score(code):
    """细则: 以下党员该年度一律定为不合格等次 — recorded by the recorder, graded 不合格 at any score."""
    ratings, evaluations = uniform("m1", 9.8)
    r = one(star([member()], ratings, evaluations, [entry(code, 5)], scheme="star-hundred-90"))
    assert r.score == 98 and r.vetoed and r.grade == "不合格"
    assert r.stars == 5 and "限期整改通知书" in r.follow_up
    assert load_preset("star-hundred-90").item(code).source == "recorder"


def test_a_vetoed_member_is_never_a_star():
    people = members(21)
    ratings, evaluations = rated(people, lambda who: 9.9 if who == "m01" else 9.5)
    report = star(
        people, ratings, evaluations, [entry("serious_warning", 2, who="m01")], scheme="star-hundred-90"
    )
    assert "m01" not in report.quarter_stars["Q1"] and "m01" not in report.year_stars
    assert one(report, "m01").rank == 21


# duplicates and too few raters ----------------------------------------------------------------


def test_a_duplicate_rating_is_refused_naming_both_records():
    ratings = [*monthly("m1", 9), Rating("m1", 3, "study", 7)]
    with pytest.raises(InputError) as exc:
        star([member()], ratings, evaluated("m1", 9))
    text = str(exc.value)
    assert f"ratings[{len(ratings) - 1}] (member=m1, month=3, item=study)" in text
    assert f"与 ratings[{2 * 10 + 1}] 重复" in text


def test_an_evaluation_with_fewer_raters_than_the_minimum_is_refused():
    """民主测评: 全体党员和群众代表 (不少于10名): 9 raters are refused, naming the record."""
    assert load_preset("star-hundred").rating.min_mass_raters == 10
    with pytest.raises(InputError) as exc:
        star([member()], monthly("m1", 9), [Evaluation("m1", "study", 81, 9), *evaluated("m1", 9)[2:]])
    text = str(exc.value)
    assert "evaluations[0] (member=m1, item=study): 字段 scores" in text and "9 人" in text and "10" in text


def test_a_refused_evaluation_leaves_the_member_incomplete_on_the_read_path():
    report, problems = score_tolerant(
        load_preset("star-hundred"),
        ScoringInput(YEAR, [member()], ratings=monthly("m1", 9), evaluations=evaluated("m1", 9, raters=3)),
    )
    assert len(problems) == 10 and one(report).missing


# 分类排名 ----------------------------------------------------------------------------------------


def test_twelve_point_ranks_within_each_category_as_well_as_overall():
    """年底…汇总统计和分类排名: the overall rank and the rank among members of the same category."""
    people = [
        member("r1", category="rural"),
        member("r2", category="rural"),
        member("c1", category="community"),
    ]
    es = [entry("volunteer", 1, who="r1"), entry("key_work", 1, who="c1")]
    report = run("twelve-point", people, es)
    ranks = {r.id: (r.rank, r.category_rank) for r in report.members}
    assert ranks == {"c1": (1, 1), "r1": (2, 1), "r2": (3, 2)}
    assert one(report, "r2").to_json()["category_rank"] == 2


# dues ---------------------------------------------------------------------------------------------


def paid_all(who, months=range(1, 13), status="paid"):
    return [Dues(who, m, status) for m in months]


def dues_alerts(dues, people=None, **kw):
    people = people or [member("m1"), member("m2")]
    return star(people, *rated(people, lambda who: 8), dues=dues, **kw)


def test_six_months_unpaid_raise_the_self_lapse_review():
    """无正当理由连续6个月以上不交纳党费, 视为自行脱党: the bot raises it; the branch decides."""
    report = dues_alerts(
        [
            *paid_all("m2"),
            *paid_all("m1", (1, 2, 9, 10, 11, 12)),
            *(Dues("m1", m, "unpaid") for m in range(3, 9)),
        ]
    )
    alerts = one(report).alerts
    assert len(alerts) == 1 and "连续 6 个月未交纳党费" in alerts[0] and "3月 至 8月" in alerts[0]
    assert "自行脱党" in alerts[0] and one(report, "m2").alerts == []


def test_a_month_without_a_mark_counts_when_others_were_marked():
    """[decision] no record for a month the recorder marked for others counts as unpaid."""
    report = dues_alerts([*paid_all("m2"), *paid_all("m1", (1, 2, 9, 10, 11, 12))])
    assert len(one(report).alerts) == 1


def test_months_nobody_was_marked_for_raise_nothing():
    """[decision] a month with no dues marked at all is not yet recorded: no alert for anyone."""
    assert one(dues_alerts([*paid_all("m1", (1, 2)), *paid_all("m2", (1, 2))])).alerts == []


def test_late_dues_were_paid_and_five_months_are_not_six():
    report = dues_alerts([*paid_all("m2"), *paid_all("m1", status="late")])
    assert one(report).alerts == []
    report = dues_alerts([*paid_all("m2"), *paid_all("m1", (1, 2, 3, 9, 10, 11, 12))])
    assert one(report).alerts == []


def test_only_months_under_management_count_for_dues():
    """A member who joined on 1 July had no dues to pay before: January to June raise nothing."""
    people = [member("m1", joined=day(7, 1)), member("m2")]
    assert one(dues_alerts([*paid_all("m2"), *paid_all("m1", range(7, 13))], people)).alerts == []


def test_no_organizational_life_still_raises_its_own_flag():
    absent = [att("theme_day", "absent", m) for m in range(1, 7)]
    assert "组织生活" in one(dues_alerts([], attendance=absent)).alerts[0]


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        (Dues("m9", 3, "paid"), "字段 member: 未知的党员编号 “m9”"),
        (Dues("m1", 13, "paid"), "字段 month: 月份应为 1 到 12"),
        (Dues("m1", 3, "payed"), "是否应为 “paid”"),
    ],
)
def test_a_bad_dues_record_is_refused_naming_it(record, needle):
    with pytest.raises(InputError) as exc:
        dues_alerts([record])
    assert "dues[0]" in str(exc.value) and needle in str(exc.value)


def test_two_dues_records_for_one_month_are_refused():
    with pytest.raises(InputError) as exc:
        dues_alerts([Dues("m1", 3, "paid"), Dues("m1", 3, "late")])
    assert "dues[1] (member=m1, month=3): 与 dues[0] 重复" in str(exc.value)


# 年底直接评星定级 ------------------------------------------------------------------------------------


def test_an_exempt_member_given_stars_directly_has_them_with_the_grade_of_the_stars_table():
    """对年老体弱…的党员…年底…直接进行评星定级: no monthly ratings, the stars given, the grade of the table."""
    ratings, evaluations = uniform("m2", 8)
    report = star(
        [member("old", exempt=True), member("m2")],
        ratings,
        evaluations,
        direct=[DirectGrade("old", 9, "支委会评定")],
    )
    r = one(report, "old")
    assert (r.stars, r.grade, r.score, r.rank, r.exempt, r.direct) == (9, "合格", None, None, False, True)
    assert "年底直接评星定级" in line(r, "direct_grade").text and "支委会评定" in line(r, "direct_grade").text
    assert "免于积分" not in " ".join(x.text for x in r.explanation)
    shown = r.to_json()
    assert shown["direct_grade"] is True and "exempt" not in shown and shown["stars"] == 9


def test_an_exempt_member_without_a_direct_grade_stays_exempt():
    r = one(star([member("old", exempt=True)]), "old")
    assert r.exempt and lines(r, "exempt")


def test_a_direct_grade_for_a_member_who_is_not_exempt_is_refused_naming_the_record():
    ratings, evaluations = uniform("m1", 8)
    with pytest.raises(InputError) as exc:
        star([member()], ratings, evaluations, direct=[DirectGrade("m1", 9)])
    assert "direct_grades[0] (member=m1): 字段 member" in str(exc.value) and "不是免于积分" in str(exc.value)


def test_a_direct_grade_outside_the_stars_table_or_scheme_is_refused():
    with pytest.raises(InputError) as exc:
        star([member("old", exempt=True)], direct=[DirectGrade("old", 11)])
    assert "字段 stars" in str(exc.value) and "0 到 10" in str(exc.value)
    with pytest.raises(InputError) as exc:
        score(
            load_preset("twelve-point"),
            ScoringInput(YEAR, [member("old", exempt=True)], direct_grades=[DirectGrade("old", 9)]),
        )
    assert "没有年底直接评星定级" in str(exc.value)


# partybot score: every input error names the record and the field ----------------------------------


def problems_of(data):
    return read_json(data)[1]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"members": []}, "字段 year: 缺少必需的字段"),
        ({"year": "2026"}, "字段 year: 应为 整数"),
        ({"year": YEAR, "members": [{"name": "无编号"}]}, "members[0]: 字段 id: 缺少必需的字段"),
        ({"year": YEAR, "members": ["m1"]}, "members[0]: 每条记录应为 JSON 对象"),
        (
            {"year": YEAR, "members": [{"id": "m1", "exempt": "no"}]},
            "members[0] (id=m1): 字段 exempt: 应为 true 或 false",
        ),
        (
            {"year": YEAR, "members": [{"id": "m1", "joined": "2026/03/01"}]},
            "members[0] (id=m1): 字段 joined: 日期",
        ),
        ({"year": YEAR, "entries": [{"member": "m1", "date": "2026-03-01"}]}, "字段 item: 缺少必需的字段"),
        (
            {
                "year": YEAR,
                "entries": [{"member": "m1", "item": "volunteer", "date": "2026-03-01", "points": "2"}],
            },
            "字段 points: 应为 数字",
        ),
        (
            {"year": YEAR, "attendance": [{"member": "m1", "meeting": "theme_day", "date": "2026-03-01"}]},
            "attendance[0] (member=m1, meeting=theme_day, date=2026-03-01): 字段 status: 缺少必需的字段",
        ),
        (
            {"year": YEAR, "ratings": [{"member": "m1", "month": 3, "item": "study", "score": "9"}]},
            "字段 score: 应为 数字",
        ),
        (
            {"year": YEAR, "evaluations": [{"member": "m1", "item": "study", "scores": [9, "8"]}]},
            "字段 scores",
        ),
        ({"year": YEAR, "dues": [{"member": "m1", "month": 3}]}, "dues[0] (member=m1, month=3): 字段 status"),
        (
            {"year": YEAR, "direct_grades": [{"member": "m1", "stars": "9"}]},
            "direct_grades[0] (member=m1): 字段 stars",
        ),
        ({"year": YEAR, "branches": [{"name": "一支部"}]}, "branches[0]: 字段 id: 缺少必需的字段"),
        (
            {"year": YEAR, "branches": [{"id": "b1", "areas": {"leadership": "15"}}]},
            "字段 areas.leadership: 应为 数字",
        ),
        (
            {"year": YEAR, "branches": [{"id": "b1", "entries": [{"points": 5}]}]},
            "branches[0] (id=b1).entries[0]: 字段 item",
        ),
        ({"year": YEAR, "entires": []}, "未知的记录类型 “entires”, 是否应为 “entries”?"),
        ({"year": YEAR, "members": {"id": "m1"}}, "members: 应为记录的列表"),
        ([1, 2], "应为 JSON 对象"),
    ],
)
def test_every_kind_of_bad_shape_names_the_record_and_the_field(data, needle):
    found = problems_of(data)
    assert any(needle in p for p in found), found
    with pytest.raises(InputError):
        from_json(data)


def test_every_problem_is_reported_in_one_run(tmp_path, capsys):
    """Shapes and the scheme's checks together, each naming its record, with a close code suggested."""
    data = {
        "year": YEAR,
        "members": [{"id": "m01", "name": "王建国"}, {"name": "无编号"}],
        "entries": [
            {"member": "m01", "item": "award_countyy", "date": "2026-03-01"},
            {"member": "m01", "item": "volunteer", "date": "2026-03-01", "points": "1"},
        ],
        "attendance": [{"member": "m01", "meeting": "theme_dy", "date": "2026-01-05", "status": "present"}],
        "dues": [{"member": "m02", "month": 3, "status": "paid"}],
    }
    path = tmp_path / "year.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["score", "--scheme", "twelve-point", "--input", str(path)]) == 1
    err = capsys.readouterr().err
    assert "输入有 5 处错误" in err
    for needle in (
        "members[1]: 字段 id",
        "entries[0] (member=m01, item=award_countyy, date=2026-03-01): 字段 item",
        "是否应为 “award_county”?",
        "entries[1] (member=m01, item=volunteer, date=2026-03-01): 字段 points",
        "是否应为 “theme_day”?",
        "dues[0] (member=m02, month=3): 字段 member",
    ):
        assert needle in err
    assert "Traceback" not in err


def test_a_good_file_with_dues_and_direct_grades_is_read():
    data = from_json(
        {
            "year": YEAR,
            "members": [{"id": "old", "exempt": True}],
            "dues": [{"member": "old", "month": 1, "status": "paid"}],
            "direct_grades": [{"member": "old", "stars": 8, "reason": "年老体弱"}],
        }
    )
    assert data.dues == [Dues("old", 1, "paid")] and data.direct_grades == [DirectGrade("old", 8, "年老体弱")]


def test_the_star_hundred_example_shows_every_kind_of_result(capsys):
    """examples/star-hundred.json: a branch of 12 with a member given stars directly, one joined in July,
    one whose evaluation is not entered (数据不全) and one six months without dues."""
    example = Path(__file__).resolve().parents[2] / "examples" / "star-hundred.json"
    assert main(["score", "--scheme", "star-hundred", "--input", str(example)]) == 0
    report = {m["id"]: m for m in json.loads(capsys.readouterr().out)["members"]}
    assert report["m04"]["direct_grade"] and report["m04"]["stars"] == 8 and report["m04"]["rank"] is None
    assert report["m12"]["incomplete"] and report["m12"]["grade"] is None and report["m12"]["rank"] is None
    assert "5 个月" in report["m11"]["explanation"][0]["text"]
    assert any("未交纳党费" in a for a in report["m07"]["alerts"])
    assert sorted(m["rank"] for m in report.values() if m["rank"] is not None) == list(range(1, 11))


def test_scheme_show_says_which_items_need_their_points(capsys):
    assert main(["scheme", "show", "branch-star"]) == 0
    out = capsys.readouterr().out
    assert "+1 ~ +20 (须填写分值)" in out and "-100 ~ -20 (须填写分值)" in out and "默认" not in out


def test_a_publicity_board_knows_who_is_incomplete_or_graded_directly():
    from bot.scoring.standings import standings

    ratings, evaluations = uniform("m1", 8)
    data = ScoringInput(
        YEAR,
        [member("m1"), member("m2"), member("old", exempt=True)],
        ratings=ratings,
        evaluations=evaluations,
        direct_grades=[DirectGrade("old", 7)],
    )
    board = {s.id: s for s in standings(load_preset("star-hundred"), data, [(None, None)], final=True)[0]}
    assert board["m1"].rank == 1 and board["m2"].missing and board["old"].direct and board["old"].stars == 7
