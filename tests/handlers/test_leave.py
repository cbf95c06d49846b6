"""请假: a reason, then an approver's decision; only approved leave is attendance."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.handlers.router import handle, tick
from bot.handlers.types import ALERT, EDIT, NOTICE, Reply, Target, cards, quoting, to_chat
from bot.storage.read import load_year
from bot.storage.schema import LeaveRequest
from handlers.chatworld import ALICE, BOB, GROUP, RECORDER, SECRETARY, ChatWorld
from handlers.test_claims import buttons, pressed, said
from handlers.test_meetings import open_theme_day


async def ask(world: ChatWorld, account: str, meeting: int, reason: int = 0) -> list[Reply]:
    await handle(pressed(account, f"l:{meeting}"), world.deps)
    return await handle(pressed(account, f"v:{meeting}:{reason}"), world.deps)


def request_of(replies: list[Reply]) -> int:
    return int(buttons(replies[-1])[0].split(":")[1])


async def attendance(world: ChatWorld) -> dict[str, str]:
    async with world.db.uow() as uow:
        data = await load_year(uow, world.branch_id, 2026)
    names = {str(v): k for k, v in world.ids.items()}
    return {names[a.member]: a.status for a in data.attendance}


async def test_leave_asks_for_a_reason_first_and_files_nothing_before(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    [picker] = await handle(pressed(BOB, f"l:{meeting}", message="900"), world.deps)
    assert picker.to == quoting("900") and picker.text.startswith("李四, 请选择请假原因")
    assert [b.label for row in picker.buttons for b in row] == ["因病", "因公外出", "家中有事", "其他原因"]
    assert buttons(picker) == [f"v:{meeting}:{n}" for n in range(4)]
    assert await attendance(world) == {}
    async with world.db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(LeaveRequest)) == 0


async def test_a_request_goes_to_the_group_for_a_decision(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    sent, sheet, card = await ask(world, BOB, meeting, reason=1)
    assert sent == Reply("李四 的请假申请已提交 (原因: 因公外出), 等待审批。", to=EDIT)
    assert sheet.to == cards(f"meeting:{meeting}") and "请假待批准 (1): 李四" in sheet.text
    assert "请假 (0): 无" in sheet.text
    request = request_of([card])
    assert card.to == to_chat(GROUP) and card.key == f"leave:{request}"
    assert card.text.splitlines() == [
        f"🙋 请假申请 #{request}", "申请人: 李四", "会议: 主题党日 (2026-03-10)", "原因: 因公外出", "状态: 待批准",
    ]  # fmt: skip
    assert buttons(card) == [f"y:{request}:1", f"y:{request}:0"]
    [again] = await ask(world, BOB, meeting)
    assert again == Reply("你已经申请过请假, 请等待审批", to=ALERT)
    assert await attendance(world) == {}


async def test_only_an_approver_decides_and_never_their_own(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    request = request_of(await ask(world, BOB, meeting))
    [alert] = await handle(pressed(ALICE, f"y:{request}:1"), world.deps)
    assert alert == Reply("只有支部书记/积分员可以审核。", to=ALERT)
    [alert] = await handle(pressed(BOB, f"y:{request}:1"), world.deps)
    assert alert == Reply("不能审批自己的请假", to=ALERT)
    own = request_of(await ask(world, SECRETARY, meeting))
    [alert] = await handle(pressed(SECRETARY, f"y:{own}:1"), world.deps)
    assert alert == Reply("不能审批自己的请假", to=ALERT)
    assert await attendance(world) == {}


async def test_approval_makes_it_leave_and_tells_the_member(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    request = request_of(await ask(world, BOB, meeting))
    card, copies, notice, sheet, told = await handle(pressed(RECORDER, f"y:{request}:1"), world.deps)
    assert card.to == EDIT and card.buttons == () and "状态: ✅ 已批准 (审批人: 赵积分员)" in card.text
    assert copies == Reply(card.text, to=cards(f"leave:{request}"))
    assert notice == Reply("已批准请假", to=NOTICE)
    assert "请假 (1): 李四" in sheet.text and "待批准" not in sheet.text
    assert told.to == to_chat(BOB) and "已批准" in told.text
    assert await attendance(world) == {"201": "leave"}
    card, alert = await handle(pressed(SECRETARY, f"y:{request}:0"), world.deps)
    assert alert == Reply("已处理: 这条请假申请已批准, 没有任何改动。", to=ALERT)
    assert await attendance(world) == {"201": "leave"}


async def test_a_refusal_leaves_the_member_to_sign_in_or_be_absent(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    bob = request_of(await ask(world, BOB, meeting))
    alice = request_of(await ask(world, ALICE, meeting))
    _card, _copies, notice, sheet, _told = await handle(pressed(SECRETARY, f"y:{bob}:0"), world.deps)
    assert notice == Reply("已不批准请假", to=NOTICE) and "请假待批准 (1): 张三" in sheet.text
    await handle(pressed(BOB, f"s:{meeting}"), world.deps)  # still open: he comes after all
    world.clock.advance(30)
    [_, report] = await tick(world.deps, "telegram")
    assert "请假待批准 (1): 张三" in report.text and "缺席 (2): 王书记、赵积分员" in report.text
    await handle(pressed(SECRETARY, f"y:{alice}:0"), world.deps)  # refused after the close: absent
    assert await attendance(world) == {"201": "present", "100": "absent", "101": "absent", "200": "absent"}


async def test_a_request_decided_after_the_close_still_counts_as_leave(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    request = request_of(await ask(world, BOB, meeting))
    world.clock.advance(30)
    await tick(world.deps, "telegram")
    assert "201" not in await attendance(world)  # waiting, not absent
    await handle(pressed(SECRETARY, f"y:{request}:1"), world.deps)
    assert (await attendance(world))["201"] == "leave"


async def test_pending_lists_leave_requests_too(world: ChatWorld) -> None:
    meeting = await open_theme_day(world)
    request = request_of(await ask(world, BOB, meeting))
    head, card = await handle(said(SECRETARY, "待审核"), world.deps)
    assert head.text == "待批准的请假共 1 条:"
    assert buttons(card) == [f"y:{request}:1", f"y:{request}:0"] and card.key == f"leave:{request}"


async def test_with_private_approvals_the_request_goes_to_each_approver(world: ChatWorld) -> None:
    await world.set_branch(approvals="private")
    meeting = await open_theme_day(world)
    _sent, _sheet, *sent = await ask(world, BOB, meeting)
    assert sorted(r.to.chat_id or "" for r in sent) == sorted([SECRETARY, RECORDER])
    assert all(r.to == Target("chat", chat_id=r.to.chat_id) and buttons(r)[0].startswith("y:") for r in sent)


async def test_leave_cannot_be_asked_after_the_close(world: ChatWorld) -> None:
    meeting = await open_theme_day(world, minutes=5)
    world.clock.advance(5)
    [late] = await handle(pressed(BOB, f"l:{meeting}"), world.deps)
    assert late == Reply("主题党日签到已结束, 不能再签到或请假", to=ALERT)
    [late] = await handle(pressed(BOB, f"v:{meeting}:0"), world.deps)
    assert late == Reply("主题党日签到已结束, 不能再签到或请假", to=ALERT)
