"""Exports (导出): each Excel file, opened again with openpyxl, holds the engine's figures for a
seeded branch year — the points card month by month, the ledger with a reversal under what it
reverses, the publicity table, the yearly table and the township's roll-up — and only those
allowed get them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.scoring.engine import score_tolerant
from bot.scoring.loader import load_scheme, load_scheme_text
from bot.scoring.model import Scheme
from bot.scoring.result import shown
from bot.services.committee import CommitteeService
from bot.services.common import Actor, Context
from bot.services.errors import Forbidden, Invalid
from bot.services.ledger import RecordEntry
from bot.services.publicity import Due, PublicityService, period_of_key, scheduled
from bot.services.reports import ExportRequest, ReportService
from bot.storage.read import load_year
from integration.conftest import Cli
from integration.world import SCHEME_TOML, World, add_member, schemes, tiny_scheme

TODAY = date(2026, 12, 1)
OPERATOR = Actor(None, "cli:test")


async def _seed(world: World) -> int:
    """A year: volunteer work in three months (twice in March, the scheme counts one a month), key
    work of 3, a dues deduction for 李四, and one entry reversed (分值录错). The reversed entry's id."""
    ledger, rec = world.ledger, world.recorder
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    for member, item, day, points in [
        (alice, "volunteer", date(2026, 3, 2), None),
        (alice, "volunteer", date(2026, 3, 20), None),
        (alice, "volunteer", date(2026, 5, 9), None),
        (alice, "key_work", date(2026, 6, 1), 3),
        (bob, "volunteer", date(2026, 3, 2), None),
        (bob, "dues_late", date(2026, 4, 1), None),
    ]:
        await ledger.record(RecordEntry(world.branch_id, member, item, day, "记录", points), rec)
    wrong = await ledger.record(
        RecordEntry(world.branch_id, bob, "key_work", date(2026, 7, 1), "记录", 2), rec
    )
    await ledger.correct(wrong.entry_id, world.secretary, "分值录错")
    return wrong.entry_id


async def _engine(world: World, **window: Any) -> dict[str, Any]:
    """What the engine says of the branch (read with the scheme, as /me and publicity read it)."""
    scheme = tiny_scheme()
    until = window.get("until", TODAY)
    async with world.db.uow(read_only=True) as uow:
        data = await load_year(uow, world.branch_id, 2026, until=until, scheme=scheme)
    report, _ = score_tolerant(scheme, data, **{"until": until, "final": False, **window})
    return {r.name: r for r in report.members}


def _open(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def _column(sheet: Worksheet, header_row: int, label: str) -> int:
    return next(c.column for c in sheet[header_row] if c.value == label)


def _row(sheet: Worksheet, first: str) -> list[Any]:
    return next([c.value for c in row] for row in sheet.iter_rows() if row[0].value == first)


def _named(sheet: Worksheet, name: str) -> list[Any]:
    """The row whose second cell (姓名, 党支部) is ``name``."""
    return next([c.value for c in row] for row in sheet.iter_rows() if len(row) > 1 and row[1].value == name)


def _service(world: World) -> ReportService:
    return ReportService(Context(world.db.uow, schemes))


async def test_the_points_card_is_the_engines_year_month_by_month(world: World) -> None:
    await _seed(world)
    export = await _service(world).export(
        ExportRequest("card", 2026, TODAY, world.branch_id), world.secretary
    )
    book = _open(export.data)
    assert export.name == "党员积分卡-第一党支部-2026.xlsx" and export.count == 4
    assert book.sheetnames == ["书记", "积分员", "张三", "李四"]
    engine = await _engine(world)
    sheet = book["张三"]
    assert sheet["A1"].value == "党员积分卡 (党员积分制管理积分登记表) 张三"
    assert (
        sheet.freeze_panes == "C5" and sheet.print_title_rows == "$1:$4" and sheet.page_setup.paperSize == 9
    )
    assert _row(sheet, "姓名")[:4] == ["姓名", "张三", "编号", "001"]
    header = [c.value for c in sheet[4]]
    assert header[:3] == ["积分项目", "代码", "1月"] and header[14] == "全年"
    volunteer = _row(sheet, "志愿服务")
    # one a month counted: March's two entries count once, May's once
    assert (
        volunteer[1] == "volunteer"
        and volunteer[2 + 2] == 1
        and volunteer[2 + 4] == 1
        and volunteer[2] is None
    )
    counted = [line.points for line in engine["张三"].explanation if line.code == "volunteer" and line.points]
    assert volunteer[14] == shown(sum(counted)) == 2
    assert _row(sheet, "重点工作")[2 + 5] == 3
    assert (
        _row(sheet, "基础分")[14] == 12 and len([r for r in sheet.iter_rows() if r[0].value == "基础分"]) == 1
    )
    assert _row(sheet, "年度积分合计")[14] == shown(engine["张三"].score) == 17
    assert _row(sheet, "加分合计")[14] == 5 and _row(sheet, "扣分合计")[14] == 0
    bob = book["李四"]
    assert _row(bob, "不按时交纳党费")[2 + 3] == -3 and _row(bob, "扣分合计")[14] == -3
    assert _row(bob, "年度积分合计")[14] == shown(engine["李四"].score) == 10
    assert all(row[0].value != "重点工作" for row in bob.iter_rows())  # reversed: counts nowhere


async def test_a_member_exports_their_own_card_and_no_one_elses(world: World) -> None:
    await _seed(world)
    service = _service(world)
    own = await service.export(
        ExportRequest("card", 2026, TODAY, world.branch_id, member_id=world.alice.member_id), world.alice
    )
    assert own.name == "党员积分卡-张三-2026.xlsx" and _open(own.data).sheetnames == ["张三"]
    for kind, member in [("card", world.bob.member_id), ("card", None), ("ledger", None), ("annual", None)]:
        with pytest.raises(Forbidden):
            await service.export(
                ExportRequest(kind, 2026, TODAY, world.branch_id, member_id=member), world.alice
            )


async def test_the_ledger_shows_every_entry_and_each_reversal_under_what_it_reverses(world: World) -> None:
    wrong = await _seed(world)
    export = await _service(world).export(
        ExportRequest("ledger", 2026, TODAY, world.branch_id), world.recorder
    )
    sheet = _open(export.data)["台账"]
    assert sheet["A1"].value == "党员积分台账 (2026年)" and sheet.freeze_panes == "A4"
    assert [c.value for c in sheet[3]] == [
        "记录编号", "日期", "姓名", "积分项目", "代码", "分值", "记录/审核人", "事由", "来源", "冲正",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert export.count == len(rows) == 8
    first = rows[0]
    assert first[1].date() == date(2026, 3, 2) and sheet.cell(4, 2).number_format == "yyyy-mm-dd"
    assert first[2:7] == ["张三", "志愿服务", "volunteer", 1, "积分员"]
    at = next(n for n, r in enumerate(rows) if r[0] == wrong)
    original, reversal = rows[at], rows[at + 1]
    assert original[5] == 2 and reversal[5] == -2 and reversal[7] == "分值录错" and reversal[6] == "书记"
    assert original[9] == f"已被 #{reversal[0]} 冲正" and reversal[9] == f"冲正 #{wrong}"
    assert sum(r[5] for r in rows) == 1 + 1 + 1 + 3 + 1 - 3 + 2 - 2  # nothing netted away, nothing lost


async def test_the_publicity_table_and_the_yearly_table_hold_the_engines_figures(world: World) -> None:
    await _seed(world)
    service = _service(world)
    export = await service.export(
        ExportRequest("publicity", 2026, TODAY, world.branch_id, period="2026-Q2"), OPERATOR
    )
    sheet = _open(export.data)["公示栏"]
    assert sheet["A1"].value == "党员积分制管理考核公示栏 (2026-Q2)"
    header = [c.value for c in sheet[3]]
    assert "排名" not in header  # the branch shows no ranks
    period = await _engine(world, since=date(2026, 4, 1), until=date(2026, 6, 30))
    ytd = await _engine(world, until=date(2026, 6, 30))
    alice = _named(sheet, "张三")
    assert alice[header.index("本期得分")] == shown(period["张三"].score)
    assert alice[header.index("年度累计")] == shown(ytd["张三"].score) == 17
    annual = _open(
        (await service.export(ExportRequest("annual", 2026, TODAY, world.branch_id), OPERATOR)).data
    )
    table = annual["年度综合得分"]
    assert table["A1"].value == "党员年度综合得分登记表 (2026年度)"
    header = [c.value for c in table[3]]
    engine = await _engine(world)
    for name in ("张三", "李四"):
        row = _named(table, name)
        assert row[header.index("年度积分合计")] == shown(engine[name].score)
        assert row[header.index("基础分")] == 12
    bob = _named(table, "李四")
    assert bob[header.index("扣分合计")] == -3 and bob[header.index("Q2")] == 9
    with pytest.raises(Invalid):
        await service.export(
            ExportRequest("publicity", 2026, TODAY, world.branch_id, period="2026-13"), OPERATOR
        )


async def test_the_townships_roll_up_counts_each_branch_and_shows_no_stars_yet(world: World) -> None:
    await _seed(world)
    async with world.db.uow() as uow:
        second = await uow.branches.add("第二党支部", "tiny", (await uow.branches.committee("某镇党委")).id)  # type: ignore[union-attr]
        await uow.commit()
    await add_member(world.db, second.id, "王五")
    staff = world.secretary
    service = _service(world)
    with pytest.raises(Forbidden):
        await service.export(ExportRequest("committee", 2026, TODAY, committee="某镇党委"), staff)
    async with world.db.uow() as uow:
        committee = await uow.branches.committee("某镇党委")
        await uow.members.grant(staff.member_id or 0, "committee", committee_id=committee.id)  # type: ignore[union-attr]
        await uow.commit()
    seen: list[tuple[int, int]] = []
    export = await service.export(
        ExportRequest("committee", 2026, TODAY, committee="某镇党委"),
        staff,
        lambda n, of, _: seen.append((n, of)),
    )
    assert seen[-1] == (2, 2)
    sheet = _open(export.data)["汇总"]
    header = [c.value for c in sheet[3]]
    first = _named(sheet, "第一党支部")
    engine = await _engine(world)
    scores = [r.score for r in engine.values()]
    assert first[header.index("党员数")] == 4 and first[header.index("计分人数")] == 4
    assert first[header.index("平均分")] == round(float(sum(scores)) / len(scores), 2)  # type: ignore[arg-type]
    assert first[header.index("无等次")] == 4 and first[header.index("支部星级")] == "—"
    assert first[header.index("待审核申报")] == 0
    total = _named(sheet, "合计")
    assert total[header.index("党员数")] == 5
    assert any(r[0].value and "未评定" in str(r[0].value) for r in sheet.iter_rows())


BRANCH_STAR = load_scheme("branch-star")
AREAS = ("leadership", "operation", "member_management", "org_life", "support", "role")


def _with_branch_star(spec: str) -> Scheme:
    return BRANCH_STAR if spec == "branch-star" else tiny_scheme()


async def test_the_roll_up_shows_a_branchs_stars_once_the_committee_has_scored_it_fully(world: World) -> None:
    ctx = Context(world.db.uow, _with_branch_star)
    async with world.db.uow() as uow:
        committee = await uow.branches.committee("某镇党委")
        assert committee is not None
        second = await uow.branches.add("第二党支部", "tiny", committee.id)
        await uow.commit()
    await add_member(world.db, second.id, "王五")
    rating = CommitteeService(ctx)
    for code, points in zip(AREAS, (14, 13, 18, 18, 9, 17), strict=True):
        await rating.score_area(OPERATOR, committee.id, "第一党支部", 2026, code, points)
    await rating.score_evaluation(OPERATOR, committee.id, "第一党支部", 2026, 90)
    await rating.score_area(OPERATOR, committee.id, "第二党支部", 2026, "leadership", 12)  # the rest not yet
    stars = await rating.stars(committee.id, 2026)
    assert isinstance(stars[world.branch_id], int) and stars[second.id] is None
    export = await ReportService(ctx).export(
        ExportRequest("committee", 2026, TODAY, committee="某镇党委"), OPERATOR
    )
    sheet = _open(export.data)["汇总"]
    column = [c.value for c in sheet[3]].index("支部星级")
    assert _named(sheet, "第一党支部")[column] == stars[world.branch_id]
    assert _named(sheet, "第二党支部")[column] == "—"
    assert _named(sheet, "合计")[column] is None
    assert any(r[0].value and "未评定" in str(r[0].value) for r in sheet.iter_rows())


def test_the_command_line_writes_each_file_and_a_folder_for_a_whole_committee(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "twelve-point", "--committee", "某镇党委")[0] == 0
    assert cli("branch", "add", "第二党支部", "--scheme", "twelve-point", "--committee", "某镇党委")[0] == 0
    for branch, name in (("1", "张三"), ("1", "李四"), ("2", "王五")):
        assert cli("member", "add", "--branch", branch, name)[0] == 0
    assert cli("ledger", "add", "--branch", "1", "--item", "dues_late", "--member", "张三",
               "--date", "2026-03-01", "--reason", "3月党费未交")[0] == 0  # fmt: skip
    out = tmp_path / "台账.xlsx"
    code, said, err = cli("export", "ledger", "--branch", "1", "--year", "2026", "-o", str(out))
    assert (code, err) == (0, "") and said.strip() == f"已写入 {out}: 1 条记录"
    [entry] = [
        r for r in load_workbook(out)["台账"].iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)
    ]
    assert entry[2:6] == ("张三", "不按时足额交纳党费", "dues_late", -3) and entry[8] == "命令行录入"
    code, said, err = cli(
        "export", "card", "--branch", "1", "--year", "2026", "--member", "张三", "-o", str(tmp_path)
    )
    assert (code, err) == (0, "") and (tmp_path / "党员积分卡-张三-2026.xlsx").is_file()
    folder = tmp_path / "年度"
    code, said, err = cli("export", "annual", "--committee", "某镇党委", "--year", "2026", "-o", str(folder))
    assert (code, err) == (0, "")  # no progress bar off a terminal
    assert sorted(p.name for p in folder.iterdir()) == [
        "年度综合得分登记表-第一党支部-2026.xlsx", "年度综合得分登记表-第二党支部-2026.xlsx",
    ]  # fmt: skip
    code, said, err = cli(
        "export", "committee", "--committee", "某镇党委", "--year", "2026", "-o", str(tmp_path / "镇.xlsx")
    )
    assert (code, err) == (0, "") and said.strip().endswith(": 2 个党支部")
    sheet = load_workbook(tmp_path / "镇.xlsx")["汇总"]
    assert _named(sheet, "第一党支部")[3] == 2 and _named(sheet, "第二党支部")[3] == 1
    code, _, err = cli("export", "committee", "--committee", "某县", "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and "没有镇党委 “某县”" in err
    code, _, err = cli("export", "publicity", "--branch", "1", "--period", "2026年13月")
    assert code == 1 and "2026-Q3" in err


async def test_a_posted_period_is_exported_as_it_was_posted(world: World) -> None:
    await _seed(world)
    ctx = Context(world.db.uow, schemes)
    period = period_of_key("2026-Q2")
    publicity = PublicityService(ctx)
    snapshot = await publicity.snapshot(world.branch_id, period)
    await publicity.publish(Due(world.branch_id, period, scheduled(period)), snapshot, scheduled(period))
    # recorded after the posting: the table shows what was posted, as the members saw it
    await world.ledger.record(
        RecordEntry(world.branch_id, world.alice.member_id or 0, "key_work", date(2026, 5, 20), "补记", 2),
        world.recorder,
    )
    export = await _service(world).export(ExportRequest("publicity", 2026, TODAY, world.branch_id), OPERATOR)
    sheet = _open(export.data)["公示栏"]
    assert sheet["A1"].value == "党员积分制管理考核公示栏 (2026-Q2)"  # the last one posted
    header = [c.value for c in sheet[3]]
    assert _named(sheet, "张三")[header.index("年度累计")] == 17  # not 19
    assert any(r[0].value == "2026-Q2 的结果为公示时的结果 (已定稿的为定稿结果)。" for r in sheet.iter_rows())


async def test_the_roll_up_counts_the_windows_due_and_those_posted_on_time(world: World) -> None:
    monthly = load_scheme_text(SCHEME_TOML + '\n[publicity]\nperiods = ["month"]\n', "monthly.toml")
    ctx = Context(world.db.uow, lambda _spec: monthly)
    async with world.db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.created_at = datetime(2026, 1, 1, tzinfo=UTC)
        await uow.commit()
    publicity = PublicityService(ctx)
    for key, late in (("2026-09", timedelta(hours=2)), ("2026-10", timedelta(0))):
        period = period_of_key(key)
        snapshot = await publicity.snapshot(world.branch_id, period)
        await publicity.publish(
            Due(world.branch_id, period, scheduled(period)), snapshot, scheduled(period) + late
        )
    export = await ReportService(ctx).export(
        ExportRequest("committee", 2026, TODAY, committee="某镇党委"), OPERATOR
    )
    sheet = _open(export.data)["汇总"]
    header = [c.value for c in sheet[3]]
    row = _named(sheet, "第一党支部")
    # January to November are due by 1 December (November's at 09:00 that day); only October was on time
    assert row[header.index("应公示次数")] == 11 and row[header.index("按时公示")] == 1


async def test_a_reason_pasted_with_a_control_character_still_exports(world: World) -> None:
    """A reason copied from elsewhere may carry a character a workbook cannot hold (``\\x0b``): the
    ledger still exports, with the reason minus that character."""
    alice = world.alice.member_id or 0
    await world.ledger.record(
        RecordEntry(world.branch_id, alice, "volunteer", date(2026, 3, 9), "帮老人\x0b收麦子", 1),
        world.recorder,
    )
    export = await _service(world).export(
        ExportRequest("ledger", 2026, TODAY, world.branch_id), world.recorder
    )
    sheet = _open(export.data)["台账"]
    reasons = [row[7].value for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert reasons == ["帮老人收麦子"]
