"""党支部评星定级 on every channel: the township committee's staff member scores the branch in a
private chat (the card, an area, a bonus with its reason, the report evaluation), a wrong score
is refused in Chinese and changes nothing, a member who is not staff is refused, nothing is
answered in the group; once the year is over and the branch is fully scored the clock posts the
branch's own stars in its group, once, and the table goes privately to the staff."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from handlers.chatworld import chat_scheme
from openpyxl import load_workbook
from sqlalchemy import select

from bot.scoring.loader import load_scheme
from bot.services.committee import template_sheet
from bot.services.common import Actor, Context
from bot.storage.schema import BranchScore, Committee
from contract.driver import ALICE, BOB, GROUP, Driver

BRANCH_STAR = load_scheme("branch-star")
CHAT = chat_scheme()


async def _committee_with_staff(driver: Driver) -> None:
    """The branch under 城关镇党委 (existing since 2025), 李四 (BOB) its staff; the committee
    rates with branch-star while the branch keeps its own scheme."""
    world = driver.world
    async with world.db.uow() as uow:
        committee = Committee(name="城关镇党委", settings={})
        uow.session.add(committee)
        await uow.session.flush()
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.committee_id, branch.created_at = committee.id, datetime(2025, 1, 1, tzinfo=UTC)
        await uow.members.grant(world.ids["201"], "committee", committee_id=committee.id)
        await uow.commit()
    service = world.deps.committee
    assert service is not None
    service.ctx = Context(world.db.uow, lambda spec: BRANCH_STAR if spec == "branch-star" else CHAT)


async def _score_fully(driver: Driver) -> None:
    for area, points in (("班子建设", 14), ("工作运行", 14), ("党员管理", 18), ("组织生活", 18), ("基础保障", 9),
                         ("作用发挥", 18)):  # fmt: skip
        await driver.say(BOB, f"评星 第一党支部 {area} {points}", private=True)
    await driver.say(BOB, "评星 第一党支部 加分 county_award 5 县级表彰", private=True)
    await driver.say(BOB, "述职评议 第一党支部 90", private=True)


async def test_the_committee_scores_a_branch_in_private_and_a_wrong_score_changes_nothing(
    driver: Driver,
) -> None:
    await _committee_with_staff(driver)
    [card] = await driver.say(BOB, "评星 第一党支部", private=True)
    assert card.lines[0] == "2025年度党支部评星定级 · 第一党支部"
    assert "班子建设: 未评 (满分 15)" in card.text and "积分管理依据" in card.text
    assert "数据不全" in card.text and card.labels == ["评星结果"]
    await driver.press(BOB, "评星结果", on=card)
    assert "城关镇党委 2025年度党支部评星定级 (共 1 个支部)" in driver.chat(BOB)[-1].text

    [card] = await driver.say(BOB, "评星 第一党支部 班子建设 14", private=True)
    assert "已记: 第一党支部 班子建设 14 分。" in card.text and "班子建设: 14 / 15 分" in card.text
    [refused] = await driver.say(BOB, "评星 第一党支部 工作运行 16", private=True)
    assert "工作运行 最多 15 分, 不能记 16 分" in refused.text
    [card] = await driver.say(BOB, "评星 第一党支部 加分 county_award 5 县级表彰", private=True)
    assert "加分: 党支部或所属党员受到县级以上表彰: 5 分 (县级表彰)" in card.text
    for area, points in (
        ("工作运行", 14),
        ("党员管理", 18),
        ("组织生活", 18),
        ("基础保障", 9),
        ("作用发挥", 18),
    ):
        await driver.say(BOB, f"评星 第一党支部 {area} {points}", private=True)
    [card] = await driver.say(BOB, "述职评议 第一党支部 90", private=True)
    # (91 + 5) x 0.7 + 90 x 0.3 = 94.2: five stars, the only branch (30% of 1 is 0: capped at 4)
    assert "总分 94.2, 4 星级 (五星支部名额已满 (不超过 30%), 按 4 星计)" in card.text

    [card] = await driver.say(BOB, "评星 第一党支部 基础保障 九分", private=True)  # Chinese numerals too
    assert "基础保障: 9 / 10 分" in card.text
    [stranger] = await driver.say(ALICE, "评星 第一党支部 班子建设 15", private=True)
    assert "只有镇党委的工作人员才能评星定级" in stranger.text
    for typed in (
        "评星 第一党支部",
        "评星 第一党支部 作用发挥 1",
        "述职评议 第一党支部 10",
    ):  # in the group: nothing
        in_group = await driver.say(BOB, typed)
        assert [m.text for m in in_group] == ["评星定级只在与机器人的私聊中进行, 请私聊机器人发送。"]
    async with driver.world.db.uow() as uow:
        rows = (await uow.session.scalars(select(BranchScore))).all()
    assert len(rows) == 9  # the refused score left nothing


async def test_the_clock_posts_each_branchs_own_stars_once_and_the_table_to_the_staff(driver: Driver) -> None:
    await _committee_with_staff(driver)
    await _score_fully(driver)
    await driver.tick()  # 2025 is over and the branch fully scored: the committee's publicity
    posts = [m for m in driver.chat(GROUP) if "党支部评星定级公示" in m.text]
    assert len(posts) == 1 and "城关镇党委评定: 第一党支部 为 4 星级党支部。" in posts[0].text
    assert "94.2" not in posts[0].text and "班子建设" not in posts[0].text  # scores stay with the committee
    table = driver.chat(BOB)[-1]
    assert (
        "城关镇党委 2025年度党支部评星定级 (共 1 个支部)" in table.text and "总分 94.2, 4 星级" in table.text
    )
    await driver.tick()
    assert len([m for m in driver.chat(GROUP) if "党支部评星定级公示" in m.text]) == 1


async def test_the_result_comes_privately_as_text_and_as_the_xlsx_the_command_line_writes(
    driver: Driver,
) -> None:
    await _committee_with_staff(driver)
    await _score_fully(driver)
    shown = await driver.say(BOB, "评星结果 2025", private=True)
    assert all(m.where == BOB for m in shown)
    assert any("城关镇党委 2025年度党支部评星定级 (共 1 个支部)" in m.text for m in shown)
    [file] = [m for m in shown if m.file]
    assert file.file == "评星定级-城关镇党委-2025.xlsx"
    book = load_workbook(io.BytesIO(file.content))
    assert book.sheetnames == ["评星定级 2025", "汇总"]
    rows = [[c.value for c in row] for row in book["评星定级 2025"].iter_rows()]
    assert rows[0][0] == "党支部" and rows[0][-3:] == ["总分", "星级", "说明"]
    assert rows[1][0] == "第一党支部" and rows[1][-3:-1] == [94.2, 4]
    assert "五星支部名额已满" in rows[1][-1]
    assert not [m for m in driver.chat(GROUP) if m.file]


async def test_committee_staff_are_told_in_help_how_to_export_the_roll_up(driver: Driver) -> None:
    await _committee_with_staff(driver)
    [help_] = await driver.say(BOB, "帮助", private=True)
    assert "镇党委可以:" in help_.text
    assert "导出 汇总 2026 — 全镇各党支部积分管理情况汇总表 (Excel 文件, 私聊发给你)" in help_.text
    [member] = await driver.say(ALICE, "帮助", private=True)
    assert "镇党委可以:" not in member.text and "导出 汇总" not in member.text


def _filled(template: bytes, points: dict[str, float], *extra: list[object]) -> bytes:
    """The template with 分值 filled in by 项目 (and rows added: 党支部, 项目, 分值, 理由)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=2):
        if row[1].value in points:
            row[2].value = points[str(row[1].value)]
    for line in extra:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_staff_get_the_sheet_to_fill_in_in_the_chat(driver: Driver) -> None:
    await _committee_with_staff(driver)
    shown = await driver.say(BOB, "评星 模板", private=True)
    assert all(m.where == BOB for m in shown)
    [template] = [m for m in shown if m.file]
    assert template.file == "评星定级评分表-城关镇党委-2025.xlsx"
    assert any("这是 2025 年度评星定级评分表" in m.text for m in shown)
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["党支部", "项目", "分值", "理由"] and rows[1][0] == "第一党支部"
    assert [r[1] for r in rows[1:]] == [
        "班子建设",
        "工作运行",
        "党员管理",
        "组织生活",
        "基础保障",
        "作用发挥",
        "述职评议",
    ]
    [member] = await driver.say(ALICE, "评星 模板", private=True)  # not the committee's staff
    assert not member.file and "镇党委" in member.text


async def test_a_filled_sheet_sent_back_privately_is_recorded_all_or_nothing_and_once(driver: Driver) -> None:
    await _committee_with_staff(driver)
    service = driver.world.deps.committee
    assert service is not None
    staff = Actor(driver.world.ids["201"], f"member:{driver.world.ids['201']}")
    _name, rows = await service.template_rows(staff, None)
    template = template_sheet(rows)

    # a mistake names its cell and records nothing
    wrong = _filled(template, {"班子建设": 16})
    [refused] = await driver.say(BOB, "", private=True, file=("评星定级评分表-城关镇党委-2025.xlsx", wrong))
    assert "第2行 C列" in refused.text and "班子建设 最多 15 分" in refused.text
    [card] = await driver.say(BOB, "评星 第一党支部", private=True)
    assert "班子建设: 未评 (满分 15)" in card.text

    scores = {
        "班子建设": 14,
        "工作运行": 14,
        "党员管理": 18,
        "组织生活": 18,
        "基础保障": 9,
        "作用发挥": 18,
        "述职评议": 90,
    }
    filled = _filled(template, scores, ["第一党支部", "county_award", 5, "县级表彰"])
    name = "评星定级评分表-城关镇党委-2025(1).xlsx"  # as a phone names a file saved twice
    [done] = await driver.say(BOB, "", private=True, file=(name, filled))
    assert done.text.startswith("已记入 2025 年度评星定级 8 项评分。")
    [card] = await driver.say(BOB, "评星 第一党支部", private=True)
    assert (
        "总分 94.2, 4 星级" in card.text
        and "加分: 党支部或所属党员受到县级以上表彰: 5 分 (县级表彰)" in card.text
    )
    [again] = await driver.say(BOB, "", private=True, file=(name, filled))
    assert "由 李四 导入过" in again.text and "这次没有任何改动" in again.text

    # a member who is not the committee's staff has no say
    [member] = await driver.say(ALICE, "", private=True, file=("评星.xlsx", filled))
    assert "镇党委" in member.text and not member.text.startswith("已记入")
