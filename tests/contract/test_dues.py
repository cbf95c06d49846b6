"""党费: the recorder marks a month's dues in a private chat; a late or unpaid month is the
scheme's ``dues_late`` deduction, told to the member privately; a changed mark supersedes the
old one and reverses its entries. Every flow runs for every driver and database."""

from __future__ import annotations

from handlers import chatworld
from sqlalchemy import select

from bot.scoring.records import Dues
from bot.storage.read import load_year
from bot.storage.schema import DuesPayment, LedgerEntry, MemberRow
from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, Driver
from contract.test_backfill import add_members, private

OBJECT = (
    "如有异议, 请私信支部书记或积分员说明; 记错的会被更正 (冲销原记录, 不会改写), 公示期内也可以提出异议。"
)


async def marks(d: Driver) -> list[tuple[str, int, str, bool]]:
    """(member name, month, status, superseding an earlier row) of every dues row, in order."""
    async with d.world.db.uow() as uow:
        query = (
            select(MemberRow.name, DuesPayment.month, DuesPayment.status, DuesPayment.supersedes_id)
            .join(MemberRow, MemberRow.id == DuesPayment.member_id)
            .order_by(DuesPayment.id)
        )
        return [(n, m, s, e is not None) for n, m, s, e in (await uow.session.execute(query)).tuples()]


async def entries(d: Driver) -> list[tuple[str, str, float, bool, str]]:
    """(member name, item, points, a reversal, reason) of every ledger entry, in order."""
    async with d.world.db.uow() as uow:
        query = (
            select(
                MemberRow.name,
                LedgerEntry.item,
                LedgerEntry.points,
                LedgerEntry.reverses_id,
                LedgerEntry.reason,
            )
            .join(MemberRow, MemberRow.id == LedgerEntry.member_id)
            .order_by(LedgerEntry.id)
        )
        return [
            (n, i, p, r is not None, why) for n, i, p, r, why in (await uow.session.execute(query)).tuples()
        ]


async def test_a_month_is_marked_and_the_late_member_told_privately(driver: Driver) -> None:
    [card] = await private(driver, RECORDER, "党费 3月 已交 全部 除 李四 迟交 李四")
    assert card.lines == [
        "💰 党费 2026年3月 已登记", "已交 (3): 王书记、赵积分员、张三", "迟交 (1): 李四",
        "被扣分或扣分被冲销的党员已分别收到私信通知。",
    ]  # fmt: skip
    [told] = driver.chat(BOB)
    assert told.lines == [
        "你 2026年3月 的党费被记为 迟交 (登记人: 赵积分员)。", "扣分规则: 不按时交纳党费 -3 分 (依据: 不按时足额交纳党费一次减3分)", OBJECT,
    ]  # fmt: skip
    assert driver.chat(GROUP) == [] and driver.chat(ALICE) == []
    assert await marks(driver) == [
        ("王书记", 3, "paid", False), ("赵积分员", 3, "paid", False), ("张三", 3, "paid", False), ("李四", 3, "late", False),
    ]  # fmt: skip
    [(name, item, points, reversal, reason)] = await entries(driver)
    assert (name, item, points, reversal) == ("李四", "dues_late", -3, False)
    assert reason.startswith("党费 2026年3月: 迟交 [dues#")
    async with driver.world.db.uow() as uow:
        data = await load_year(uow, driver.world.branch_id, 2026)
    bob = str(driver.world.ids[chatworld.BOB])
    assert Dues(bob, 3, "late") in data.dues and len(data.dues) == 4
    [mine] = await private(driver, BOB, "我的积分")
    assert mine.lines[0] == "李四 2026 年积分 (截至 2026-03-10): 9 分"


async def test_a_changed_mark_supersedes_the_old_one_and_reverses_its_points(driver: Driver) -> None:
    await private(driver, RECORDER, "党费 2月 迟交 李四 张三")
    [card] = await private(driver, SECRETARY, "党费 2月 已交 李四 未交 张三")
    assert card.lines[1:3] == ["已交 (1): 李四", "未交 (1): 张三"]
    assert (
        driver.chat(BOB)[-1].text
        == "你 2026年2月 的党费登记已更正为 已交 (登记人: 王书记), 原来的扣分已冲销。"
    )
    assert driver.chat(ALICE)[-1].lines[0] == "你 2026年2月 的党费被记为 未交 (登记人: 王书记)。"
    [same] = await private(driver, RECORDER, "党费 2月 已交 李四")
    assert same.lines[1:] == ["与原登记相同, 未改动 (1): 李四"]
    assert await marks(driver) == [
        ("张三", 2, "late", False), ("李四", 2, "late", False), ("张三", 2, "unpaid", True), ("李四", 2, "paid", True),
    ]  # fmt: skip
    assert [e[:4] for e in await entries(driver)] == [
        ("张三", "dues_late", -3, False), ("李四", "dues_late", -3, False),
        ("张三", "dues_late", 3, True), ("张三", "dues_late", -3, False),  # reversed and written anew, never edited
        ("李四", "dues_late", 3, True),
    ]  # fmt: skip
    async with driver.world.db.uow() as uow:
        data = await load_year(uow, driver.world.branch_id, 2026)
    in_force = {(d.member, d.status) for d in data.dues}
    ids = driver.world.ids
    assert in_force == {(str(ids[chatworld.BOB]), "paid"), (str(ids[chatworld.ALICE]), "unpaid")}
    [alice] = await private(driver, ALICE, "我的积分")
    assert alice.lines[0] == "张三 2026 年积分 (截至 2026-03-10): 9 分"


async def test_refusals_mark_nothing(driver: Driver) -> None:
    [member] = await private(driver, ALICE, "党费 3月 迟交 李四")
    assert member.text == "只有支部书记/积分员可以这样做。"
    [group] = await driver.say(RECORDER, "党费 3月 迟交 李四")
    assert group.where == GROUP and group.text == "党费登记请私聊机器人 (扣分不在群里公布)"
    [unknown] = await private(driver, RECORDER, "党费 3月 已交 全部 除 王五")
    assert unknown.lines == ["有 1 处问题, 什么都没有记录:", "名册里没有 “王五”, 请核对姓名, 或写名册编号"]
    [future] = await private(driver, RECORDER, "党费 4月 已交 全部")
    assert future.text == "2026年4月还没到, 不能登记; 上一年的月份请写年份, 如 2025年12月"
    [usage] = await private(driver, RECORDER, "党费")
    assert usage.text.startswith("用法: 党费 3月 已交 全部 除 张三")
    [loose] = await private(driver, RECORDER, "党费 3月 李四")
    assert loose.text == "“李四” 前面缺少 已交/迟交/未交"
    [twice] = await private(driver, RECORDER, "党费 3月 迟交 李四 未交 李四")
    assert twice.text == "李四 写在了两个状态下, 请只写一次"
    await add_members(driver, "李四", code="007")
    [ambiguous] = await private(driver, RECORDER, "党费 3月 迟交 李四")
    assert ambiguous.lines[1].startswith("“李四” 有 2 人 (编号 #")
    assert await marks(driver) == [] and await entries(driver) == [] and driver.chat(BOB) == []
    [by_code] = await private(driver, RECORDER, "党费 2025年12月 迟交 007")
    assert by_code.lines[:2] == ["💰 党费 2025年12月 已登记", "迟交 (1): 李四"]
