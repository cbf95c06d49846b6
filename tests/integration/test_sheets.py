"""``partybot ratings``, ``evaluation`` and ``grades`` through ``bot.cli.main``, as a secretary's
operator runs them: a template, filled in with openpyxl as Excel would save it, imported back; on
SQLite and PostgreSQL (a fresh database each)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.scoring.engine import score
from bot.scoring.loader import load_scheme
from bot.scoring.records import DirectGrade, Evaluation, Rating
from bot.storage.read import load_year
from bot.storage.schema import (
    AuditRow,
    EvaluationResult,
    EvaluationRow,
    ImportRun,
    MemberRow,
    MonthlyRating,
)
from bot.storage.schema import (
    DirectGrade as DirectGradeRow,
)
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli

ITEMS = [
    "政治坚定",
    "学习进步",
    "遵规守纪",
    "参加组织生活",
    "按时交纳党费",
    "履职尽责",
    "服务群众",
    "承诺践诺",
    "廉洁自律",
    "品德修养",
]


def _setup(cli: Cli) -> None:
    """Branch 1 on star-hundred: 王书记, 张三 (编号 001), 李四, and 老王 who is exempt."""
    assert cli("branch", "add", "第一党支部", "--scheme", "star-hundred")[0] == 0
    for name, extra in (("王书记", []), ("张三", ["--code", "001"]), ("李四", []), ("老王", [])):
        assert cli("member", "add", "--branch", "1", name, *extra)[0] == 0
    assert cli("member", "exempt", "--branch", "1", "老王", "--reason", "年老体弱")[0] == 0


def _fill(template: Path, out: Path, rows: dict[str, dict[str, Any]], sheet_name: str | None = None) -> Path:
    """The template with cells set by member name and column header, saved as ``out``."""
    book = load_workbook(template)
    sheet = book.worksheets[0]
    if sheet_name is not None:
        sheet.title = sheet_name
    header = [c.value for c in sheet[1]]
    by_name = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    for name, cells in rows.items():
        if name not in by_name:  # a row the template does not have (someone typed it in)
            by_name[name] = sheet.max_row + 1
            sheet.cell(row=by_name[name], column=1).value = name
        for column, value in cells.items():
            sheet.cell(row=by_name[name], column=header.index(column) + 1).value = value
    book.save(out)
    return out


def _all(score_of: Callable[[int], Any]) -> dict[str, Any]:
    return {item: score_of(i) for i, item in enumerate(ITEMS)}


async def _rows(uow: UnitOfWork, model: Any) -> list[Any]:
    return list((await uow.session.scalars(select(model).order_by(model.id))).all())


@pytest.fixture
def template(cli: Cli, tmp_path: Path) -> Path:
    _setup(cli)
    path = tmp_path / "三月.xlsx"
    code, out, err = cli("ratings", "template", "--branch", "1", "--month", "2026-03", "--out", str(path))
    assert (code, err) == (0, "")
    assert out.strip() == f"已生成 {path} (3 名党员, 10 个评分项目)"
    return path


def test_the_template_lists_the_members_not_exempt_and_the_items(template: Path) -> None:
    book = load_workbook(template)
    assert book.sheetnames == ["月度评分 2026-03", "说明"]
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["姓名", "编号", *ITEMS]
    assert [(r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("王书记", None), ("张三", "001"), ("李四", None),
    ]  # fmt: skip
    notes = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r[0]}
    assert notes["党支部编号"] == "1" and notes["期间"] == "2026-03"
    assert notes["政治坚定"] == "political  0-10"


def test_a_filled_sheet_is_imported_once_with_its_source(cli: Cli, template: Path, tmp_path: Path) -> None:
    filled = _fill(template, tmp_path / "filled.xlsx", {
        "王书记": _all(lambda i: 9), "张三": _all(lambda i: 8.5 if i else 10),
    })  # fmt: skip
    code, out, err = cli("ratings", "import", str(filled))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "已导入 2026-03 月度评分: 2 名党员, 20 项评分 (文件 filled.xlsx)",
        "本次未评分 (整行留空): 李四",
    ]
    sha = hashlib.sha256(filled.read_bytes()).hexdigest()
    ratings = cli.query(lambda uow: _rows(uow, MonthlyRating))
    assert len(ratings) == 20
    assert {r.source for r in ratings} == {f"filled.xlsx sha256:{sha}"}
    assert {(r.year, r.month) for r in ratings} == {(2026, 3)}
    assert sorted((r.item, r.score) for r in ratings if r.member_id == 2)[:2] == [
        ("discipline", 8.5),
        ("dues", 8.5),
    ]
    assert next(r.score for r in ratings if r.member_id == 2 and r.item == "political") == 10

    code, again, err = cli("ratings", "import", str(filled), "--branch", "1")
    assert (code, err) == (0, "")
    assert again.startswith("filled.xlsx 已于 ") and "这次没有重复导入" in again
    assert len(cli.query(lambda uow: _rows(uow, MonthlyRating))) == 20  # nothing doubled
    [run] = cli.query(lambda uow: _rows(uow, ImportRun))
    assert (run.kind, run.sha256, run.filename, run.summary["rows"]) == ("ratings", sha, "filled.xlsx", 20)
    audit = cli.query(lambda uow: _rows(uow, AuditRow))
    assert [a.action for a in audit].count("sheets.import.ratings") == 1

    async def loaded(uow: UnitOfWork) -> list[Rating]:
        return (await load_year(uow, 1, 2026)).ratings

    read = cli.query(loaded)
    assert len(read) == 20 and Rating("1", 3, "political", 9) in read and Rating("2", 3, "study", 8.5) in read


def test_a_bad_cell_names_row_and_column_and_imports_nothing(
    cli: Cli, template: Path, tmp_path: Path
) -> None:
    rows = {"王书记": _all(lambda i: 9), "张三": _all(lambda i: 8), "路人甲": {"政治坚定": 5}}
    rows["王书记"]["遵规守纪"] = 12
    rows["张三"]["学习进步"] = "好"
    rows["张三"]["品德修养"] = None
    bad = _fill(template, tmp_path / "bad.xlsx", rows)
    code, out, err = cli("ratings", "import", str(bad))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "bad.xlsx 有 4 处错误, 什么都没有导入。请改正后重新导入:",
        "E2 格 (“遵规守纪” 列): 分数应在 0 到 10 之间, 收到 “12”",
        "D3 格 (“学习进步” 列): “好” 不是分数 (应为数字, 最多两位小数)",
        "L3 格 (“品德修养” 列): 空格: 请填分数; 整行留空表示本月不评这名党员",
        "A5 格 (“姓名” 列): 本支部名册里没有 “路人甲”",
    ]
    assert cli.query(lambda uow: _rows(uow, MonthlyRating)) == []
    assert cli.query(lambda uow: _rows(uow, ImportRun)) == []


def test_a_rating_already_recorded_or_twice_in_the_file_is_refused_naming_both(
    cli: Cli, template: Path, tmp_path: Path
) -> None:
    first = _fill(template, tmp_path / "first.xlsx", {"张三": _all(lambda i: 9)})
    assert cli("ratings", "import", str(first))[0] == 0
    again = _fill(template, tmp_path / "again.xlsx", {"张三": _all(lambda i: 7), "李四": _all(lambda i: 7)})
    code, _out, err = cli("ratings", "import", str(again))
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == "again.xlsx 有 10 处错误, 什么都没有导入。请改正后重新导入:"
    sha = hashlib.sha256(first.read_bytes()).hexdigest()[:12]
    assert lines[1] == (
        f"C3 格 (“政治坚定” 列): 张三 2026-03 “政治坚定” 已有评分 (第 1 号评分记录: 9 分, 来自 first.xlsx sha256:{sha}), 不能重复评分"
    )
    assert len(cli.query(lambda uow: _rows(uow, MonthlyRating))) == 10  # 李四's row was not imported either

    book = load_workbook(template)
    sheet = book.worksheets[0]
    for row, name in ((2, "李四"), (4, "李四")):
        sheet.cell(row=row, column=1).value = name
        for column in range(3, 13):
            sheet.cell(row=row, column=column).value = 6
    book.save(tmp_path / "twice.xlsx")
    code, _out, err = cli("ratings", "import", str(tmp_path / "twice.xlsx"))
    assert code == 1 and "A4 格 (“姓名” 列): 李四 已在第 2 行" in err.splitlines()


def test_an_exempt_member_a_wrong_sheet_or_branch_is_refused(
    cli: Cli, template: Path, tmp_path: Path
) -> None:
    exempt = _fill(template, tmp_path / "exempt.xlsx", {"老王": _all(lambda i: 9)})
    code, _out, err = cli("ratings", "import", str(exempt))
    assert code == 1 and "A5 格 (“姓名” 列): 老王 免于积分, 不参加评分" in err
    renamed = _fill(template, tmp_path / "renamed.xlsx", {"张三": _all(lambda i: 9)}, sheet_name="Sheet1")
    code, _out, err = cli("ratings", "import", str(renamed))
    assert code == 1 and err.startswith("认不出这是什么表格")
    code, _out, err = cli("ratings", "import", str(template), "--branch", "2")
    assert code == 1 and "是第 1 党支部的表格, 不是第 2 党支部的" in err
    code, _out, err = cli("ratings", "template", "--branch", "1", "--month", "2026-13")
    assert code == 1 and "月份 “2026-13” 不对" in err


def test_evaluation_results_from_a_sheet_feed_the_twenty_percent(cli: Cli, tmp_path: Path) -> None:
    _setup(cli)
    path = tmp_path / "测评.xlsx"
    assert cli("evaluation", "template", "--branch", "1", "--year", "2026", "-o", str(path))[0] == 0
    header = [c.value for c in load_workbook(path).worksheets[0][1]]
    assert header == ["姓名", "编号", "测评人数", *ITEMS]
    few = _fill(path, tmp_path / "few.xlsx", {
        "张三": {"测评人数": 15, **_all(lambda i: 8.5)}, "李四": {"测评人数": 8, **_all(lambda i: 9)},
    })  # fmt: skip
    code, _out, err = cli("evaluation", "import", str(few))
    assert code == 1 and "只有 8 人测评, 少于方案要求的 10 名群众代表" in err
    filled = _fill(path, tmp_path / "ev.xlsx", {
        "张三": {"测评人数": 15, **_all(lambda i: 8.5)}, "李四": {"测评人数": 12, **_all(lambda i: 9)},
    })  # fmt: skip
    code, out, err = cli("evaluation", "import", str(filled))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "已导入 2026 年民主测评结果: 2 名党员, 20 项 (文件 ev.xlsx)",
        "本次未评分 (整行留空): 王书记",
    ]
    [evaluation] = cli.query(lambda uow: _rows(uow, EvaluationRow))
    assert (
        evaluation.year == 2026
        and evaluation.source is not None
        and evaluation.source.startswith("ev.xlsx sha256:")
    )
    results = cli.query(lambda uow: _rows(uow, EvaluationResult))
    assert {(r.member_id, r.total, r.count) for r in results} == {(2, 127.5, 15), (3, 108, 12)}

    code, _out, err = cli("evaluation", "set", "--branch", "1", "--year", "2026", "--member", "张三",
                          "--item", "political", "--average", "9", "--raters", "15")  # fmt: skip
    assert (
        code == 1 and "张三 2026 年 “政治坚定” 已有民主测评结果 (第 1 次测评: 平均 8.5 分, 15 人测评" in err
    )
    code, out, err = cli("evaluation", "set", "--branch", "1", "--year", "2026", "--member", "王书记",
                         "--item", "政治坚定", "--average", "9.25", "--raters", "12")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == "已录入 王书记 “政治坚定” 民主测评结果: 平均 9.25 分, 12 人测评 (第 2 次测评)"
    code, _out, err = cli("evaluation", "set", "--branch", "1", "--year", "2026", "--member", "老王",
                          "--item", "study", "--average", "11", "--raters", "12")  # fmt: skip
    assert code == 1 and "老王 免于积分" in err and "分数应在 0 到 10 之间" in err

    async def scored(uow: UnitOfWork) -> tuple[list[Evaluation], float | None]:
        data = await load_year(uow, 1, 2026)
        result = score(load_scheme("star-hundred"), data)
        zhang = next(m for m in result.members if m.id == "2")
        return data.evaluations, zhang.score

    march = tmp_path / "三月.xlsx"
    assert cli("ratings", "template", "--branch", "1", "--month", "2026-03", "--out", str(march))[0] == 0
    assert (
        cli("ratings", "import", str(_fill(march, tmp_path / "r.xlsx", {"张三": _all(lambda i: 10)})))[0] == 0
    )
    evaluations, zhang = cli.query(scored)
    assert (
        Evaluation("2", "political", 127.5, 15) in evaluations
        and Evaluation("1", "political", 111, 12) in evaluations
    )
    # each item: one month of 10 over 12 months under management x 80%, plus the evaluation's 8.5 x 20%
    assert zhang == pytest.approx(10 * (10 / 12 * 0.8 + 8.5 * 0.2), abs=0.01)


def test_stars_given_directly_only_to_exempt_members_superseded_not_edited(cli: Cli) -> None:
    _setup(cli)
    base = ("grades", "set", "--branch", "1", "--year", "2026")
    code, _out, err = cli(*base, "--member", "张三", "--stars", "8", "--reason", "表现好")
    assert code == 1 and "张三 不是免于积分的党员" in err
    code, _out, err = cli(*base, "--member", "老王", "--stars", "11", "--reason", "表现好")
    assert code == 1 and "星级应在 0 到 10 之间, 收到 11" in err
    code, out, err = cli(*base, "--member", "老王", "--stars", "8", "--reason", "支部评议")
    assert (code, err, out.strip()) == (0, "", "已记录 老王 2026 年直接评星定级: 8 星 (第 1 号记录)")
    code, out, err = cli(*base, "--member", "老王", "--stars", "9", "--reason", "复议")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "已记录 老王 2026 年直接评星定级: 9 星 (第 2 号记录)",
        "取代第 1 号记录 (原记录保留, 不修改)",
    ]
    rows = cli.query(lambda uow: _rows(uow, DirectGradeRow))
    assert [(g.stars, g.reason, g.supersedes_id) for g in rows] == [(8, "支部评议", None), (9, "复议", 1)]
    assert all(g.actor.startswith("cli") for g in rows)

    async def grades(uow: UnitOfWork) -> list[DirectGrade]:
        return (await load_year(uow, 1, 2026)).direct_grades

    assert cli.query(grades) == [DirectGrade("4", 9, "复议")]

    async def exempt_ids(uow: UnitOfWork) -> list[int]:
        return [m.id for m in await _rows(uow, MemberRow) if m.exempt]

    assert cli.query(exempt_ids) == [4]


def test_the_operator_imports_for_a_member_who_holds_a_role(cli: Cli, template: Path, tmp_path: Path) -> None:
    filled = _fill(template, tmp_path / "by.xlsx", {"张三": _all(lambda i: 9)})
    code, _out, err = cli("ratings", "import", str(filled), "--by", "李四")
    assert (code, err.strip()) == (1, "只有committee/recorder/secretary可以这样做")  # 李四 holds no role
    assert cli.query(lambda uow: _rows(uow, MonthlyRating)) == []
    assert cli("member", "role", "--branch", "1", "王书记", "secretary")[0] == 0
    code, _out, err = cli("ratings", "import", str(filled), "--by", "王书记")
    assert (code, err) == (0, "")
    ratings = cli.query(lambda uow: _rows(uow, MonthlyRating))
    assert len(ratings) == 10 and {r.rated_by for r in ratings} == {1}
    [run] = cli.query(lambda uow: _rows(uow, ImportRun))
    assert run.actor.endswith(" for member:1") and run.actor.startswith("cli")
