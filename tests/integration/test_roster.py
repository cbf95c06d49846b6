"""Roster import (党员名册): the template, CSV in every encoding Excel writes, XLSX, every column,
all-or-nothing row errors with row numbers as Excel shows them, re-import, and the exit codes of
``partybot roster``. Service tests run on every backend (``db``), command-line tests through
``bot.cli.main`` (``cli``) as plain sync functions."""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.i18n import set_locale
from bot.services.common import Actor, Context
from bot.services.roster import COLUMNS, Imported, RosterErrors, import_roster, read_table
from bot.storage import Database
from bot.storage.schema import AuditRow, MemberRow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli
from integration.world import add_member, schemes

ADMIN = Actor(None, "cli")
Row = Sequence[Any]


@pytest.fixture(autouse=True)
def _chinese() -> None:
    set_locale("zh-CN")


@pytest.fixture
async def branch_id(db: Database) -> int:
    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "tiny")  # categories: rural 农村, community 社区
        await uow.commit()
        return branch.id


def write_csv(path: Path, rows: Sequence[Row], encoding: str = "utf-8") -> Path:
    """A CSV as Excel saves one: CRLF lines, in ``encoding`` (utf-8-sig adds the BOM)."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Row]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    book.close()
    return path


def write(path: Path, rows: Sequence[Row], kind: str) -> Path:
    if kind == "xlsx":
        return write_xlsx(path.with_suffix(".xlsx"), rows)
    return write_csv(path.with_suffix(".csv"), rows, kind)


async def import_file(db: Database, branch_id: int, path: Path) -> Imported:
    return await import_roster(Context(db.uow, schemes), branch_id, path, ADMIN)


def fields(member: MemberRow) -> tuple[Any, ...]:
    return (
        member.name,
        member.code,
        member.category,
        member.migrant,
        member.exempt,
        member.joined,
        member.phone,
    )


async def members(db: Database, branch_id: int) -> list[MemberRow]:
    async with db.uow() as uow:
        return list(await uow.members.list(branch_id))


async def counts(db: Database) -> tuple[int, int]:
    """(members, audit rows) in the whole database."""
    async with db.uow() as uow:
        people = await uow.session.scalar(select(func.count()).select_from(MemberRow))
        audit = await uow.session.scalar(select(func.count()).select_from(AuditRow))
        return int(people or 0), int(audit or 0)


async def imports(db: Database) -> list[AuditRow]:
    async with db.uow() as uow:
        query = select(AuditRow).where(AuditRow.action == "roster.import").order_by(AuditRow.id)
        return list((await uow.session.scalars(query)).all())


# ---------------------------------------------------------------- every column, every encoding

GOOD: list[Row] = [
    COLUMNS,
    ["张三", "001", "rural", "是", "否", "2020-07-01", "13800138000"],
    ["李四", "002", "农村", "否", "是", "2019/3/5", ""],
    ["王䶮", "", "社区", "", "", "2021.11.20", ""],  # 䶮: outside GBK, inside GB18030
    ["赵六", "A-7", "", "Y", "no", "", "010-1234"],
]
EXPECTED = [
    ("张三", "001", "rural", True, False, date(2020, 7, 1), "13800138000"),
    ("李四", "002", "rural", False, True, date(2019, 3, 5), None),
    ("王䶮", None, "community", False, False, date(2021, 11, 20), None),
    ("赵六", "A-7", "", True, False, None, "010-1234"),
]


@pytest.mark.parametrize("kind", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
async def test_every_column_lands_in_the_members_table(
    db: Database, branch_id: int, tmp_path: Path, kind: str
) -> None:
    rows = [list(r) for r in GOOD]
    if kind == "xlsx":  # as Excel stores them: a real date cell and a number for the phone
        rows[1][5], rows[1][6] = datetime(2020, 7, 1), 13800138000
    path = write(tmp_path / "名册", rows, kind)

    assert await import_file(db, branch_id, path) == Imported(4, [])

    imported = await members(db, branch_id)
    assert [fields(m) for m in imported] == EXPECTED
    [audit] = await imports(db)
    assert (audit.actor, audit.branch_id, audit.subject) == ("cli", branch_id, path.name)
    # 李四 comes in exempt: the import is the record of who exempted them, from which file and row
    assert audit.details == {"added": 4, "skipped": 0, "exempt": [{"member": imported[1].id, "row": 3}]}


def test_gb18030_is_what_the_file_really_is() -> None:
    """The GB18030 fixture is not valid UTF-8, so the fallback is what reads it."""
    with pytest.raises(UnicodeDecodeError):
        "王䶮".encode("gb18030").decode("utf-8")


def test_xlsx_numbers_read_as_the_sheet_shows_them(tmp_path: Path) -> None:
    """编号 typed as numbers with the format 000 keep their zeros; a phone number stored as a
    number has no ".0"; a date cell stays a date."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append(["张三", 1, "rural", "否", "否", date(2020, 7, 1), 13800138000.0])
    sheet.append(["李四", 12, "rural", "否", "否", None, 13900139000])
    sheet["B2"].number_format = "000"
    sheet["B3"].number_format = "General"
    path = tmp_path / "名册.xlsx"
    book.save(path)
    book.close()
    _, first, second = read_table(path)
    assert first[1] == "001" and first[6] == "13800138000"
    assert first[5].date() == date(2020, 7, 1)
    assert second[1] == "12" and second[6] == "13900139000"


async def test_xlsx_file_is_closed_after_reading(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名册.xlsx", GOOD)
    assert read_table(path)[0] == COLUMNS
    if not sys.platform.startswith("linux"):
        pytest.skip("open files are listed through /proc")
    fd_dir = Path("/proc/self/fd")
    open_files = set()
    for fd in os.listdir(fd_dir):
        try:
            open_files.add(os.readlink(fd_dir / fd))
        except OSError:
            continue
    assert str(path) not in open_files


# ---------------------------------------------------------------- row errors: all listed, nothing imported

BAD: list[Row] = [
    COLUMNS,  # row 1
    ["张三", "001", "rural", "是", "否", "2020-07-01", ""],  # 2: fine
    ["", "002", "rural", "否", "否", "", ""],  # 3: no name
    ["李四", "003", "", "否", "否", "2020-13-01", ""],  # 4: no 13th month
    ["王五", "004", "工人", "否", "否", "", ""],  # 5: not a category of the scheme
    ["赵六", "005", "", "也许", "否", "", ""],  # 6: neither 是 nor 否
    ["钱七", "001", "", "否", "否", "", ""],  # 7: 编号 of row 2 again
    [],  # 8: blank, skipped but counted
    ["孙八", "006", "", "否", "x", "2020-02-30", ""],  # 9: two problems
    ["周九", "007", "社区", "否", "否", "", ""],  # 10: fine
]
BAD_PROBLEMS = [
    "第 3 行: 姓名不能为空",
    "第 4 行: “入党/转入日期” 日期不存在: “2020-13-01” (请核对月份和日子)",
    "第 5 行: 类别 “工人” 不对, 可填: 农村 (rural)、社区 (community) (不填即为默认: 不区分类别)",
    "第 6 行: “流动党员” 应填 是 或 否, 收到 “也许”",
    "第 7 行: 与第 2 行重复 (编号 001)",
    "第 9 行: “免于积分” 应填 是 或 否, 收到 “x”",
    "第 9 行: “入党/转入日期” 日期不存在: “2020-02-30” (请核对月份和日子)",
]


@pytest.mark.parametrize("kind", ["utf-8-sig", "gb18030", "xlsx"])
async def test_bad_rows_are_all_listed_and_nothing_changes(
    db: Database, branch_id: int, tmp_path: Path, kind: str
) -> None:
    await add_member(db, branch_id, "老党员", code="100")
    before = await counts(db)

    with pytest.raises(RosterErrors) as caught:
        await import_file(db, branch_id, write(tmp_path / "名册", BAD, kind))

    # row numbers are the ones Excel shows: header = row 1, blank rows counted
    assert caught.value.problems == BAD_PROBLEMS
    assert str(caught.value).splitlines() == ["名册有 7 处错误, 未导入任何党员:", *BAD_PROBLEMS]
    assert await counts(db) == before
    assert [m.name for m in await members(db, branch_id)] == ["老党员"]


@pytest.mark.parametrize("order", ["coded first", "uncoded first"])
async def test_a_namesake_without_a_code_is_refused_whatever_the_order(
    db: Database, branch_id: int, tmp_path: Path, order: str
) -> None:
    """Row order used to decide whether the uncoded 张三 was skipped or became a second member."""
    coded, uncoded = ["张三", "001"], ["张三"]
    rows = [COLUMNS, coded, uncoded] if order == "coded first" else [COLUMNS, uncoded, coded]
    with pytest.raises(RosterErrors) as caught:
        await import_file(db, branch_id, write_csv(tmp_path / "名册.csv", rows))
    coded_row, uncoded_row = (2, 3) if order == "coded first" else (3, 2)
    assert caught.value.problems == [
        f"第 {uncoded_row} 行: 与第 {coded_row} 行同名 (张三) 但没有编号: 是同一人请删去一行, 是两个人请都填写编号"
    ]
    assert await members(db, branch_id) == []


async def test_same_name_without_a_code_is_a_duplicate(db: Database, branch_id: int, tmp_path: Path) -> None:
    rows = [COLUMNS, ["李四"], ["张三"], ["李四"]]
    with pytest.raises(RosterErrors) as caught:
        await import_file(db, branch_id, write_csv(tmp_path / "名册.csv", rows))
    assert caught.value.problems == ["第 4 行: 与第 2 行重复 (姓名 李四)"]
    assert await counts(db) == (0, 0)


async def test_namesakes_with_their_own_codes_are_two_members(
    db: Database, branch_id: int, tmp_path: Path
) -> None:
    """重名: two people called 张伟 with different 编号 are two members, in one file as in two."""
    rows = [COLUMNS, ["张伟", "011"], ["张伟", "012"]]
    assert await import_file(db, branch_id, write_csv(tmp_path / "名册.csv", rows)) == Imported(2, [])
    assert [(m.name, m.code) for m in await members(db, branch_id)] == [("张伟", "011"), ("张伟", "012")]


# ---------------------------------------------------------------- re-import


async def test_reimport_skips_existing_members_and_changes_nothing_about_them(
    db: Database, branch_id: int, tmp_path: Path
) -> None:
    first = [COLUMNS, ["张三", "001", "rural", "否", "否", "2020-07-01", "13800138000"], ["李四", "", "农村"]]
    assert await import_file(db, branch_id, write_csv(tmp_path / "一.csv", first)) == Imported(2, [])
    before = {m.id: (fields(m), m.created_at) for m in await members(db, branch_id)}
    zhang, li = before

    again = [
        COLUMNS,
        ["张三丰", "001", "community", "是", "是", "2021-01-01", "999"],  # same 编号: the same person
        ["李四", "", "社区", "是", "是", "", ""],  # no 编号, same name: the same person
        ["王五", "003", "", "否", "否", "", ""],  # new
    ]
    result = await import_file(db, branch_id, write_xlsx(tmp_path / "二.xlsx", again))

    assert result == Imported(
        1,
        [
            f"党员 “张三丰” (编号 001) 已在支部中 (党员 {zhang}), 已跳过, 未做任何修改",
            f"党员 “李四” (编号 -) 已在支部中 (党员 {li}), 已跳过, 未做任何修改",
        ],
    )
    after = {m.id: (fields(m), m.created_at) for m in await members(db, branch_id)}
    assert {k: after[k] for k in before} == before
    assert [fields(m) for m in await members(db, branch_id)][-1] == (
        "王五",
        "003",
        "",
        False,
        False,
        None,
        None,
    )
    assert [a.details for a in await imports(db)] == [
        {"added": 2, "skipped": 0, "exempt": []},
        {"added": 1, "skipped": 2, "exempt": []},  # 张三丰 and 李四 say 是, but were not touched
    ]


# ---------------------------------------------------------------- empty files


@pytest.mark.parametrize("kind", ["utf-8", "xlsx"])
async def test_empty_file_is_refused(db: Database, branch_id: int, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "空.csv"
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "空.xlsx", [])
    else:
        path.write_bytes(b"")
    with pytest.raises(RosterErrors) as caught:
        await import_file(db, branch_id, path)
    assert caught.value.problems == ["缺少必需的列: 姓名 (请用 partybot roster template 生成模板)"]
    assert await counts(db) == (0, 0)


async def test_header_without_name_column_is_refused(db: Database, branch_id: int, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名册.csv", [["名字", "编号"], ["张三", "001"]])
    with pytest.raises(RosterErrors) as caught:
        await import_file(db, branch_id, path)
    assert caught.value.problems == ["缺少必需的列: 姓名 (请用 partybot roster template 生成模板)"]
    assert await counts(db) == (0, 0)


@pytest.mark.parametrize("kind", ["utf-8-sig", "xlsx"])
async def test_header_only_imports_nobody(db: Database, branch_id: int, tmp_path: Path, kind: str) -> None:
    assert await import_file(db, branch_id, write(tmp_path / "名册", [COLUMNS], kind)) == Imported(0, [])
    assert await members(db, branch_id) == []


# ---------------------------------------------------------------- partybot roster ...


def _branch(cli: Cli) -> int:
    code, out, _ = cli("branch", "add", "第一党支部", "--scheme", "pioneer-index")  # 农村党员 / 社区党员
    assert code == 0
    return int(out.split()[1].rstrip(":").removeprefix("党支部"))


def _members(cli: Cli) -> list[tuple[Any, ...]]:
    async def work(uow: UnitOfWork) -> list[tuple[Any, ...]]:
        rows = await uow.session.scalars(select(MemberRow).order_by(MemberRow.id))
        return [(m.branch_id, *fields(m)) for m in rows]

    return cli.query(work)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_round_trip(cli: Cli, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"名册.{fmt}"
    code, out, err = cli("roster", "template", "--format", fmt, "-o", str(path), "--scheme", "pioneer-index")
    assert (code, out, err) == (0, f"已生成名册模板: {path}\n", "")
    assert read_table(path)[0] == COLUMNS and read_table(path)[1][0] == "张三(示例)"  # one example row
    branch = _branch(cli)
    code, out, err = cli("roster", "import", str(path), "--branch", str(branch))
    assert code == 1 and "第 2 行: 这是模板里的示例行, 请删去或改成真实的党员" in err  # imported unchanged

    filled = [
        ["张三", "001", "农村党员", "是", "否", "2020-07-01", "13800138000"],
        ["李四", "002", "社区", "否", "是", "2018/6/30", ""],
    ]
    if fmt == "csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
        with path.open("w", encoding="utf-8-sig", newline="") as out_file:
            csv.writer(out_file).writerows([COLUMNS, *filled])
    else:
        book = load_workbook(path)
        assert book.active is not None and book.active.title == "党员名册"
        # 编号 and 手机号 columns are text in Excel, so 001 keeps its zeros when typed
        assert [book.active.column_dimensions[c].number_format for c in "BG"] == ["@", "@"]
        allowed = [list(r) for r in book["可填的值"].iter_rows(values_only=True)]
        assert ["类别", "农村党员 (rural)、社区党员 (community); 不填即为默认 (不区分类别)"] in allowed
        assert ["流动党员", "是 / 否; 不填即为 否"] in allowed and [
            "免于积分",
            "是 / 否; 不填即为 否",
        ] in allowed
        book.active.delete_rows(2)  # the example row
        for row in filled:
            book.active.append(row)
        book.save(path)
        book.close()

    code, out, err = cli("roster", "import", str(path), "--branch", str(branch))
    assert (code, err) == (0, "")
    assert out == f"已导入 2 名党员到党支部 {branch}; 跳过已有党员 0 名\n"
    assert _members(cli) == [
        (branch, "张三", "001", "rural", True, False, date(2020, 7, 1), "13800138000"),
        (branch, "李四", "002", "community", False, True, date(2018, 6, 30), None),
    ]

    code, out, err = cli("roster", "import", str(path), "--branch", str(branch))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == f"已导入 0 名党员到党支部 {branch}; 跳过已有党员 2 名"
    assert "党员 “张三” (编号 001) 已在支部中" in out and "党员 “李四” (编号 002) 已在支部中" in out


def test_template_default_name(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("roster", "template")[0] == 0
    assert read_table(tmp_path / "名册模板.xlsx")[0] == COLUMNS
    assert cli("roster", "template", "--format", "csv")[0] == 0
    assert read_table(tmp_path / "名册模板.csv")[0] == COLUMNS


def test_import_with_bad_rows_exits_1_and_lists_them(cli: Cli, tmp_path: Path) -> None:
    branch = _branch(cli)
    path = write_csv(tmp_path / "名册.csv", BAD, "gb18030")
    code, out, err = cli("roster", "import", str(path), "--branch", str(branch))
    assert code == 1
    assert out == ""
    known = (
        "第 5 行: 类别 “工人” 不对, 可填: 农村党员 (rural)、社区党员 (community) (不填即为默认: 不区分类别)"
    )
    problems = [known if p.startswith("第 5 行") else p for p in BAD_PROBLEMS]
    assert err.splitlines() == ["名册有 7 处错误, 未导入任何党员:", *problems]
    assert _members(cli) == []


def test_import_into_an_unknown_branch(cli: Cli, tmp_path: Path) -> None:
    _branch(cli)
    code, out, err = cli("roster", "import", str(write_csv(tmp_path / "名册.csv", GOOD)), "--branch", "99")
    assert (code, out) == (1, "")
    assert err.strip() == "没有编号为 99 的党支部 (用 partybot branch list 查看)"
    assert _members(cli) == []


def test_import_of_empty_and_header_only_files(cli: Cli, tmp_path: Path) -> None:
    branch = _branch(cli)
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    code, out, err = cli("roster", "import", str(empty), "--branch", str(branch))
    assert (code, out) == (1, "")
    assert "缺少必需的列: 姓名" in err

    header = write_csv(tmp_path / "表头.csv", [COLUMNS], "utf-8-sig")
    code, out, err = cli("roster", "import", str(header), "--branch", str(branch))
    assert (code, out, err) == (0, f"已导入 0 名党员到党支部 {branch}; 跳过已有党员 0 名\n", "")
    assert _members(cli) == []


def test_import_of_missing_unsupported_or_broken_files(cli: Cli, tmp_path: Path) -> None:
    branch = _branch(cli)
    code, out, err = cli("roster", "import", str(tmp_path / "没有.xlsx"), "--branch", str(branch))
    assert (code, out) == (1, "")
    assert err.strip() == f"找不到文件 {tmp_path / '没有.xlsx'}"

    text = tmp_path / "名册.txt"
    text.write_text("姓名\n张三\n", encoding="utf-8")
    code, out, err = cli("roster", "import", str(text), "--branch", str(branch))
    assert (code, out) == (1, "")
    assert err.strip() == "不支持的文件格式 “.txt”, 请用 .xlsx 或 .csv"

    broken = tmp_path / "名册.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out, err = cli("roster", "import", str(broken), "--branch", str(branch))
    assert (code, out) == (1, "")
    assert err.startswith(f"无法读取文件 {broken}: ")
    assert _members(cli) == []


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("2019-02-30", "“入党/转入日期” 日期不存在: “2019-02-30” (请核对月份和日子)"),
        ("2099-01-01", "“入党/转入日期” 是将来的日期 “2099-01-01”, 请核对 (应不晚于今天)"),
        ("去年", "“入党/转入日期” 日期格式不对, 应为 2015-06-01、2015.6.1 或 2015年6月1日, 收到 “去年”"),
    ],
)
async def test_a_join_date_that_does_not_exist_or_is_to_come(
    db: Database, branch_id: int, tmp_path: Path, written: str, problem: str
) -> None:
    with pytest.raises(RosterErrors) as caught:
        await import_file(
            db,
            branch_id,
            write(tmp_path / "名册", [COLUMNS, ["张三", "", "", "", "", written, ""]], "utf-8-sig"),
        )
    assert caught.value.problems == [f"第 2 行: {problem}"]


async def test_join_dates_as_people_write_them(db: Database, branch_id: int, tmp_path: Path) -> None:
    rows: list[Row] = [
        COLUMNS,
        ["张三", "1", "", "", "", "2015年6月1日", ""],
        ["李四", "2", "", "", "", "2015.6.1", ""],
    ]
    await import_file(db, branch_id, write(tmp_path / "名册", rows, "utf-8-sig"))
    assert [m.joined for m in await members(db, branch_id)] == [date(2015, 6, 1), date(2015, 6, 1)]


async def test_a_category_error_lists_the_allowed_values_and_that_empty_is_the_default(
    db: Database, branch_id: int, tmp_path: Path
) -> None:
    with pytest.raises(RosterErrors) as caught:
        await import_file(
            db,
            branch_id,
            write(tmp_path / "名册", [COLUMNS, ["张三", "", "农民", "", "", "", ""]], "utf-8-sig"),
        )
    assert caught.value.problems == [
        "第 2 行: 类别 “农民” 不对, 可填: 农村 (rural)、社区 (community) (不填即为默认: 不区分类别)"
    ]
