"""A filled sheet sent to the bot in a private chat: monthly ratings (支委会逐月逐项评分) and the
results of a democratic evaluation held on paper (民主测评), on a ``star-hundred`` branch.

Every flow here runs for every driver (see ``conftest.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from handlers.chatworld import chat_scheme
from openpyxl import load_workbook
from sqlalchemy import select

from bot.scoring.loader import load_scheme
from bot.services.common import Actor
from bot.services.sheets import SheetService
from bot.storage.schema import EvaluationResult, EvaluationRow, ImportRun, MonthlyRating
from contract.driver import ALICE, GROUP, RECORDER, SECRETARY, Driver

OPERATOR = Actor(None, "cli:test")


@pytest.fixture
async def rated(driver: Driver) -> Driver:
    """The chat world's branch on ``star-hundred`` (rated monthly by its committee)."""
    star = load_scheme("star-hundred")
    sheets = driver.world.deps.sheets
    assert sheets is not None
    sheets.ctx.schemes = lambda spec: star if spec == "star-hundred" else chat_scheme()
    async with driver.world.db.uow() as uow:
        branch = await uow.branches.get(driver.world.branch_id)
        assert branch is not None
        branch.scheme = "star-hundred"
        await uow.commit()
    return driver


def _service(d: Driver) -> SheetService:
    assert d.world.deps.sheets is not None
    return d.world.deps.sheets


async def ratings_sheet(d: Driver, scores: dict[str, list[Any]], month: int = 3) -> bytes:
    """The month's template with each named member's ten scores filled in."""
    template = await _service(d).ratings_template(OPERATOR, d.world.branch_id, 2026, month)
    return _filled(template.data, scores, first=3)


async def evaluation_sheet(d: Driver, results: dict[str, list[Any]]) -> bytes:
    """The year's evaluation template: per member the number of raters, then ten averages."""
    template = await _service(d).evaluation_template(OPERATOR, d.world.branch_id, 2026)
    return _filled(template.data, results, first=3)


def _filled(data: bytes, values: dict[str, list[Any]], first: int) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    for name, cells in values.items():
        for offset, value in enumerate(cells):
            sheet.cell(row=rows[name], column=first + offset).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _ratings(d: Driver) -> list[MonthlyRating]:
    async with d.world.db.uow() as uow:
        return list((await uow.session.scalars(select(MonthlyRating).order_by(MonthlyRating.id))).all())


async def test_the_secretary_sends_the_filled_sheet_privately_and_it_is_imported_once(rated: Driver) -> None:
    d = rated
    data = await ratings_sheet(d, {"张三": [9] * 10, "李四": [8, 8, 8, 8, 8, 8, 8, 8, 8, 7.5]})
    [reply] = await d.say(SECRETARY, "", private=True, file=("三月评分.xlsx", data))
    assert reply.where == SECRETARY
    assert reply.lines == [
        "已导入 2026-03 月度评分: 2 名党员, 20 项评分 (文件 三月评分.xlsx)",
        "本次未评分 (整行留空): 王书记、赵积分员",
    ]
    ratings = await _ratings(d)
    secretary = d.world.ids["100"]
    assert len(ratings) == 20 and {r.rated_by for r in ratings} == {secretary}
    assert {r.source for r in ratings} == {f"三月评分.xlsx sha256:{hashlib.sha256(data).hexdigest()}"}
    assert d.chat(GROUP) == []  # scores are never posted in the group

    [again] = await d.say(SECRETARY, "", private=True, file=("三月评分 (1).xlsx", data))
    assert again.text.startswith("三月评分 (1).xlsx 已于 ") and again.text.endswith("这次没有重复导入")
    assert " 由 王书记 导入过" in again.text  # by name, not by the ledger's label
    assert len(await _ratings(d)) == 20  # nothing doubled
    async with d.world.db.uow() as uow:
        [run] = (await uow.session.scalars(select(ImportRun))).all()
    assert (run.kind, run.filename, run.actor) == ("ratings", "三月评分.xlsx", f"member:{secretary}")


async def test_a_sheet_with_a_bad_cell_is_answered_with_every_error_and_nothing_is_imported(
    rated: Driver,
) -> None:
    d = rated
    data = await ratings_sheet(d, {"张三": [9, 9, 11, 9, 9, 9, 9, 9, 9, None], "李四": ["优", *[8] * 9]})
    [reply] = await d.say(SECRETARY, "", private=True, file=("三月评分.xlsx", data))
    assert reply.where == SECRETARY
    assert reply.lines == [
        "三月评分.xlsx 有 3 处错误, 什么都没有导入。请改正后重新导入:",
        "E4 格 (“遵规守纪” 列): 分数应在 0 到 10 之间, 收到 “11”",
        "L4 格 (“品德修养” 列): 空格: 请填分数; 整行留空表示本月不评这名党员",
        "C5 格 (“政治坚定” 列): “优” 不是分数 (应为数字, 最多两位小数)",
    ]
    assert await _ratings(d) == []
    fixed = await ratings_sheet(d, {"张三": [9] * 10, "李四": [8] * 10})
    [done] = await d.say(SECRETARY, "", private=True, file=("三月评分.xlsx", fixed))
    assert done.lines[0] == "已导入 2026-03 月度评分: 2 名党员, 20 项评分 (文件 三月评分.xlsx)"


async def test_a_rating_already_recorded_is_refused_naming_both(rated: Driver) -> None:
    d = rated
    await d.say(RECORDER, "", private=True, file=("a.xlsx", await ratings_sheet(d, {"张三": [9] * 10})))
    [reply] = await d.say(
        RECORDER, "", private=True, file=("b.xlsx", await ratings_sheet(d, {"张三": [7] * 10}))
    )
    assert reply.lines[0] == "b.xlsx 有 10 处错误, 什么都没有导入。请改正后重新导入:"
    assert reply.lines[1].startswith(
        "C4 格 (“政治坚定” 列): 张三 2026-03 “政治坚定” 已有评分 (第 1 号评分记录: 9 分, 来自 a.xlsx sha256:"
    )
    assert [r.score for r in await _ratings(d)] == [9] * 10


async def test_only_the_schemes_roles_import_and_only_in_private(rated: Driver) -> None:
    d = rated
    [told] = await d.say(RECORDER, "帮助", private=True)
    assert "评分表: 把填好的月度评分表或民主测评结果表" in told.text
    [member_help] = await d.say(ALICE, "帮助", private=True)
    assert "评分表" not in member_help.text
    data = await ratings_sheet(d, {"张三": [9] * 10})
    [refused] = await d.say(ALICE, "", private=True, file=("我的评分.xlsx", data))
    assert refused.where == ALICE and refused.text.startswith("只有") and "可以这样做" in refused.text
    [in_group] = await d.say(SECRETARY, "", file=("三月评分.xlsx", data))
    assert in_group.where == GROUP and in_group.text == "评分表请在私聊中发给我, 不要发在群里"
    assert (
        await d.say(ALICE, "", file=("通知.pdf", b"%PDF-1.4 not a sheet")) == []
    )  # other files: not the bot's
    [not_sheet] = await d.say(SECRETARY, "", private=True, file=("通知.pdf", b"%PDF-1.4"))
    assert not_sheet.text.startswith("这个文件不是 Excel 表格 (.xlsx)")
    [broken] = await d.say(SECRETARY, "", private=True, file=("坏.xlsx", b"not a zip"))
    assert broken.text.startswith("无法读取这个文件")
    assert await _ratings(d) == []


async def test_evaluation_results_from_paper_ballots_sent_privately(rated: Driver) -> None:
    d = rated
    data = await evaluation_sheet(d, {"张三": [15, *[8.5] * 10], "李四": [8, *[9] * 10]})
    [refused] = await d.say(
        RECORDER, "", private=True, file=("测评.xlsx", data)
    )  # evaluation: approvers only
    assert refused.text.startswith("只有")
    [few] = await d.say(SECRETARY, "", private=True, file=("测评.xlsx", data))
    assert few.lines[0] == "测评.xlsx 有 1 处错误, 什么都没有导入。请改正后重新导入:"
    assert few.lines[1].endswith("只有 8 人测评, 少于方案要求的 10 名群众代表, 请补齐测评后再录入")
    data = await evaluation_sheet(d, {"张三": [15, *[8.5] * 10], "李四": [10, *[9] * 10]})
    [reply] = await d.say(SECRETARY, "", private=True, file=("测评.xlsx", data))
    assert reply.lines == [
        "已导入 2026 年民主测评结果: 2 名党员, 20 项 (文件 测评.xlsx)",
        "本次未评分 (整行留空): 王书记、赵积分员",
    ]
    async with d.world.db.uow() as uow:
        [evaluation] = (await uow.session.scalars(select(EvaluationRow))).all()
        results = (await uow.session.scalars(select(EvaluationResult))).all()
    assert evaluation.recorded_by == d.world.ids["100"] and evaluation.year == 2026
    zhang, li = d.world.ids["200"], d.world.ids["201"]
    assert {(r.member_id, r.total, r.count) for r in results} == {(zhang, 127.5, 15), (li, 90, 10)}
