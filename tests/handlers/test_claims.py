"""The claim and approval use cases through ``router.handle``, on a real SQLite database."""

from __future__ import annotations

import itertools

from bot.handlers.router import handle
from bot.handlers.types import ALERT, EDIT, NOTICE, Incoming, Reply, Target, cards, to_chat
from handlers.chatworld import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, ChatWorld

_ids = itertools.count(1)


def said(user: str, text: str, *, chat: str = GROUP, photo: str | None = None) -> Incoming:
    n = str(next(_ids))
    return Incoming("telegram", user, chat, chat == user, text=text, photo=photo, message=n, update=n)


def pressed(user: str, data: str, *, chat: str = GROUP, message: str = "500") -> Incoming:
    return Incoming("telegram", user, chat, chat == user, data=data, message=message, update=str(next(_ids)))


def buttons(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row]


async def claim(world: ChatWorld, text: str = "申报 志愿服务 3月5日 社区清扫", **kw: str) -> int:
    replies = await handle(said(ALICE, text, **kw), world.deps)
    card = replies[0]
    assert card.text.startswith("📝 积分申报 #"), card.text
    return int(card.text.split("#")[1].split()[0])


async def test_a_claim_in_the_group_posts_an_approval_card_quoting_it(world: ChatWorld) -> None:
    incoming = said(ALICE, "申报 志愿服务 3月5日 社区清扫")
    [card] = await handle(incoming, world.deps)
    assert card.to == Target("here", reply_to=incoming.message)
    assert "申报人: 张三" in card.text and "志愿服务 (1 分)" in card.text and "2026-03-05" in card.text
    assert "依据: 二(二)2(2) 每次加1分" in card.text
    claim_id = int(card.text.split("#")[1].split()[0])
    assert buttons(card) == [f"a:{claim_id}", f"r:{claim_id}", f"j:{claim_id}"]
    assert await world.status(claim_id) == "pending"


async def test_secretary_approves_the_card_is_edited_and_the_member_told(world: ChatWorld) -> None:
    claim_id = await claim(world)
    card, copies, notice, told = await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    assert card.to == EDIT and card.buttons == ()
    assert copies == Reply(card.text, to=cards(f"claim:{claim_id}"))
    assert "已通过 (审核人: 王书记, 计 1 分)" in card.text
    assert notice.to == NOTICE
    assert told.to == to_chat(ALICE) and "已通过" in told.text
    assert await world.ledger() == [(world.ids[ALICE], "volunteer", 1.0)]


async def test_a_second_press_changes_nothing_and_says_so(world: ChatWorld) -> None:
    claim_id = await claim(world)
    await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    card, alert = await handle(pressed(RECORDER, f"a:{claim_id}"), world.deps)
    assert alert.to == ALERT and alert.text.startswith("已处理")
    assert card.buttons == ()
    rejected_after = await handle(pressed(SECRETARY, f"r:{claim_id}:0"), world.deps)
    assert rejected_after[-1].text.startswith("已处理")
    assert await world.status(claim_id) == "approved"
    assert len(await world.ledger()) == 1


async def test_a_member_cannot_approve_and_nothing_changes(world: ChatWorld) -> None:
    claim_id = await claim(world)
    [alert] = await handle(pressed(BOB, f"a:{claim_id}"), world.deps)
    assert alert == Reply("只有支部书记/积分员可以审核。", to=ALERT)
    [alert] = await handle(pressed(STRANGER, f"a:{claim_id}"), world.deps)
    assert alert.to == ALERT and "尚未关联" in alert.text
    assert await world.status(claim_id) == "pending"
    assert await world.ledger() == []


async def test_nobody_approves_their_own_claim(world: ChatWorld) -> None:
    [card] = await handle(said(SECRETARY, "申报 志愿服务"), world.deps)
    claim_id = int(card.text.split("#")[1].split()[0])
    [alert] = await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    assert alert == Reply("不能审批自己的申报", to=ALERT)
    [alert] = await handle(pressed(SECRETARY, f"j:{claim_id}:1"), world.deps)
    assert alert.text == "不能审批自己的申报"
    assert await world.status(claim_id) == "pending"


async def test_reject_asks_for_a_reason_then_rejects(world: ChatWorld) -> None:
    claim_id = await claim(world)
    [ask] = await handle(pressed(SECRETARY, f"r:{claim_id}"), world.deps)
    assert ask.to == EDIT and "请选择驳回原因" in ask.text
    assert buttons(ask) == [f"r:{claim_id}:{n}" for n in range(4)] + [f"b:{claim_id}"]
    assert await world.status(claim_id) == "pending"
    [back] = await handle(pressed(SECRETARY, f"b:{claim_id}"), world.deps)
    assert buttons(back) == [f"a:{claim_id}", f"r:{claim_id}", f"j:{claim_id}"]
    card, _copies, _notice, told = await handle(pressed(SECRETARY, f"r:{claim_id}:0"), world.deps)
    assert "已驳回 (审核人: 王书记, 原因: 证明材料不足)" in card.text
    assert told.to == to_chat(ALICE)
    assert await world.status(claim_id) == "rejected"
    assert await world.ledger() == []


async def test_reject_command_with_a_reason_in_words(world: ChatWorld) -> None:
    claim_id = await claim(world)
    [card, _copies, told] = await handle(said(RECORDER, f"驳回 {claim_id} 照片看不清"), world.deps)
    assert "原因: 照片看不清" in card.text and told.to == to_chat(ALICE)
    [refusal] = await handle(said(RECORDER, "驳回 12"), world.deps)
    assert "没有编号为 12 的申报" in refusal.text


async def test_adjust_offers_the_range_and_approves_with_the_choice(world: ChatWorld) -> None:
    claim_id = await claim(world, "申报 乡村振兴 3月2日 产业项目")
    [offer] = await handle(pressed(SECRETARY, f"j:{claim_id}"), world.deps)
    assert "请选择分值 (1 到 3 分)" in offer.text
    assert buttons(offer) == [f"j:{claim_id}:1", f"j:{claim_id}:2", f"j:{claim_id}:3", f"b:{claim_id}"]
    [card, *_] = await handle(pressed(SECRETARY, f"j:{claim_id}:3"), world.deps)
    assert "计 3 分" in card.text
    assert await world.ledger() == [(world.ids[ALICE], "key_work", 3.0)]


async def test_adjust_outside_the_range_or_on_a_fixed_item_is_refused(world: ChatWorld) -> None:
    ranged = await claim(world, "申报 重点工作 3月2日")
    [alert] = await handle(pressed(SECRETARY, f"j:{ranged}:9"), world.deps)
    assert alert.to == ALERT and "1 到 3" in alert.text
    fixed = await claim(world, "申报 志愿服务 3月2日")
    [alert] = await handle(pressed(SECRETARY, f"j:{fixed}"), world.deps)
    assert alert == Reply("该积分项分值固定为 1 分, 不能调整。", to=ALERT)
    assert await world.ledger() == []


async def test_duplicate_claim_points_to_the_earlier_one(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月5日")
    [refusal] = await handle(said(ALICE, "/claim volunteer 2026-03-05 again"), world.deps)
    assert refusal.text == f"重复申报: 已有申报 {first} (状态: 待审核) 为同一事项、同一日期或同一凭证"


async def test_the_same_photo_twice_is_a_duplicate(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月5日", photo="photo-A")
    [refusal] = await handle(said(ALICE, "申报 义务劳动 3月6日", photo="photo-A"), world.deps)
    assert f"已有申报 {first}" in refusal.text
    second = await claim(world, "申报 义务劳动 3月6日", photo="photo-B")
    assert second != first


async def test_photo_evidence_shows_on_the_card(world: ChatWorld) -> None:
    [card] = await handle(said(ALICE, "申报 志愿服务", photo="photo-C"), world.deps)
    assert "凭证: 1 张图片" in card.text


async def test_dates_outside_the_open_period_are_refused(world: ChatWorld) -> None:
    [old] = await handle(said(ALICE, "申报 志愿服务 2025-12-30"), world.deps)
    assert old.text == "日期 2025-12-30 不在当前积分周期 (2026 年) 内, 不能申报。"
    [future] = await handle(said(ALICE, "申报 志愿服务 3月20日"), world.deps)
    assert future.text == "日期 2026-03-20 还没到, 不能申报。"
    [bad] = await handle(said(ALICE, "申报 志愿服务 2月30日"), world.deps)
    assert "日期看不懂" in bad.text


async def test_unknown_item_offers_buttons_and_the_pick_submits_the_claim(world: ChatWorld) -> None:
    [offer] = await handle(said(ALICE, "申报 打扫卫生 3月4日", photo="photo-D"), world.deps)
    assert offer.text.startswith("没有找到唯一对应的积分项")
    data = buttons(offer)
    assert [d.rsplit(":", 1)[1] for d in data] == ["volunteer", "key_work", "award_township", "award_county"]
    [alert] = await handle(pressed(BOB, data[0]), world.deps)
    assert alert == Reply("这是别人的申报, 只有申报人可以选择。", to=ALERT)
    [card] = await handle(pressed(ALICE, data[0]), world.deps)
    assert card.to == EDIT and "志愿服务 (1 分)" in card.text and "凭证: 1 张图片" in card.text
    assert "2026-03-04" in card.text and "说明: 打扫卫生 3月4日" in card.text
    [again] = await handle(pressed(ALICE, data[0]), world.deps)
    assert again.to == ALERT and "重复申报" in again.text


async def test_ambiguous_item_offers_only_the_candidates(world: ChatWorld) -> None:
    [offer] = await handle(said(ALICE, "申报 获得表彰"), world.deps)
    assert [d.rsplit(":", 1)[1] for d in buttons(offer)] == ["award_township", "award_county"]


async def test_a_redelivered_update_is_handled_once(world: ChatWorld) -> None:
    incoming = said(ALICE, "申报 志愿服务 3月5日")
    assert len(await handle(incoming, world.deps)) == 1
    assert await handle(incoming, world.deps) == []
    claim_id = await claim(world, "申报 志愿服务 3月6日")
    press = pressed(SECRETARY, f"a:{claim_id}")
    assert len(await handle(press, world.deps)) == 4
    assert await handle(press, world.deps) == []
    assert len(await world.ledger()) == 1


async def test_stale_or_forged_buttons_are_refused(world: ChatWorld) -> None:
    for data in ("zz:1", "a:", "a:abc", "r:1:99", "a:999"):
        [alert] = await handle(pressed(SECRETARY, data), world.deps)
        assert alert.to == ALERT, data
    assert await world.ledger() == []


async def test_unbound_group_and_unlinked_account(world: ChatWorld) -> None:
    [unbound] = await handle(said(ALICE, "申报 志愿服务", chat="-2002"), world.deps)
    assert "尚未绑定党支部" in unbound.text
    [unlinked] = await handle(said(STRANGER, "申报 志愿服务"), world.deps)
    assert "尚未关联党员名册" in unlinked.text


async def test_private_claims_go_to_the_approvers_privately(world: ChatWorld) -> None:
    ack, *cards = await handle(said(ALICE, "申报 志愿服务 3月5日", chat=ALICE), world.deps)
    assert ack.text.endswith("已发给审核人。")
    assert sorted(c.to.chat_id or "" for c in cards) == [SECRETARY, RECORDER]
    assert all(buttons(c)[0].startswith("a:") for c in cards)


async def test_branch_setting_sends_group_claims_privately_too(world: ChatWorld) -> None:
    await world.set_branch(approvals="private")
    _ack, *cards = await handle(said(ALICE, "申报 志愿服务 3月5日"), world.deps)
    assert sorted(c.to.chat_id or "" for c in cards) == [SECRETARY, RECORDER]


async def test_pending_queue_oldest_first_for_approvers_only(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月1日")
    second = await claim(world, "申报 志愿服务 3月2日")
    head, *cards = await handle(said(SECRETARY, "待审核"), world.deps)
    assert "共 2 条" in head.text
    assert [buttons(c)[0] for c in cards] == [f"a:{first}", f"a:{second}"]
    [refusal] = await handle(said(BOB, "/pending"), world.deps)
    assert refusal.text == "只有支部书记/积分员可以审核。"
    await handle(pressed(SECRETARY, f"a:{first}"), world.deps)
    head, *cards = await handle(said(SECRETARY, "/pending"), world.deps)
    assert [buttons(c)[0] for c in cards] == [f"a:{second}"]


async def test_help_depends_on_the_role(world: ChatWorld) -> None:
    [member] = await handle(said(ALICE, "帮助"), world.deps)
    assert "第一党支部" in member.text and "张三" in member.text and "待审核" not in member.text
    [secretary] = await handle(said(SECRETARY, "/start"), world.deps)
    assert "/pending" in secretary.text
    [stranger] = await handle(said(STRANGER, "/help", chat=STRANGER), world.deps)
    assert "/join" in stranger.text


async def test_chatter_in_the_group_gets_no_reply(world: ChatWorld) -> None:
    assert await handle(said(ALICE, "大家好"), world.deps) == []
    [hint] = await handle(said(ALICE, "大家好", chat=ALICE), world.deps)
    assert "帮助" in hint.text


async def test_duplicate_of_an_approved_claim_names_its_state(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月5日")
    await handle(pressed(SECRETARY, f"a:{first}"), world.deps)
    [refusal] = await handle(said(ALICE, "申报 志愿服务 3月5日"), world.deps)
    assert f"已有申报 {first} (状态: 已通过)" in refusal.text


async def test_only_approvers_open_or_leave_the_reason_and_points_menus(world: ChatWorld) -> None:
    claim_id = await claim(world)
    for data in (f"r:{claim_id}", f"j:{claim_id}", f"b:{claim_id}"):
        [alert] = await handle(pressed(BOB, data), world.deps)
        assert alert == Reply("只有支部书记/积分员可以审核。", to=ALERT), data
