"""``partybot committee score|result|template|import|scheme``: the township committee's branch
star rating on the command line: scores superseded and kept, refusals that say what to do, the
five-star share and the weights of the committee's scheme, the Excel sheet imported all or
nothing with every bad cell named and taken once, and the result as .xlsx.

Plain sync tests: every handler runs its own ``asyncio.run``."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from integration.conftest import Cli

AREAS = ("leadership", "operation", "member_management", "org_life", "support", "role")


def _township(cli: Cli, count: int) -> None:
    for n in range(1, count + 1):
        assert (
            cli("branch", "add", f"第{n}党支部", "--scheme", "twelve-point", "--committee", "城关镇党委")[0]
            == 0
        )


def _ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert (code, err) == (0, ""), err
    return out


def _score(cli: Cli, branch: int, areas: tuple[float, ...], evaluation: float) -> None:
    for code, points in zip(AREAS, areas, strict=True):
        _ok(cli("committee", "score", "--committee", "1", "--year", "2026", "--branch", str(branch), "--area", code,
                "--points", str(points)))  # fmt: skip
    _ok(cli("committee", "score", "--committee", "1", "--year", "2026", "--branch", str(branch), "--evaluation",
            "--points", str(evaluation)))  # fmt: skip


def test_a_score_is_superseded_and_kept_and_wrong_ones_say_what_to_do(cli: Cli) -> None:
    _township(cli, 2)
    assert _ok(cli("committee", "list")) == "1  城关镇党委  支部 2 个  方案 branch-star\n"
    base = ("committee", "score", "--committee", "1", "--year", "2026", "--branch", "第1党支部")
    out = _ok(cli(*base, "--area", "班子建设", "--points", "12"))
    assert (
        "已记: 第1党支部 班子建设 12 分。" in out and "班子建设: 12 / 15 分" in out and "积分管理依据" in out
    )
    out = _ok(cli(*base, "--area", "leadership", "--points", "14"))
    assert "(取代此前的 12 分, 原记录保留)" in out and "班子建设: 14 / 15 分" in out
    code, _out, err = cli(*base, "--area", "班子", "--points", "3")
    assert code == 1 and "没有 “班子” 这个方面。可评的方面: 班子建设、工作运行" in err
    code, _out, err = cli(*base, "--deduction", "major_failure", "--points", "20")
    assert code == 1 and "须写明理由" in err
    code, _out, err = cli(*base, "--bonus", "bonus_other", "--points", "0")
    assert code == 1 and "还没有记过, 无需撤销" in err
    code, _out, err = cli("committee", "score", "--committee", "1", "--year", "2026", "--branch", "第9党支部")
    assert code == 1 and "本党委的支部: 第1党支部、第2党支部" in err
    out = _ok(cli(*base, "--deduction", "major_failure", "--points", "20", "--reason", "群体性事件"))
    assert "减分: 重大失误/重大损失/重大舆情/群体性事件: 20 分 (群体性事件)" in out
    out = _ok(cli(*base, "--deduction", "major_failure", "--points", "0"))
    assert "已撤销: 第1党支部 重大失误/重大损失/重大舆情/群体性事件 (取代此前的 20 分, 原记录保留)" in out
    assert "减分:" not in out


def test_the_five_star_share_and_the_committees_weights(cli: Cli, tmp_path: Path) -> None:
    """Four branches: at most floor(30% x 4) = 1 five-star branch, the higher total keeps it;
    then the committee rates with its own weights (0.75 / 0.25), which change every total."""
    _township(cli, 4)
    _score(cli, 1, (15, 15, 20, 20, 10, 20), 90)  # 100 x 0.7 + 90 x 0.3 = 97
    _score(cli, 2, (15, 15, 20, 20, 10, 15), 100)  # 95 x 0.7 + 30 = 96.5
    _score(cli, 3, (12, 12, 16, 16, 8, 16), 80)  # 80: four stars
    _score(cli, 4, (8, 8, 12, 12, 6, 12), 60)  # 58 x 0.7 + 18 = 58.6: one star
    out = _ok(cli("committee", "result", "--committee", "1", "--year", "2026"))
    assert "1. 第1党支部: 总分 97, 5 星级" in out
    assert "2. 第2党支部: 总分 96.5, 4 星级 (五星支部名额已满 (不超过 30%), 按 4 星计)" in out
    assert "五星级 1 个 / 共 4 个 (不超过 1 个)" in out and "整顿: 第4党支部" in out
    assert "县级抽查复核 (三、四星级 2 个中抽取不少于15%)" in out

    own = tmp_path / "wendian.toml"
    own.write_text('extends = "branch-star"\nid = "branch-star-wendian"\n[branch]\nself_weight = 0.75\n'
                   "evaluation_weight = 0.25\n", encoding="utf-8")  # fmt: skip
    assert "branch-star-wendian" in _ok(cli("committee", "set", "--committee", "1", "--scheme", str(own)))
    out = _ok(cli("committee", "result", "--committee", "1", "--year", "2026"))
    assert "1. 第1党支部: 总分 97.5, 5 星级" in out  # 100 x 0.75 + 90 x 0.25
    too_much = tmp_path / "heavy.toml"
    too_much.write_text('extends = "branch-star"\nid = "heavy"\n[branch]\nself_weight = 0.6\n'
                        "evaluation_weight = 0.4\n", encoding="utf-8")  # fmt: skip
    code, _out, err = cli("committee", "set", "--committee", "1", "--scheme", str(too_much))
    assert code != 0 and "evaluation_weight" in err
    code, _out, err = cli("committee", "set", "--committee", "1", "--deadline", "02-30")
    assert code == 1 and "请写 月-日" in err
    assert "1. 第1党支部: 总分 97.5" in _ok(cli("committee", "result", "--committee", "1", "--year", "2026"))


def test_the_sheet_is_imported_all_or_nothing_once_and_the_result_exported(cli: Cli, tmp_path: Path) -> None:
    _township(cli, 2)
    sheet = tmp_path / "评星.xlsx"
    assert "已写入" in _ok(cli("committee", "template", "--committee", "1", "--out", str(sheet)))
    book = load_workbook(sheet)
    rows = book.worksheets[0]
    assert [c.value for c in rows[1]] == ["党支部", "项目", "分值", "理由"]
    assert [(r[0].value, r[1].value) for r in rows.iter_rows(min_row=2, max_row=3)] == [
        ("第1党支部", "班子建设"), ("第1党支部", "工作运行")
    ]  # fmt: skip
    points = {"班子建设": 14, "工作运行": 13, "党员管理": 18, "组织生活": 17, "基础保障": 9, "作用发挥": 18,
              "述职评议": 88}  # fmt: skip
    for r in rows.iter_rows(min_row=2):
        r[2].value = points[str(r[1].value)]
    rows.append(["第1党支部", "county_award", 5, "县级表彰"])
    rows.append(["第2党支部", "基础保障", 12, ""])  # more than 10
    rows.append(["第3党支部", "班子建设", 10, ""])  # no such branch
    rows.append(["第2党支部", "major_failure", 20, ""])  # no reason
    rows.append(["第1党支部", "班子建设", 15, ""])  # twice
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    code, _out, err = cli("committee", "import", str(bad), "--committee", "1", "--year", "2026")
    assert code == 1
    assert (
        "第17行 C列: 基础保障 最多 10 分, 不能记 12 分" in err
        and "第18行 A列: 本党委下没有 “第3党支部”" in err
    )
    assert "第19行 D列: 重大失误/重大损失/重大舆情/群体性事件 须写明理由" in err
    assert "第20行 B列: 第1党支部 的 班子建设 在表中出现两次 (另见第2行)" in err
    assert (
        "缺少考评板块得分"
        in _ok(cli("committee", "result", "--committee", "1", "--year", "2026")).split("\n")[1]
    )

    for _ in range(4):
        rows.delete_rows(rows.max_row)
    good = tmp_path / "good.xlsx"
    book.save(good)
    assert "已导入 15 项评分" in _ok(
        cli("committee", "import", str(good), "--committee", "1", "--year", "2026")
    )
    code, _out, err = cli("committee", "import", str(good), "--committee", "1", "--year", "2026")
    assert code == 1 and "导入过" in err and "这次没有任何改动" in err  # the same file once
    out_file = tmp_path / "结果.xlsx"
    out = _ok(cli("committee", "result", "--committee", "1", "--year", "2026", "--out", str(out_file)))
    # (89 + 5) x 0.7 + 88 x 0.3 = 92.2: five stars, but at most floor(30% x 2) = 0
    assert "1. 第1党支部: 总分 92.2, 4 星级" in out and "已写入" in out
    table = list(load_workbook(out_file).worksheets[0].iter_rows(values_only=True))
    assert (
        table[1][0] == "第1党支部"
        and table[1][1:8] == (14, 13, 18, 17, 9, 18, 5)
        and table[1][10:12] == (92.2, 4)
    )
    summary = [r[0] for r in load_workbook(out_file).worksheets[1].iter_rows(values_only=True)]
    assert any("sha256" in str(line) for line in summary)
