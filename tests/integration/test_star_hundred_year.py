"""A whole ``star-hundred`` year of a branch of 12, built only through what a branch records —
twelve monthly rating sheets, one evaluation sheet from paper ballots, the recorder's entries, a
meeting held offline, twelve dues sheets and the stars given directly to an exempt member — scores
exactly as ``partybot score`` scores the same year written as JSON (``examples/star-hundred.json``,
with that meeting added)."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.scoring.engine import score
from bot.scoring.loader import load_scheme
from bot.storage.read import load_year
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "star-hundred.json"
STATUS = {"paid": "已交", "late": "迟交", "unpaid": "未交"}
MEETING = "2026-03-05"


def _year() -> dict[str, Any]:
    """The example year, with one theme day held offline in March (李秀英 on leave, 赵刚 absent)."""
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    present = [m for m in data["members"] if not m.get("exempt") and (m.get("joined") or "") <= MEETING]
    marks = {"m02": "leave", "m07": "absent"}
    data["attendance"] = [
        {"member": m["id"], "meeting": "theme_day", "date": MEETING, "status": marks.get(m["id"], "present")}
        for m in present
    ]
    return data


def _fill(template: Path, out: Path, rows: dict[str, dict[str, Any]]) -> Path:
    """The template with each named member's row filled by column header; other rows left empty."""
    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for r in range(2, sheet.max_row + 1):
        cells = rows.get(sheet.cell(row=r, column=1).value, {})
        for column, value in cells.items():
            sheet.cell(row=r, column=header.index(column) + 1).value = value
    book.save(out)
    return out


def _ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert (code, err) == (0, ""), err
    return out


def _build(cli: Cli, data: dict[str, Any], tmp: Path) -> None:
    scheme = load_scheme("star-hundred")
    assert scheme.rating is not None
    item_name = {i.code: i.name for i in scheme.rating.items}
    names = {m["id"]: m["name"] for m in data["members"]}
    _ok(cli("branch", "add", "示范党支部", "--scheme", "star-hundred"))
    for m in data["members"]:
        _ok(
            cli(
                "member",
                "add",
                "--branch",
                "1",
                m["name"],
                *(["--joined", m["joined"]] if m.get("joined") else []),
            )
        )
        if m.get("exempt"):
            _ok(cli("member", "exempt", "--branch", "1", m["name"], "--reason", "年老体弱"))
    for month in range(1, 13):  # 支委会逐月逐项评分: one sheet a month
        rows: dict[str, dict[str, Any]] = {}
        for r in data["ratings"]:
            if r["month"] == month:
                rows.setdefault(names[r["member"]], {})[item_name[r["item"]]] = r["score"]
        template = tmp / f"评分{month}.xlsx"
        _ok(
            cli(
                "ratings", "template", "--branch", "1", "--month", f"2026-{month:02d}", "--out", str(template)
            )
        )
        _ok(cli("ratings", "import", str(_fill(template, tmp / f"评分{month}-填.xlsx", rows))))
    evaluation: dict[str, dict[str, Any]] = {}
    for e in data["evaluations"]:  # paper ballots: per item the average and the number of raters
        cells = evaluation.setdefault(names[e["member"]], {})
        cells["测评人数"] = len(e["scores"])
        cells[item_name[e["item"]]] = round(sum(e["scores"]) / len(e["scores"]), 2)
    template = tmp / "测评.xlsx"
    _ok(cli("evaluation", "template", "--branch", "1", "--year", "2026", "-o", str(template)))
    _ok(cli("evaluation", "import", str(_fill(template, tmp / "测评-填.xlsx", evaluation))))
    for e in data["entries"]:  # the recorder's entries: commendations and criticism
        _ok(cli("ledger", "add", "--branch", "1", "--item", e["item"], "--member", names[e["member"]],
                "--date", e["date"], "--reason", "支委会记录"))  # fmt: skip
    sheet = tmp / "签到.csv"  # the theme day held offline, recorded afterwards
    with sheet.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["会议", "日期", "姓名", "编号", "状态"])
        word = {"present": "到会", "leave": "请假", "absent": "缺席"}
        for a in data["attendance"]:
            out.writerow(["主题党日", a["date"], names[a["member"]], "", word[a["status"]]])
    _ok(cli("attendance", "import", "--branch", "1", str(sheet)))
    for month in range(1, 13):  # a dues sheet a month, with the members marked that month
        marks = {names[d["member"]]: STATUS[d["status"]] for d in data["dues"] if d["month"] == month}
        path = tmp / f"党费{month}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["姓名", "编号", "状态"])
            out.writerows([name, "", status] for name, status in marks.items())
        _ok(cli("dues", "import", "--branch", "1", "--month", f"2026-{month:02d}", str(path)))
    for g in data["direct_grades"]:
        _ok(cli("grades", "set", "--branch", "1", "--year", "2026", "--member", names[g["member"]],
                "--stars", str(g["stars"]), "--reason", g["reason"]))  # fmt: skip


def _by_name(report: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The report with every member id replaced by the member's name, members keyed by name."""
    text = json.dumps(report, ensure_ascii=False)
    for member_id, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(f'"{member_id}"', json.dumps(name, ensure_ascii=False))
        text = text.replace(f"{member_id}。", f"{name}。").replace(f"{member_id}、", f"{name}、")
    shown = json.loads(text)
    shown["members"] = {m["name"]: {k: v for k, v in m.items() if k != "id"} for m in shown["members"]}
    return shown


def test_a_year_recorded_through_sheets_records_and_sign_ins_scores_as_the_json(
    cli: Cli, tmp_path: Path
) -> None:
    data = _year()
    path = tmp_path / "year.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    expected = json.loads(_ok(cli("score", "--scheme", "star-hundred", "--input", str(path))))
    _build(cli, data, tmp_path)

    async def scored(uow: UnitOfWork) -> tuple[dict[str, Any], dict[str, str]]:
        year = await load_year(uow, 1, 2026)
        return score(load_scheme("star-hundred"), year).to_json(), {m.id: m.name for m in year.members}

    got, db_names = cli.query(scored)
    json_names = {m["id"]: m["name"] for m in data["members"]}
    assert _by_name(got, db_names) == _by_name(expected, json_names)
    # the year is a real one: grades, stars, a 数据不全 member, a direct grade and 季度之星 all occur
    members = _by_name(got, db_names)["members"]
    assert {m["grade"] for m in members.values()} >= {"优秀", "合格", "基本合格", None}
    assert members["刘德顺"]["stars"] == 8 and members["孙红"]["grade"] is None
    assert all(stars == ["王建国"] for stars in _by_name(got, db_names)["quarter_stars"].values())
