"""``partybot attendance template|import`` and ``partybot dues template|import``: sheets of meetings
held offline and of a month's dues, read all or nothing with each bad cell named, taken once by
content, written as the chat writes them (attendance rows; dues marks with their ledger entries).

Plain sync tests: every handler runs its own ``asyncio.run``."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.storage.schema import (
    AttendanceRow,
    DuesPayment,
    Identity,
    ImportRun,
    LedgerEntry,
    Meeting,
    OutboxRow,
)
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli


def _branch(
    cli: Cli, scheme: str = "twelve-point", names: tuple[str, ...] = ("张三", "李四", "王五")
) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", scheme)[0] == 0
    for name in names:
        assert cli("member", "add", "--branch", "1", name)[0] == 0


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


async def _attendance(uow: UnitOfWork) -> list[tuple[str, str, int, str, bool, str | None]]:
    query = (
        select(Meeting.kind, Meeting.held_on, AttendanceRow.member_id, AttendanceRow.status, AttendanceRow.online,
               AttendanceRow.source)
        .join(Meeting, Meeting.id == AttendanceRow.meeting_id)
        .order_by(AttendanceRow.id)
    )  # fmt: skip
    return [
        (k, str(d), m, s, bool(o), src) for k, d, m, s, o, src in (await uow.session.execute(query)).tuples()
    ]


async def _entries(uow: UnitOfWork) -> list[tuple[int, str, float, bool, str | None, str | None]]:
    query = select(LedgerEntry).order_by(LedgerEntry.id)
    return [
        (e.member_id, e.item, e.points, e.reverses_id is not None, e.source_chat, e.source_message)
        for e in (await uow.session.scalars(query)).all()
    ]


async def _count(uow: UnitOfWork, model: type[DuesPayment] | type[ImportRun] | type[OutboxRow]) -> int:
    return len((await uow.session.scalars(select(model))).all())


def test_an_attendance_template_filled_in_and_imported_once(cli: Cli, tmp_path: Path) -> None:
    _branch(cli)
    path = tmp_path / "签到表.xlsx"
    code, out, _ = cli(
        "attendance",
        "template",
        "--branch",
        "1",
        "--meeting",
        "主题党日",
        "--date",
        "2026-03-05",
        "-o",
        str(path),
    )
    assert code == 0 and out.startswith(f"已生成签到表 {path}")
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["会议", "日期", "姓名", "编号", "状态"]
    assert [r[2] for r in rows[1:]] == ["张三", "李四", "王五"] and {r[4] for r in rows[1:]} == {"到会"}
    sheet["E3"] = "缺席"
    sheet["E4"] = "请假"
    book.save(path)
    code, out, err = cli("attendance", "import", str(path), "--branch", "1")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "主题党日 (2026-03-05) 会议 #1: 到会 1 人 (其中线上 0), 请假 1, 缺席 1",
        "没有配置聊天平台, 以下党员需另行告知: 李四",
    ]
    recorded = cli.query(_attendance)
    assert [(r[2], r[3]) for r in recorded] == [(1, "present"), (2, "absent"), (3, "leave")]
    assert all(
        r[:2] == ("theme_day", "2026-03-05") and r[5] and "签到表.xlsx" in r[5] and "sha256:" in r[5]
        for r in recorded
    )
    again = tmp_path / "另存.xlsx"
    again.write_bytes(path.read_bytes())
    code, out, err = cli("attendance", "import", str(again), "--branch", "1")
    assert code == 1 and out == ""
    assert (
        err.startswith("文件 另存.xlsx 的内容已在 ")
        and "(导入 #1, 当时的文件名 签到表.xlsx), 这次没有任何改动" in err
    )
    assert len(cli.query(_attendance)) == 3 and cli.query(lambda uow: _count(uow, ImportRun)) == 1


def test_an_attendance_sheet_with_bad_cells_records_nothing(cli: Cli, tmp_path: Path) -> None:
    _branch(cli)
    rows = [
        ["会议", "日期", "姓名", "编号", "状态"],
        ["党课", "2026-03-01", "张三", "", "缺席"],
        ["茶话会", "2026/13/1", "赵六", "", "迟到"],
        ["党课", "2026-03-01", "张三", "", "请假"],
        ["党课", "2099-01-01", "李四", "", "到会"],
    ]
    code, out, err = cli("attendance", "import", str(_csv(tmp_path / "a.csv", rows)), "--branch", "1")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "有 6 处问题, 什么都没有记录:",
        "第3行 A列: 没有会议类型 “茶话会”。可用: 主题党日、支部党员大会、支委会、党小组会、党课、组织生活会、民主评议党员",
        "第3行 B列: 日期 “2026/13/1” 看不懂, 请写成 2026-03-05",
        "第3行 E列: 状态 “迟到” 应为 到会、请假、缺席 或 线上",
        "第3行 C列: 名册里没有 “赵六”, 请核对姓名, 或写名册编号",
        "第4行 C列: 张三 在表中出现了两次 (另见 第2行 C列)",
        "第5行: 日期 2099-01-01 还没到, 不能补录",
    ]
    assert cli.query(_attendance) == [] and cli.query(lambda uow: _count(uow, ImportRun)) == 0


def test_a_month_of_dues_from_a_sheet_feeds_the_scheme_and_supersedes(cli: Cli, tmp_path: Path) -> None:
    _branch(cli, scheme="base-incentive")
    path = tmp_path / "党费.xlsx"
    assert cli("dues", "template", "--branch", "1", "--month", "2026-03", "-o", str(path))[0] == 0
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert next([c.value for c in r] for r in sheet.iter_rows()) == ["姓名", "编号", "状态"]
    sheet["C3"] = "迟交"
    book.save(path)
    code, out, err = cli("dues", "import", str(path), "--branch", "1", "--month", "2026-03")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["已导入 2026年3月 党费: 已交 2, 迟交 1, 未交 0, 与原登记相同 0"]
    # base-incentive has 足额缴纳党费 (+1) and no deduction for dues: a late month earns nothing
    entries = cli.query(_entries)
    assert [e[:4] for e in entries] == [(1, "dues", 1, False), (3, "dues", 1, False)]
    assert entries[0][4] == "党费.xlsx" and str(entries[0][5]).startswith("sha256:")
    code, _, err = cli("dues", "import", str(path), "--branch", "1", "--month", "2026-03")
    assert code == 1 and "这次没有任何改动" in err
    fix = _csv(tmp_path / "更正.csv", [["姓名", "状态"], ["李四", "已交"], ["王五", "未交"]])
    code, out, err = cli("dues", "import", str(fix), "--branch", "1", "--month", "2026-03")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["已导入 2026年3月 党费: 已交 1, 迟交 0, 未交 1, 与原登记相同 0"]
    assert [e[:4] for e in cli.query(_entries)] == [
        (1, "dues", 1, False), (3, "dues", 1, False), (2, "dues", 1, False), (3, "dues", -1, True),
    ]  # fmt: skip
    assert cli.query(lambda uow: _count(uow, DuesPayment)) == 5
    # the same file for another month is another month's sheet
    assert cli("dues", "import", str(fix), "--branch", "1", "--month", "2026-02")[0] == 0


def test_a_dues_sheet_with_bad_cells_marks_nothing(cli: Cli, tmp_path: Path) -> None:
    _branch(cli)
    rows = [
        ["姓名", "编号", "状态"],
        ["张三", "", "迟交"],
        ["李四", "", "交了"],
        ["", "", "已交"],
        ["赵六", "", "未交"],
    ]
    code, _, err = cli(
        "dues", "import", str(_csv(tmp_path / "d.csv", rows)), "--branch", "1", "--month", "2026-03"
    )
    assert code == 1
    assert err.splitlines() == [
        "有 3 处问题, 什么都没有记录:",
        "第3行 C列: 状态 “交了” 应为 已交、迟交 或 未交",
        "第4行 A列: 姓名和编号都是空的",
        "第5行 A列: 名册里没有 “赵六”, 请核对姓名, 或写名册编号",
    ]
    assert cli.query(lambda uow: _count(uow, DuesPayment)) == 0 and cli.query(_entries) == []
    code, _, err = cli("dues", "import", str(tmp_path / "d.csv"), "--branch", "1", "--month", "2026-3-1")
    assert code == 1 and err.strip() == "--month 应写成 2026-03, 收到 “2026-3-1”"


def test_members_with_a_deduction_are_told_through_the_bot(cli: Cli, tmp_path: Path) -> None:
    _branch(cli)
    cli.config.write_text(
        cli.config.read_text(encoding="utf-8") + '[telegram]\ntoken = "1:T"\n', encoding="utf-8"
    )

    async def link(uow: UnitOfWork) -> None:
        uow.session.add(Identity(member_id=2, platform="telegram", external_id="201"))
        await uow.commit()

    cli.query(link)
    sheet = _csv(tmp_path / "d.csv", [["姓名", "状态"], ["李四", "迟交"]])
    code, out, _ = cli("dues", "import", str(sheet), "--branch", "1", "--month", "2026-03")
    assert code == 0 and out.splitlines()[-1] == "已为 1 名党员写好私信通知, 由机器人发送"

    async def outbox(uow: UnitOfWork) -> list[tuple[str, str, str]]:
        rows = (await uow.session.scalars(select(OutboxRow))).all()
        return [(r.platform, r.chat, str(r.payload.get("text", ""))) for r in rows]

    [(platform, chat, text)] = cli.query(outbox)
    assert (platform, chat) == ("telegram", "201")
    assert text.startswith("你 2026年3月 的党费被记为 迟交 (登记人: ") and "不按时足额交纳党费 -3 分" in text
