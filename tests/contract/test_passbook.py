"""The red passbook (红色存折) in the chat: 存折 privately, 兑换 from the catalog's buttons or typed
with a count, the secretary's 确认兑换 / 拒绝 once, and every refusal; nothing of a balance in the
group. Every flow runs for every driver and database.

The branch's scheme here has ``[redemption]`` (at least 10 points a year, at most 5 yuan a point);
2025 is final: 张三 scored 15, the others 12.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from handlers import chatworld
from sqlalchemy import select

from bot.scoring.model import Redemption
from bot.services.common import Actor
from bot.services.passbook import GoodsSpec, PassbookService
from bot.services.publicity import Due, PublicityService, period_of_key, scheduled
from bot.storage.schema import LedgerEntry, PassbookEntry, PassbookGoods
from contract.driver import ALICE, BOB, GROUP, SECRETARY, Driver, Toast
from contract.test_backfill import private

CLAUSE = "四 年度积分60分以上的, 按照每分不高于5元的标准兑现学习或生活用品"


@pytest.fixture(autouse=True)
async def passbook(driver: Driver) -> None:
    world = driver.world
    scheme = chatworld.chat_scheme().model_copy(
        update={"redemption": Redemption(enabled=True, min_score=10, yuan_per_point_max=5, clause=CLAUSE)}
    )
    ctx = world.deps.chat.ctx
    ctx.schemes = lambda _spec: scheme
    async with world.db.uow() as uow:
        for day in (date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)):
            await uow.ledger.add(
                LedgerEntry(
                    branch_id=world.branch_id, member_id=world.ids[chatworld.ALICE], item="volunteer", points=1,
                    effective_date=day, actor="test", reason="",
                )
            )  # fmt: skip
        await uow.commit()
    publicity, period = PublicityService(ctx), period_of_key("2025")
    now = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
    window = await publicity.publish(
        Due(world.branch_id, period, scheduled(period)),
        await publicity.snapshot(world.branch_id, period),
        now,
    )
    await publicity.finalize(window.id, await publicity.final_snapshot(window.id), now)
    service = PassbookService(ctx)
    await service.add_goods(Actor(None, "cli"), world.branch_id, GoodsSpec("洗衣液", 5, 20, 2))
    await service.add_goods(Actor(None, "cli"), world.branch_id, GoodsSpec("毛巾", 2, 8, 10))


async def stock(d: Driver) -> dict[str, int]:
    async with d.world.db.uow() as uow:
        return {g.name: g.stock for g in (await uow.session.scalars(select(PassbookGoods))).all()}


async def test_the_passbook_shows_the_balance_privately(driver: Driver) -> None:
    [book] = await private(driver, ALICE, "存折")
    assert book.lines == [
        "📒 张三 的红色存折",
        "余额: 15 分",
        "计入 (年度积分公示结束、结果确定后计入, 10 分以上的年度才计入):",
        "  2025 年: 15 分, 计入 15 分",
        "还没有兑换记录。",
        "存折余额与考核积分分开: 兑换不会降低年度积分和评定等次。",
        "兑换物品: 私聊机器人发送 兑换",
    ]
    assert driver.chat(GROUP) == []


async def test_asked_in_the_group_the_passbook_goes_privately(driver: Driver) -> None:
    shown = await driver.say(BOB, "存折")
    [line] = [m for m in shown if m.where == GROUP]
    assert line.text == "已私信发给 李四"
    [book] = driver.chat(BOB)
    assert book.lines[1] == "余额: 12 分"
    [refused] = await driver.say(BOB, "兑换 洗衣液")
    assert refused.where == GROUP and refused.text == "兑换请私聊机器人发送 兑换 (存折余额不在群里公布)"
    assert all("12 分" not in m.text for m in driver.chat(GROUP))


async def test_a_member_redeems_from_the_catalog_and_the_secretary_confirms_once(driver: Driver) -> None:
    [catalog] = await private(driver, ALICE, "兑换")
    assert catalog.lines[0] == "🎁 红色存折 · 可兑换物品"
    assert "洗衣液: 5 分 (价值 20 元), 剩 2 件" in catalog.text
    assert "你的存折可用 15 分。" in catalog.text
    toast = await driver.press(ALICE, "洗衣液 5分", on=catalog)
    assert toast.text == "已提交, 等书记确认"
    asked = driver.chat(ALICE)[-1]
    assert asked.text == "已提交兑换申请 #1: 洗衣液 × 1, 需 5 分。书记确认后从存折扣除, 结果会私信告诉你。"
    card = driver.chat(SECRETARY)[-1]
    assert card.lines[0] == "🎁 兑换申请 #1" and card.labels == ["确认兑换", "拒绝"]
    assert "兑换后存折余额: 10 分" in card.text
    assert await driver.press(SECRETARY, "确认兑换", on=card) == Toast("已确认兑换")
    card = next(m for m in driver.chat(SECRETARY) if m.id == card.id)
    assert "已兑换 (确认: 王书记)" in card.lines and card.labels == []
    told = driver.chat(ALICE)[-1]
    assert told.text.startswith(
        "✅ 你的兑换申请 #1 已确认 (确认: 王书记): 洗衣液 × 1, 存折扣 5 分, 余额 10 分。"
    )
    assert await stock(driver) == {"洗衣液": 1, "毛巾": 10}
    async with driver.world.db.uow() as uow:
        [entry] = (await uow.session.scalars(select(PassbookEntry))).all()
    assert (entry.points, entry.goods, entry.source_platform) == (-5, "洗衣液", driver.name)
    [book] = await private(driver, ALICE, "存折")
    assert book.lines[1] == "余额: 10 分" and re.fullmatch(
        r"  #1 \d{4}-\d\d-\d\d 洗衣液 × 1 -5 分 \(价值 20 元, 确认: 王书记\)", book.lines[5]
    )
    assert driver.chat(GROUP) == []


async def test_a_second_press_says_it_is_decided_already(driver: Driver) -> None:
    await private(driver, ALICE, "兑换 毛巾 2")
    card = driver.chat(SECRETARY)[-1]
    stale = card.data("拒绝")
    assert await driver.press(SECRETARY, "拒绝", on=card) == Toast("已拒绝")
    assert driver.chat(ALICE)[-1].text.startswith(
        "你的兑换申请 #1 (毛巾 × 2) 没有被确认 (书记: 王书记), 存折没有扣分。"
    )
    again = await driver.press(SECRETARY, stale, on=card)
    assert again == Toast("这份申请已拒绝, 不用再按", alert=True)
    assert await stock(driver) == {"洗衣液": 2, "毛巾": 10}


async def test_redemptions_beyond_the_stock_or_the_balance_are_refused(driver: Driver) -> None:
    [stock_short] = await private(driver, ALICE, "兑换 洗衣液 3")
    assert stock_short.text == "洗衣液 只剩 2 件, 不够 3 件; 请少换几件, 或等书记补货"
    [asked] = await private(driver, ALICE, "兑换 洗衣液2件")
    assert asked.text.startswith("已提交兑换申请 #1: 洗衣液 × 2, 需 10 分。")
    [twice] = await private(driver, ALICE, "兑换 洗衣液")
    assert twice.text.startswith("你已经申请兑换 洗衣液 (申请 #1), 正在等书记确认")
    [short] = await private(driver, ALICE, "兑换 毛巾 3")
    assert (
        short.text == "存折余额 15 分 (其中 10 分已申请、等待确认), 不够这次所需的 6 分。发送 存折 可查看明细"
    )
    [unknown] = await private(driver, ALICE, "兑换 肥皂")
    assert unknown.text == "目录里没有 “肥皂”。可兑换的物品: 洗衣液、毛巾"
    [count] = await private(driver, BOB, "兑换 毛巾 两条")
    assert count.text.startswith("已提交兑换申请 #2: 毛巾 × 2, 需 4 分。")
    [pending] = await private(driver, ALICE, "存折")
    assert pending.lines[1] == "余额: 15 分 (其中 10 分已申请兑换、等待书记确认, 可用 5 分)"
    assert await stock(driver) == {"洗衣液": 2, "毛巾": 10}
