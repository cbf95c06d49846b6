"""发起签到: the sign-in card (签到, 线上参加 for migrant members, 请假 with approval), closed by
the bot's clock or by 结束签到, with the absent recorded and scored.

Every flow here runs for every driver (see ``conftest.py``)."""

from __future__ import annotations

from handlers import chatworld

from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, Driver, Shown, Toast


async def open_theme_day(d: Driver, minutes: int = 30) -> Shown:
    [card] = await d.say(SECRETARY, f"发起签到 主题党日 {minutes}")
    assert card.where == GROUP and card.labels[:2] == ["签到", "请假"], card.text
    return card


async def make_migrant(d: Driver, account: str) -> None:
    async with d.world.db.uow() as uow:
        member = await uow.members.get(d.world.ids[account])
        assert member is not None
        member.migrant = True
        await uow.commit()


async def ask_leave(d: Driver, who: str, sheet: Shown, reason: str = "因病") -> Shown:
    """``who`` asks for leave with ``reason``; the leave card the approvers got (in the group)."""
    assert await d.press(who, "请假", on=sheet) == Toast("")
    picker = d.chat(GROUP)[-1]
    assert picker.labels == ["因病", "因公外出", "家中有事", "其他原因"]
    assert await d.press(who, reason, on=picker) == Toast("")
    card = d.chat(GROUP)[-1]
    assert card.text.startswith("🙋 请假申请 #") and card.labels == ["批准", "不批准"], card.text
    return card


async def test_the_secretary_opens_a_sign_in_card(driver: Driver) -> None:
    [card] = await driver.say(SECRETARY, "发起签到 theme_day 45")
    assert card.lines == ["📋 主题党日 签到 (2026-03-10)", "出席 (0): 无", "请假 (0): 无", "截止时间: 10:45"]
    assert card.labels == ["签到", "请假", "线上参加 (流动党员)"]


async def test_only_the_secretary_opens_and_only_in_the_group(driver: Driver) -> None:
    [member] = await driver.say(BOB, "/meeting 主题党日")
    assert member.text == "只有支部书记/党委可以这样做。"
    [private] = await driver.say(SECRETARY, "/meeting 主题党日", private=True)
    assert private.text == "请在党支部群里发起签到"
    [unknown] = await driver.say(SECRETARY, "/meeting 茶话会")
    assert unknown.text.startswith("没有会议类型 “茶话会”。可用: 主题党日、")
    [usage] = await driver.say(SECRETARY, "/meeting")
    assert usage.text.startswith("用法: /meeting 会议类型")
    [too_long] = await driver.say(SECRETARY, "/meeting 党课 5000")
    assert too_long.text == "签到时长应为 1 到 1440 分钟, 收到 5000"


async def test_members_sign_in_once(driver: Driver) -> None:
    card = await open_theme_day(driver)
    assert await driver.press(ALICE, "签到", on=card) == Toast("已签到")
    assert "出席 (1): 张三" in card.lines
    assert await driver.press(ALICE, "签到", on=card) == Toast("你已经签到, 没有改动", alert=True)
    before = len(driver.chat(GROUP))
    assert await driver.press(ALICE, "请假", on=card) == Toast("你已经签到, 没有改动", alert=True)
    assert len(driver.chat(GROUP)) == before  # no reasons offered
    toast = await driver.press(STRANGER, "签到", on=card)
    assert toast == Toast("你的账号尚未关联党员名册, 不能审核。", alert=True) or "尚未关联" in toast.text
    assert "出席 (1): 张三" in card.lines


async def test_online_sign_in_is_for_migrant_members_only(driver: Driver) -> None:
    await make_migrant(driver, chatworld.BOB)
    card = await open_theme_day(driver)
    toast = await driver.press(ALICE, "线上参加 (流动党员)", on=card)
    assert toast == Toast("线上参加只适用于流动党员; 在本地的党员请现场签到或请假", alert=True)
    assert await driver.press(BOB, "线上参加 (流动党员)", on=card) == Toast("已线上参加")
    assert "出席 (1): 李四(线上)" in card.lines
    assert await driver.press(BOB, "签到", on=card) == Toast("你已经签到, 没有改动", alert=True)


async def test_a_branch_without_online_sign_in_has_no_such_button(driver: Driver) -> None:
    await driver.world.set_branch(online=False)
    await make_migrant(driver, chatworld.BOB)
    card = await open_theme_day(driver)
    assert card.labels == ["签到", "请假"]
    toast = await driver.press(BOB, f"o:{card.data('签到').split(':')[1]}", on=card)  # an old card's button
    assert toast == Toast("本支部没有开放线上参加, 请现场签到或请假", alert=True)


async def test_leave_is_asked_by_the_member_and_approved_by_an_approver(driver: Driver) -> None:
    sheet = await open_theme_day(driver)
    assert await driver.press(BOB, "请假", on=sheet) == Toast("")
    picker = driver.chat(GROUP)[-1]
    assert picker.text == "李四, 请选择请假原因 (审核人批准后才算请假):"
    assert await driver.press(ALICE, "因病", on=picker) == Toast(
        "这是别人的请假, 只有本人可以选择原因。", alert=True
    )
    assert picker.labels == ["因病", "因公外出", "家中有事", "其他原因"]
    reason = picker.data("因公外出")
    assert await driver.press(BOB, "因公外出", on=picker) == Toast("")
    assert picker.text == "李四 的请假申请已提交 (原因: 因公外出), 等待审批。" and picker.buttons == []
    assert "请假待批准 (1): 李四" in sheet.lines and "请假 (0): 无" in sheet.lines
    card = driver.chat(GROUP)[-1]
    assert card.lines[1:] == ["申请人: 李四", "会议: 主题党日 (2026-03-10)", "原因: 因公外出", "状态: 待批准"]
    assert await driver.press(BOB, reason, on=picker) == Toast("这个选择已经做过了, 没有改动。", alert=True)
    assert await driver.press(ALICE, "批准", on=card) == Toast("只有支部书记/积分员可以审核。", alert=True)
    assert await driver.press(BOB, "批准", on=card) == Toast("不能审批自己的请假", alert=True)
    assert await driver.press(RECORDER, "批准", on=card) == Toast("已批准请假")
    assert card.lines[-1] == "状态: ✅ 已批准 (审批人: 赵积分员)" and card.buttons == []
    assert "请假 (1): 李四" in sheet.lines and not any(line.startswith("请假待批准") for line in sheet.lines)
    [told] = driver.chat(BOB)
    assert told.lines[-1] == "状态: ✅ 已批准 (审批人: 赵积分员)" and told.buttons == []
    toast = await driver.press(SECRETARY, f"y:{card.text.split('#')[1].split()[0]}:0", on=card)
    assert toast == Toast("已处理: 这条请假申请已批准, 没有任何改动。", alert=True)
    assert card.lines[-1] == "状态: ✅ 已批准 (审批人: 赵积分员)" and len(driver.chat(BOB)) == 1


async def test_leave_refused_and_never_decided_by_oneself(driver: Driver) -> None:
    sheet = await open_theme_day(driver)
    card = await ask_leave(driver, SECRETARY, sheet, "家中有事")
    assert await driver.press(SECRETARY, "批准", on=card) == Toast("不能审批自己的请假", alert=True)
    assert card.labels == ["批准", "不批准"]
    assert await driver.press(RECORDER, "不批准", on=card) == Toast("已不批准请假")
    assert card.lines[-1] == "状态: ❌ 未批准 (审批人: 赵积分员)"
    assert "请假 (0): 无" in sheet.lines


async def test_the_clock_closes_the_sign_in_and_the_absent_are_scored(driver: Driver) -> None:
    sheet = await open_theme_day(driver)
    present = sheet.data("签到")
    await driver.press(ALICE, "签到", on=sheet)
    await driver.press(SECRETARY, "批准", on=await ask_leave(driver, BOB, sheet))
    driver.world.clock.advance(29)
    assert await driver.tick() == []
    driver.world.clock.advance(1)
    [report] = await driver.tick()
    assert report.where == GROUP and report.buttons == []
    assert report.lines == [
        "📋 主题党日 (2026-03-10) 签到结束", "出席 (1): 张三", "请假 (1): 李四", "缺席 (2): 王书记、赵积分员",
    ]  # fmt: skip
    assert sheet.text == report.text and sheet.buttons == []
    assert await driver.tick() == []
    assert await driver.press(BOB, present, on=sheet) == Toast(
        "主题党日签到已结束, 不能再签到或请假", alert=True
    )
    [mine] = await driver.say(RECORDER, "我的积分", private=True)
    assert "· 无故缺席主题党日 1 次, 计 -2 分 (依据: 缺席一次减2分)" in mine.lines
    assert mine.lines[0] == "赵积分员 2026 年积分 (截至 2026-03-10): 10 分"
    [alice] = await driver.say(ALICE, "我的积分", private=True)
    assert alice.lines[0] == "张三 2026 年积分 (截至 2026-03-10): 12 分"


async def test_the_secretary_closes_it_early(driver: Driver) -> None:
    sheet = await open_theme_day(driver)
    await driver.press(ALICE, "签到", on=sheet)
    [refused] = await driver.say(BOB, "结束签到")
    assert refused.text == "只有支部书记/党委可以这样做。"
    assert sheet.buttons != []
    [report] = await driver.say(SECRETARY, "结束签到")
    assert report.lines[0] == "📋 主题党日 (2026-03-10) 签到结束" and "出席 (1): 张三" in report.lines
    assert sheet.buttons == []
    [none] = await driver.say(SECRETARY, "结束签到")
    assert none.text.startswith("本支部现在没有进行中的签到")
    driver.world.clock.advance(60)
    assert await driver.tick() == []
