"""Who is who: /bind, /join (by code, by name confirmed by the secretary), 帮助, 我的积分, 排行,
待审核, and the refusals (unknown command, unbound group, unlinked account, anonymous admin).

Every flow here runs for every driver (see ``conftest.py``); the ones that link a platform's
accounts or chats are skipped for a driver whose platform has none (the console)."""

from __future__ import annotations

import pytest

from bot.services.common import Actor
from bot.storage.schema import MemberRow
from contract.driver import ALICE, BOB, ELSEWHERE, GROUP, RECORDER, SECRETARY, STRANGER, Driver, Toast
from contract.flows import claim, claim_number, status


def needs_accounts(driver: Driver) -> None:
    if not driver.accounts:
        pytest.skip(f"{driver.name} has no accounts or chats to link: its accounts are the member ids")


async def new_member(driver: Driver, name: str = "孙五") -> int:
    async with driver.world.db.uow() as uow:
        member = await uow.members.add(MemberRow(branch_id=driver.world.branch_id, name=name))
        await uow.commit()
        return member.id


async def code_for(driver: Driver, member_id: int | None = None) -> str:
    return await driver.world.deps.invites.issue(Actor(None, "cli"), driver.world.branch_id, member_id)


async def test_bind_by_the_secretary_then_claims_work_in_that_group(driver: Driver) -> None:
    needs_accounts(driver)
    code = await code_for(driver)
    [unbound] = await driver.say(ALICE, "申报 志愿服务 3月5日", where=ELSEWHERE)
    assert unbound.text == "本群尚未绑定党支部, 请支部书记先发送 /bind 绑定码。"
    [refused] = await driver.say(BOB, f"/bind {code}", where=ELSEWHERE)
    assert refused.text == "只有支部书记/党委可以这样做。"
    [private] = await driver.say(SECRETARY, f"/bind {code}", private=True)
    assert private.text == "请在要绑定的群里发送 /bind 绑定码"
    [bound] = await driver.say(SECRETARY, f"绑定 {code}", where=ELSEWHERE)
    assert bound.where == ELSEWHERE and bound.text.startswith("本群已绑定到 第一党支部")
    card, copy = await driver.say(ALICE, "申报 志愿服务 3月5日", where=ELSEWHERE)
    assert card.where == ELSEWHERE and card.labels == ["通过", "驳回"]
    assert copy.where == GROUP and copy.text == card.text  # the branch's other group gets it too
    await driver.press(SECRETARY, "通过", on=copy)
    assert status(card) == status(copy) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)"
    [twice] = await driver.say(SECRETARY, f"/bind {await code_for(driver)}", where=ELSEWHERE)
    assert twice.text == "本群已绑定到 第一党支部, 不能再绑定"
    [used] = await driver.say(SECRETARY, f"/bind {code}", where=GROUP)
    assert used.text == "邀请码已经用过, 每个邀请码只能用一次"


async def test_join_with_a_code_links_the_account_once(driver: Driver) -> None:
    needs_accounts(driver)
    code = await code_for(driver, await new_member(driver))
    [before] = await driver.say(STRANGER, "我的积分", private=True)
    assert before.text == "你的账号尚未关联党员名册, 请先发送 /join 邀请码。"
    [bad] = await driver.say(STRANGER, "/join ABCD2345", private=True)
    assert bad.text.startswith("邀请码不对")
    [joined] = await driver.say(STRANGER, f"/join {code.lower()}", private=True)
    assert (
        joined.where == STRANGER
        and joined.text == "已关联: 你是 第一党支部 的 孙五。发送 帮助 查看可以做什么。"
    )
    [me] = await driver.say(STRANGER, "我的积分", private=True)
    assert me.text.startswith("孙五 2026 年积分")
    [again] = await driver.say(ALICE, f"/join {code}", private=True)
    assert again.text == "邀请码已经用过, 每个邀请码只能用一次"
    [mine] = await driver.say(
        ALICE, f"/join {await code_for(driver, await new_member(driver, '周六'))}", private=True
    )
    assert mine.text == "你的账号已关联到党员 张三, 不能再关联"


async def test_join_by_name_is_confirmed_by_the_secretary_only_once(driver: Driver) -> None:
    needs_accounts(driver)
    await new_member(driver)
    [request] = await driver.say(STRANGER, "/join 孙五")
    assert request.where == GROUP and request.text == "路人 申请关联为党员 孙五, 请支部书记确认"
    assert request.labels == ["确认", "拒绝"]
    assert await driver.press(BOB, "确认", on=request) == Toast("只有支部书记/党委可以这样做。", alert=True)
    assert await driver.press(BOB, "拒绝", on=request) == Toast("只有支部书记/党委可以这样做。", alert=True)
    assert await driver.press(STRANGER, "确认", on=request) == Toast(
        "你的账号尚未关联党员名册, 不能审核。", alert=True
    )
    assert request.labels == ["确认", "拒绝"]
    confirm = request.data("确认")
    assert await driver.press(SECRETARY, "确认", on=request) == Toast(
        "已确认: 孙五 的账号已关联 (确认人: 王书记)"
    )
    assert request.text == "已确认: 孙五 的账号已关联 (确认人: 王书记)" and request.buttons == []
    [told] = driver.chat(STRANGER)
    assert told.text == "已关联: 你是 第一党支部 的 孙五。发送 帮助 查看可以做什么。"
    again = await driver.press(SECRETARY, confirm, on=request)
    assert again == Toast("这个选择已经做过了, 没有改动。", alert=True)
    assert request.text == "已确认: 孙五 的账号已关联 (确认人: 王书记)" and len(driver.chat(STRANGER)) == 1


async def test_join_by_name_declined_by_the_secretary(driver: Driver) -> None:
    needs_accounts(driver)
    await new_member(driver)
    [request] = await driver.say(STRANGER, "/join 孙五")
    assert await driver.press(SECRETARY, "拒绝", on=request) == Toast("")
    assert request.text == "已拒绝关联申请 (处理人: 王书记)" and request.buttons == []
    assert driver.chat(STRANGER) == []
    [still] = await driver.say(STRANGER, "我的积分")
    assert still.text == "你的账号尚未关联党员名册, 请先发送 /join 邀请码。"


async def test_join_by_name_needs_the_group_and_a_roster_name(driver: Driver) -> None:
    [private] = await driver.say(STRANGER, "/join 孙五", private=True)
    assert private.text.startswith("没有邀请码时, 请在党支部群里发送")
    [usage] = await driver.say(STRANGER, "/join", private=True)
    assert usage.text == "用法: /join 邀请码"
    [linked] = await driver.say(ALICE, "/join 张三")
    assert linked.text == "你的账号已关联到党员 张三, 不能再关联"
    needs_accounts(driver)
    [unknown] = await driver.say(STRANGER, "/join 无名氏")
    assert unknown.text == "党支部 第一党支部 中没有党员 “无名氏”"


async def test_help_says_what_this_person_may_do_here(driver: Driver) -> None:
    [member] = await driver.say(ALICE, "帮助")
    assert "本群属于 第一党支部, 积分方案: 测试方案。" in member.text and "张三, 你可以:" in member.text
    assert "审核人还可以:" not in member.text and "支部书记、镇党委还可以:" not in member.text
    for line in (
        "· 签到 / 请假 — 有进行中的签到时, 和签到卡片上的按钮一样",
        "· 积分项目 — 可以申报的事项和分值",
    ):
        assert line in member.lines
    assert "· 排行 — 本支部的积分排行 (支部开启后才有)" in member.lines
    [approver] = await driver.say(SECRETARY, "/help", private=True)
    assert approver.where == SECRETARY and "审核人还可以:" in approver.lines
    assert "· 通过 申报编号 — 通过申报, 如 通过 12 (也可按卡片上的 通过)" in approver.lines
    assert "支部书记、镇党委还可以:" in approver.lines
    [recorder] = await driver.say(RECORDER, "帮助", private=True)
    assert "审核人还可以:" in recorder.lines and "支部书记、镇党委还可以:" not in recorder.lines
    [stranger] = await driver.say(STRANGER, "/help")
    assert "你的账号尚未关联党员名册" in stranger.text
    [unbound] = await driver.say(ALICE, "/help", where=ELSEWHERE)
    assert "本群尚未绑定党支部" in unbound.text


async def test_my_points_go_privately_and_the_group_only_hears_they_were_sent(driver: Driver) -> None:
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    [mine, sent] = await driver.say(ALICE, "我的积分")
    assert sent.where == GROUP and "张三" in sent.text and "13" not in sent.text
    assert mine.where == ALICE
    assert mine.lines[0] == "张三 2026 年积分 (截至 2026-03-10): 13 分"
    assert any("志愿服务" in line for line in mine.lines[1:])
    [direct] = await driver.say(ALICE, "/me", private=True)
    assert direct.where == ALICE and direct.text == mine.text
    assert len(driver.chat(GROUP)) == 2  # the card and "sent"


async def test_rank_is_off_unless_the_branch_turns_it_on(driver: Driver) -> None:
    [off] = await driver.say(ALICE, "排行")
    assert off.text == "本支部未开启积分排行。"
    await driver.world.set_branch(rank=True)
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    [ranked] = await driver.say(ALICE, "/rank")
    assert ranked.where == GROUP
    assert ranked.lines[0] == "2026 年积分排行 (截至 2026-03-10):"
    assert ranked.lines[1] == "1. 张三 13 分"


async def test_pending_is_for_approvers_with_the_photo_before_each_card_in_private(driver: Driver) -> None:
    first = await claim(driver, photo=b"JPEG: one")
    await claim(driver, "申报 受乡级表彰 3月6日", who=BOB)
    [refused] = await driver.say(BOB, "待审核")
    assert refused.text == "只有支部书记/积分员可以这样做。"
    head, photo, card, second = await driver.say(RECORDER, "/pending", private=True)
    assert head.text == "待审核的申报共 2 条 (最早的在前):"
    assert photo.photo and photo.where == RECORDER and card.text == first.text
    assert not second.photo and "申报人: 李四" in second.lines
    await driver.press(RECORDER, "通过", on=card)
    assert status(first) == status(card) == "状态: ✅ 已通过 (审核人: 赵积分员, 计 1 分)"
    in_group = await driver.say(SECRETARY, "待审核")
    assert in_group[0].text == "待审核的申报共 1 条 (最早的在前):"
    assert not any(m.photo for m in in_group)
    await driver.press(SECRETARY, "通过", on=in_group[-1])
    [empty] = await driver.say(SECRETARY, "待审核")
    assert empty.text == "没有待审核的申报。"
    assert claim_number(in_group[-1]) == claim_number(first) + 1


async def test_unknown_messages_are_answered_only_in_private(driver: Driver) -> None:
    [private] = await driver.say(ALICE, "今天天气不错", private=True)
    assert private.lines[0] == "没有看懂 “今天天气不错”。你可能想:"
    assert len(private.lines) == 5 and private.lines[-1] == "发送 帮助 查看全部命令。"
    assert await driver.say(ALICE, "今天天气不错") == []
    assert await driver.say(ALICE, "/nosuchcommand") == []


async def test_an_unbound_group_and_an_unlinked_account_are_refused(driver: Driver) -> None:
    [unbound] = await driver.say(ALICE, "申报 志愿服务 3月5日", where=ELSEWHERE)
    assert unbound.text == "本群尚未绑定党支部, 请支部书记先发送 /bind 绑定码。"
    [unlinked] = await driver.say(STRANGER, "申报 志愿服务 3月5日")
    assert unlinked.text == "你的账号尚未关联党员名册, 请先发送 /join 邀请码。"
    [unlinked_dm] = await driver.say(STRANGER, "我的积分", private=True)
    assert unlinked_dm.text == unlinked.text
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []


async def test_an_anonymous_admin_is_told_to_post_as_themselves(driver: Driver) -> None:
    if not driver.anonymous:
        pytest.skip(f"{driver.name} has no anonymous posting")
    [told] = await driver.say(SECRETARY, "申报 志愿服务 3月5日", hidden=True)
    assert told.where == GROUP and told.text.startswith("你现在以匿名管理员 (或频道) 的身份发言")
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []
