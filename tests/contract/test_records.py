"""记分 (the recorder records for members), 更正 (the secretary corrects an entry) and 积分明细
(a member's entries with their numbers), with every refusal.

Every flow here runs for every driver (see ``conftest.py``), typing what the recorder and the
secretary type in a private chat with the bot."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.storage.schema import LedgerEntry
from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, Driver, Shown, Toast
from contract.flows import claim, status


def entry_numbers(shown: Shown) -> list[int]:
    return [int(n) for n in re.findall(r"\(#(\d+)\)", shown.text)]


async def entries(driver: Driver) -> list[LedgerEntry]:
    async with driver.world.db.uow() as uow:
        return list((await uow.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all())


async def test_a_recorded_deduction_is_told_privately_with_its_rule_and_never_posted_in_the_group(
    driver: Driver,
) -> None:
    ack, told = await driver.say(RECORDER, "记分 党费未按时交纳 张三 3月", private=True)
    assert ack.where == RECORDER and told.where == ALICE
    assert (
        ack.lines[0]
        == f"已记分: 不按时交纳党费 -3 分, 2026-03-01, 共 1 人: 张三 (#{entry_numbers(ack)[0]})。"
    )
    assert told.lines[0] == "赵积分员 为你记录了一条积分: 不按时交纳党费 -3 分 (2026-03-01)。"
    assert "如有异议, 请联系支部书记申请更正" in told.text
    assert driver.chat(GROUP) == []
    [entry] = await entries(driver)
    assert (entry.member_id, entry.item, entry.points) == (driver.world.ids["200"], "dues_late", -3.0)
    assert entry.actor_id == driver.world.ids["101"] and entry.reason == "不按时交纳党费"
    assert entry.source_platform == driver.name and entry.source_chat is not None


async def test_a_batch_records_one_entry_per_member_with_the_reason(driver: Driver) -> None:
    ack, *told = await driver.say(RECORDER, "记分 志愿服务 张三 李四 3月5日 清理河道", private=True)
    assert ack.lines[1] == "原因: 清理河道" and len(entry_numbers(ack)) == 2
    assert sorted(m.where for m in told) == sorted([ALICE, BOB])
    assert all("依据: 二(二)2(2) 每次加1分" in m.text for m in told)
    assert await driver.world.ledger() == sorted(
        [(driver.world.ids["200"], "volunteer", 1.0), (driver.world.ids["201"], "volunteer", 1.0)]
    )
    [again] = await driver.say(RECORDER, "记分 志愿服务 张三 李四 3月5日 清理河道", private=True)
    assert again.text.startswith("张三 在 2026-03-05 已有一条 “志愿服务” 记录")
    assert len(await driver.world.ledger()) == 2


async def test_a_batch_with_one_unknown_name_records_nothing_and_points_at_it(driver: Driver) -> None:
    [refused] = await driver.say(RECORDER, "记分 志愿服务 张三 李武 3月5日 清理河道", private=True)
    assert refused.lines == [
        "名册中没有 “李武”, 是不是 “李四”?",
        "这次什么也没有记, 请改正姓名后重新发送 (姓名须与名册一致)。",
    ]
    assert await driver.world.ledger() == []


async def test_only_the_recorder_and_the_secretary_record_and_only_privately(driver: Driver) -> None:
    [member] = await driver.say(ALICE, "记分 志愿服务 李四 3月5日", private=True)
    assert member.text == "只有支部书记/积分员可以这样做。"
    [group] = await driver.say(RECORDER, "记分 党费 张三 3月", where=GROUP)
    assert group.where == GROUP and group.text == "记分请私聊机器人发送, 以免在群里公开个人的加减分。"
    assert await driver.world.ledger() == []


async def test_items_and_points_outside_the_scheme_are_refused(driver: Driver) -> None:
    [ranged] = await driver.say(RECORDER, "记分 重点工作 张三 3月5日", private=True)
    assert ranged.text == "“重点工作” 的分值在 1 到 3 之间, 请写明分值, 如 扣4分。什么也没有记。"
    [outside] = await driver.say(RECORDER, "记分 重点工作 张三 5分 3月5日", private=True)
    assert outside.text == "“重点工作” 的分值在 1 到 3 之间, 收到 5。什么也没有记。"
    [fixed] = await driver.say(RECORDER, "记分 志愿服务 张三 2分 3月5日", private=True)
    assert fixed.text == "“志愿服务” 的分值固定为 1 分, 不用写分值。什么也没有记。"
    [attendance] = await driver.say(RECORDER, "记分 absent_theme_day 张三 3月5日", private=True)
    assert attendance.labels[-1] == "取消"  # a sign-in item is not among the recordable ones: pick one
    assert "无故缺席主题党日" not in attendance.labels
    [future] = await driver.say(RECORDER, "记分 志愿服务 张三 3月20日", private=True)
    assert "2026-03-20" in future.text
    [bad_day] = await driver.say(RECORDER, "记分 志愿服务 张三 2月30日", private=True)
    assert (
        bad_day.text == "“2月30日” 不是一个确切的日子, 请写明哪一天 (如 3月12日) 或哪个月 (如 3月) 再发送。"
    )
    [vague] = await driver.say(RECORDER, "记分 志愿服务 张三 3月初", private=True)
    assert vague.text.startswith("“3月初” 不是一个确切的日子")
    [chinese, _told] = await driver.say(RECORDER, "记分 党费 张三 二月", private=True)
    assert chinese.lines[0].startswith("已记分: 不按时交纳党费 -3 分, 2026-02-01")
    [done, _told] = await driver.say(RECORDER, "记分 重点工作 张三 2分 3月5日 乡村振兴", private=True)
    assert done.lines[0].startswith("已记分: 重点工作 +2 分, 2026-03-05")
    alice = driver.world.ids["200"]
    assert await driver.world.ledger() == [(alice, "dues_late", -3.0), (alice, "key_work", 2.0)]


async def test_no_names_offers_the_roster_to_tick_and_a_second_press_changes_nothing(driver: Driver) -> None:
    [card] = await driver.say(RECORDER, "记分 志愿服务 3月5日 打扫会场", private=True)
    assert card.labels == ["王书记", "赵积分员", "张三", "李四", "确认记分 (0 人)", "取消"]
    await driver.press(RECORDER, "张三", on=card)
    await driver.press(RECORDER, "李四", on=card)
    await driver.press(RECORDER, "☑ 李四", on=card)
    assert card.labels == ["王书记", "赵积分员", "☑ 张三", "李四", "确认记分 (1 人)", "取消"]
    stale = card.data("确认记分 (1 人)")
    await driver.press(RECORDER, "确认记分 (1 人)", on=card)
    assert card.text.startswith("已记分: 志愿服务 +1 分, 2026-03-05, 共 1 人: 张三")
    assert await driver.press(RECORDER, stale, on=card) == Toast("这个选择已经做过了, 没有改动。", alert=True)
    assert await driver.world.ledger() == [(driver.world.ids["200"], "volunteer", 1.0)]


async def test_an_ambiguous_item_is_picked_with_buttons_and_cancel_records_nothing(driver: Driver) -> None:
    [pick] = await driver.say(RECORDER, "记分 表彰 李四 3月5日", private=True)
    assert pick.labels == ["受乡级表彰", "受县级表彰", "取消"]
    await driver.press(RECORDER, "受县级表彰", on=pick)
    assert pick.text.startswith("已记分: 受县级表彰 +3 分, 2026-03-05, 共 1 人: 李四")
    [again] = await driver.say(RECORDER, "记分 表彰 张三 3月5日", private=True)
    await driver.press(RECORDER, "取消", on=again)
    assert again.text == "已取消, 没有记分。"
    assert await driver.world.ledger() == [(driver.world.ids["201"], "award_county", 3.0)]


async def test_the_secretary_corrects_an_entry_once_and_the_member_is_told(driver: Driver) -> None:
    [ack, _told] = await driver.say(RECORDER, "记分 重点工作 张三 1分 3月5日 乡村振兴", private=True)
    [number] = entry_numbers(ack)
    [usage] = await driver.say(SECRETARY, "更正", private=True)
    assert usage.lines[0] == "更正的写法: 更正 记录编号 原因, 例如:"
    [no_reason] = await driver.say(SECRETARY, f"更正 {number}", private=True)
    assert no_reason.text == f"请写明更正的原因, 例如: 更正 {number} 重复记录"
    [member] = await driver.say(ALICE, f"更正 {number} 不对", private=True)
    assert member.text == "只有支部书记/积分员可以这样做。"
    done, told = await driver.say(SECRETARY, f"更正 {number} 改为 3分 分值录错", private=True)
    assert done.where == SECRETARY and told.where == ALICE and driver.chat(GROUP) == []
    assert done.lines[0].startswith(f"已更正 张三 的记录 #{number} (2026-03-05 重点工作 +1)")
    assert "新记录 #" in done.lines[0] and told.lines[-1] == "发送 积分明细 可查看。"
    [twice] = await driver.say(SECRETARY, f"更正 {number} 分值录错", private=True)
    assert twice.text.startswith(f"台账记录 {number} 已被冲销")
    rows = await entries(driver)
    assert [(r.points, r.reverses_id) for r in rows] == [(1.0, None), (-1.0, number), (3.0, None)]
    assert rows[2].reason == f"更正 #{number}: 分值录错"
    [unknown] = await driver.say(SECRETARY, "更正 999 重复", private=True)
    assert unknown.text == "台账中没有编号为 999 的记录"


async def test_entries_show_numbers_who_and_the_corrections(driver: Driver) -> None:
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    [ack, _] = await driver.say(RECORDER, "记分 党费 张三 3月", private=True)
    [number] = entry_numbers(ack)
    await driver.say(SECRETARY, f"更正 {number} 已补交", private=True)
    [mine, line] = await driver.say(ALICE, "积分明细", where=GROUP)
    assert mine.where == ALICE and line.where == GROUP and line.text == "张三, 积分明细已私信发给你。"
    assert mine.lines[0] == "张三 2026 年积分明细 (共 3 条):"
    assert (
        mine.lines[1] == f"#{number} 2026-03-01 不按时交纳党费 -3 (赵积分员 记录) — 已更正, 见 #{number + 1}"
    )
    assert mine.lines[2] == f"#{number + 1} 2026-03-01 冲正 #{number} +3 (王书记: 已补交)"
    assert mine.lines[3].endswith("2026-03-05 志愿服务 +1 (王书记 审核)")
    [theirs] = await driver.say(SECRETARY, "积分明细 张三", private=True)
    assert theirs.lines[1:4] == mine.lines[1:4]
    [other] = await driver.say(BOB, "积分明细 张三", private=True)
    assert other.text == "只有支部书记/积分员可以这样做。"
    [points] = await driver.say(ALICE, "我的积分", private=True)
    assert points.lines[-1] == "每条记录及编号: 发送 积分明细"
    [typo] = await driver.say(SECRETARY, "积分明细 张山", private=True)
    assert typo.text == "名册中没有 “张山”。是不是 “张三”?"


async def test_with_the_branchs_confirmation_a_recorders_entry_waits_for_the_secretary(
    driver: Driver,
) -> None:
    await driver.world.set_branch(confirm_records=True)
    ack, card = await driver.say(RECORDER, "记分 党费 李四 3月", private=True)
    assert ack.lines[0].startswith("已提交支部核定: 不按时交纳党费 -3 分, 2026-03-01, 共 1 人: 李四")
    assert card.where == SECRETARY and "代记人: 赵积分员" in card.lines and driver.chat(GROUP) == []
    assert await driver.world.ledger() == []
    toast = await driver.press(RECORDER, "a:" + card.data("通过").partition(":")[2], on=card)
    assert (
        toast == Toast("这条是你本人记录的, 须由支部书记核定。", alert=True)
        and await driver.world.ledger() == []
    )
    await driver.press(SECRETARY, "通过", on=card)
    assert status(card).startswith("状态: ✅ 已通过 (审核人: 王书记")
    assert await driver.world.ledger() == [(driver.world.ids["201"], "dues_late", -3.0)]
    [direct, _told] = await driver.say(
        SECRETARY, "记分 党费 张三 3月", private=True
    )  # the secretary: no wait
    assert direct.lines[0].startswith("已记分:")
