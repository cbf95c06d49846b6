"""撤回 (withdraw), the member's photo for approvers who review in private, and anonymous writers."""

from __future__ import annotations

from bot.handlers.router import handle
from bot.handlers.types import ALERT, EDIT, Incoming, Reply, Target, cards, quoting, to_chat
from handlers.chatworld import ALICE, BOB, GROUP, RECORDER, SECRETARY, ChatWorld
from handlers.test_claims import buttons, claim, pressed, said


async def test_withdraw_by_number_takes_the_claim_back_and_updates_every_card(world: ChatWorld) -> None:
    claim_id = await claim(world)
    message = said(ALICE, f"撤回 {claim_id}")
    card, done = await handle(message, world.deps)
    assert card.to == cards(f"claim:{claim_id}") and card.buttons == ()
    assert "状态: 已撤回" in card.text
    assert done == Reply(f"已撤回申报 #{claim_id}。", to=quoting(message.message))
    assert await world.status(claim_id) == "withdrawn"
    assert await world.ledger() == []


async def test_a_withdrawn_claim_can_no_longer_be_approved(world: ChatWorld) -> None:
    claim_id = await claim(world)
    await handle(said(ALICE, f"/withdraw #{claim_id}"), world.deps)
    _card, alert = await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    assert alert.to == ALERT and "已撤回" in alert.text
    assert await world.ledger() == []


async def test_withdraw_without_a_number_offers_the_members_pending_claims(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月1日")
    second = await claim(world, "申报 志愿服务 3月2日")
    await handle(pressed(SECRETARY, f"a:{first}"), world.deps)
    await handle(said(BOB, "申报 志愿服务 3月3日"), world.deps)  # someone else's is not offered
    [offer] = await handle(said(ALICE, "撤回"), world.deps)
    assert offer.text.startswith("请点选要撤回的申报")
    assert buttons(offer) == [f"w:{second}"]
    assert [b.label for row in offer.buttons for b in row] == [f"撤回 #{second} 志愿服务 2026-03-02"]
    assert await world.status(second) == "pending"  # nothing happens before the tap

    _card, done = await handle(pressed(ALICE, f"w:{second}"), world.deps)
    assert done == Reply(f"已撤回申报 #{second}。", to=EDIT)
    assert await world.status(second) == "withdrawn"


async def test_nothing_to_withdraw(world: ChatWorld) -> None:
    [reply] = await handle(said(ALICE, "撤回"), world.deps)
    assert reply.text == "你没有待审核的申报, 没有可以撤回的。"


async def test_only_the_claimant_withdraws(world: ChatWorld) -> None:
    claim_id = await claim(world)
    [refusal] = await handle(said(BOB, f"撤回 {claim_id}"), world.deps)
    assert refusal.text == f"只能撤回自己的申报 ({claim_id})"
    [alert] = await handle(pressed(SECRETARY, f"w:{claim_id}"), world.deps)
    assert alert == Reply(f"只能撤回自己的申报 ({claim_id})", to=ALERT)
    assert await world.status(claim_id) == "pending"


async def test_a_decided_claim_is_not_withdrawn(world: ChatWorld) -> None:
    claim_id = await claim(world)
    await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    [refusal] = await handle(said(ALICE, f"撤回 {claim_id}"), world.deps)
    assert refusal.text.startswith(f"申报 #{claim_id} 已通过, 不能撤回")
    [again] = await handle(pressed(ALICE, f"w:{claim_id}"), world.deps)
    assert again.to == ALERT and "不能撤回" in again.text
    assert await world.status(claim_id) == "approved"
    assert len(await world.ledger()) == 1


async def test_withdrawing_an_unknown_claim_says_so(world: ChatWorld) -> None:
    [reply] = await handle(said(ALICE, "撤回 999"), world.deps)
    assert reply.text == "没有编号为 999 的申报"


async def test_approvers_in_private_get_the_members_photo_before_the_card(world: ChatWorld) -> None:
    await world.set_branch(approvals="private")
    message = said(ALICE, "申报 志愿服务 3月5日", photo="photo-1")
    ack, *sent = await handle(message, world.deps)
    assert ack.text.endswith("已发给审核人。")
    by_chat: dict[str, list[Reply]] = {}
    for reply in sent:
        by_chat.setdefault(reply.to.chat_id or "", []).append(reply)
    assert sorted(by_chat) == sorted([SECRETARY, RECORDER])
    for approver, (photo, card) in by_chat.items():
        assert photo.to == to_chat(approver) and photo.copy_of == (GROUP, message.message)
        assert card.copy_of is None and buttons(card)[0].startswith("a:")
        assert "凭证: 1 张图片" in card.text


async def test_no_photo_no_copy(world: ChatWorld) -> None:
    await world.set_branch(approvals="private")
    _ack, *sent = await handle(said(ALICE, "申报 志愿服务 3月5日"), world.deps)
    assert all(reply.copy_of is None for reply in sent) and len(sent) == 2


async def test_pending_in_private_shows_each_photo_then_its_card(world: ChatWorld) -> None:
    message = said(ALICE, "申报 志愿服务 3月5日", photo="photo-2")
    [card] = await handle(message, world.deps)
    plain = await claim(world, "申报 志愿服务 3月6日")
    _head, photo, first, second = await handle(said(SECRETARY, "待审核", chat=SECRETARY), world.deps)
    assert photo.copy_of == (GROUP, message.message) and photo.to == Target("here")
    assert buttons(first)[0] == buttons(card)[0] and buttons(second)[0] == f"a:{plain}"
    # in the group the photos are right there: no copies
    _head, *in_group = await handle(said(SECRETARY, "待审核"), world.deps)
    assert all(reply.copy_of is None for reply in in_group) and len(in_group) == 2


async def test_an_anonymous_writer_is_asked_to_post_as_themself(world: ChatWorld) -> None:
    anonymous = Incoming(
        "telegram", "1087968824", GROUP, False, text="/meeting 主题党日", message="7", anonymous=True
    )
    [reply] = await handle(anonymous, world.deps)
    assert reply.to == quoting("7") and "匿名" in reply.text
    chatter = Incoming("telegram", "1087968824", GROUP, False, text="大家好", message="8", anonymous=True)
    assert await handle(chatter, world.deps) == []
