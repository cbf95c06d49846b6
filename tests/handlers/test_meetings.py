"""/meeting: a sign-in window with 签到 / 请假, closed once with the absent recorded."""

from __future__ import annotations

from bot.handlers.router import handle, tick
from bot.handlers.types import ALERT, EDIT, NOTICE, Reply, cards, to_chat
from bot.storage.read import load_year
from handlers.chatworld import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, ChatWorld
from handlers.test_claims import buttons, pressed, said


async def open_theme_day(world: ChatWorld, minutes: int = 30) -> int:
    [card] = await handle(said(SECRETARY, f"/meeting 主题党日 {minutes}"), world.deps)
    assert buttons(card)[0].startswith("s:"), card.text
    return int(buttons(card)[0].split(":")[1])


async def test_the_secretary_opens_a_sign_in_card(world: ChatWorld) -> None:
    [card] = await handle(said(SECRETARY, "发起签到 theme_day 45"), world.deps)
    assert card.text.splitlines() == [
        "📋 主题党日 签到 (2026-03-10)", "截止时间: 10:45", "出席 (0): 无", "请假 (0): 无",
    ]  # fmt: skip
    meeting = buttons(card)[0].split(":")[1]
    assert buttons(card) == [f"s:{meeting}", f"l:{meeting}", f"o:{meeting}"]
    assert [b.label for row in card.buttons for b in row] == ["签到", "请假", "线上参加 (流动党员)"]


async def leave_approved(world: ChatWorld, account: str, meeting: int) -> int:
    """``account`` asks for leave (reason 因病) and the secretary approves; the request id."""
    await handle(pressed(account, f"l:{meeting}"), world.deps)
    replies = await handle(pressed(account, f"v:{meeting}:0"), world.deps)
    request = int(buttons(replies[-1])[0].split(":")[1])
    await handle(pressed(SECRETARY, f"y:{request}:1"), world.deps)
    return request


async def test_members_sign_in_or_ask_for_leave_once(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    card, notice = await handle(pressed(ALICE, f"s:{meeting}"), world.deps)
    assert card.to == EDIT and "出席 (1): 张三" in card.text and notice == Reply("已签到", to=NOTICE)
    await leave_approved(world, BOB, meeting)
    [again] = await handle(pressed(ALICE, f"v:{meeting}:0"), world.deps)
    assert again == Reply("你已经签到, 没有改动", to=ALERT)
    [again] = await handle(pressed(BOB, f"s:{meeting}"), world.deps)
    assert again == Reply("你已经请假, 没有改动", to=ALERT)
    [stranger] = await handle(pressed(STRANGER, f"s:{meeting}"), world.deps)
    assert stranger.to == ALERT and "尚未关联" in stranger.text


async def test_closing_posts_the_report_records_the_absent_once_and_scores_them(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    await handle(pressed(ALICE, f"s:{meeting}"), world.deps)
    await leave_approved(world, BOB, meeting)
    world.clock.advance(29)
    assert await tick(world.deps, "telegram") == []
    world.clock.advance(1)
    [card, report] = await tick(world.deps, "telegram")
    assert card == Reply(report.text, to=cards(f"meeting:{meeting}"))
    assert report.to == to_chat(GROUP) and report.buttons == ()
    assert report.text.splitlines() == [
        "📋 主题党日 (2026-03-10) 签到结束", "出席 (1): 张三", "请假 (1): 李四", "缺席 (2): 王书记、赵积分员",
    ]  # fmt: skip
    assert await tick(world.deps, "telegram") == []
    assert await tick(world.deps, "wecom") == []
    [me] = await handle(said(RECORDER, "我的积分"), world.deps)
    assert "· 无故缺席主题党日(absent_theme_day) 1 次, 计 -2 分 (依据: 缺席一次减2分)" in me.text.splitlines()


async def test_a_press_after_the_window_is_refused(world: ChatWorld) -> None:
    meeting = await open_theme_day(world, minutes=5)
    world.clock.advance(5)
    [late] = await handle(pressed(ALICE, f"s:{meeting}"), world.deps)
    assert late == Reply("主题党日签到已结束, 不能再签到或请假", to=ALERT)


async def test_only_the_secretary_opens_and_only_in_the_group(world: ChatWorld) -> None:
    [member] = await handle(said(BOB, "/meeting 主题党日"), world.deps)
    assert member.text == "只有支部书记/党委可以这样做。"
    [private] = await handle(said(SECRETARY, "/meeting 主题党日", chat=SECRETARY), world.deps)
    assert private.text == "请在党支部群里发起签到"
    [unknown] = await handle(said(SECRETARY, "/meeting 茶话会"), world.deps)
    assert unknown.text.startswith("没有会议类型 “茶话会”。可用: 主题党日、支部党员大会")
    [usage] = await handle(said(SECRETARY, "/meeting"), world.deps)
    assert usage.text.startswith("用法: /meeting 会议类型")
    [too_long] = await handle(said(SECRETARY, "/meeting 党课 5000"), world.deps)
    assert too_long.text == "签到时长应为 1 到 1440 分钟, 收到 5000"


async def _make_migrant(world: ChatWorld, account: str) -> None:
    async with world.db.uow() as uow:
        member = await uow.members.get(world.ids[account])
        assert member is not None
        member.migrant = True
        await uow.commit()


async def test_a_migrant_member_joins_online_and_it_is_not_a_return(world: ChatWorld) -> None:
    await _make_migrant(world, BOB)
    meeting = await open_theme_day(world)
    card, notice = await handle(pressed(BOB, f"o:{meeting}"), world.deps)
    assert card.to == EDIT and "出席 (1): 李四(线上)" in card.text
    assert notice == Reply("已线上参加", to=NOTICE)
    [again] = await handle(pressed(BOB, f"s:{meeting}"), world.deps)
    assert again == Reply("你已经签到, 没有改动", to=ALERT)
    async with world.db.uow() as uow:  # what the engine reads: present, online, so no 回村 return
        data = await load_year(uow, world.branch_id, 2026)
    [seen] = data.attendance
    assert (seen.member, seen.status, seen.online) == (str(world.ids[BOB]), "present", True)


async def test_only_migrant_members_join_online(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    [alert] = await handle(pressed(ALICE, f"o:{meeting}"), world.deps)
    assert alert == Reply("线上参加只适用于流动党员; 在本地的党员请现场签到或请假", to=ALERT)
    card, _ = await handle(pressed(ALICE, f"s:{meeting}"), world.deps)
    assert "出席 (1): 张三" in card.text and "线上" not in card.text.splitlines()[2]


async def test_a_branch_that_takes_no_online_sign_ins_has_no_such_button(world: ChatWorld) -> None:
    await world.set_branch(online=False)
    await _make_migrant(world, BOB)
    [card] = await handle(said(SECRETARY, "/meeting 主题党日"), world.deps)
    meeting = buttons(card)[0].split(":")[1]
    assert buttons(card) == [f"s:{meeting}", f"l:{meeting}"]
    [alert] = await handle(pressed(BOB, f"o:{meeting}"), world.deps)  # an old card's button
    assert alert == Reply("本支部没有开放线上参加, 请现场签到或请假", to=ALERT)
