"""导出 (export): the secretary gets the branch's ledger as an Excel file in a private chat, on
every channel; in the group the bot only says to ask privately, and sends no file there."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from contract.driver import ALICE, GROUP, RECORDER, SECRETARY, Driver, Shown


def _file(shown: list[Shown]) -> Shown:
    [file] = [m for m in shown if m.file]
    return file


def _ledger_rows(file: Shown) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(file.content))["台账"]
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]


async def test_the_ledger_comes_as_a_file_in_private_and_never_in_the_group(driver: Driver) -> None:
    await driver.say(RECORDER, "记分 党费未按时交纳 张三 3月", private=True)
    [told] = await driver.say(SECRETARY, "导出 台账", where=GROUP)
    assert told.where == GROUP and not told.file and "只能私聊发送" in told.text
    shown = await driver.say(SECRETARY, "导出 台账 2026", private=True)
    file = _file(shown)
    assert file.where == SECRETARY and file.file == "积分台账-第一党支部-2026.xlsx"
    assert all(m.where == SECRETARY for m in shown)
    assert any("积分台账-第一党支部-2026.xlsx (1 条记录)" in m.text for m in shown)
    [entry] = _ledger_rows(file)
    assert entry[2:6] == ["张三", "不按时交纳党费", "dues_late", -3] and entry[6] == "赵积分员"


async def test_export_alone_offers_the_kinds_and_a_member_gets_only_their_own_card(driver: Driver) -> None:
    [menu] = await driver.say(SECRETARY, "导出", private=True)
    assert menu.labels == ["台账", "积分卡", "公示", "年度"]
    await driver.press(SECRETARY, "积分卡", on=menu)
    cards = [m for m in driver.chat(SECRETARY) if m.file]
    assert [m.file for m in cards] == ["党员积分卡-第一党支部-2026.xlsx"]
    assert load_workbook(io.BytesIO(cards[0].content)).sheetnames == ["王书记", "赵积分员", "张三", "李四"]
    [own] = await driver.say(ALICE, "导出", private=True)
    assert own.text.startswith("要导出自己的积分卡, 发送: 导出 积分卡")
    card = _file(await driver.say(ALICE, "导出 积分卡", private=True))
    assert card.file == "党员积分卡-张三-2026.xlsx"
    assert load_workbook(io.BytesIO(card.content)).sheetnames == ["张三"]
    [refused] = await driver.say(ALICE, "导出 台账", private=True)
    assert not refused.file and refused.text.startswith("只有支部书记/积分员可以导出台账")
