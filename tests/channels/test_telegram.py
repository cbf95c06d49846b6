"""What only Telegram has (the flows themselves are in ``tests/contract``): the bot's name in
commands, redelivered updates, a group upgraded to a supergroup, a member who never opened a
private chat, evidence gone from the store."""

from __future__ import annotations

from handlers.chatworld import ALICE, GROUP, RECORDER, SECRETARY, ChatWorld
from telegram import Update

from bot.channels.telegram import TelegramApp
from channels.offline import DATE, OfflineRequest
from channels.updates import message, press


async def post_claim(app: TelegramApp, api: OfflineRequest) -> tuple[int, int]:
    """Alice claims in the group; (claim id, the card's message id)."""
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日"))
    [card] = api.of("sendMessage")
    api.clear()
    return int(card.buttons[0].split(":")[1]), int(card.result["message_id"])


async def test_initialize_asks_getme_for_the_bot_name(app: TelegramApp) -> None:
    assert app.bot.username == "PartyBot"


async def test_a_command_addressed_to_the_bot_counts_and_one_for_another_bot_is_ignored(
    app: TelegramApp, api: OfflineRequest
) -> None:
    await app.process_update(message(app.bot, ALICE, "/help@OtherBot"))
    assert api.calls == []
    await app.process_update(message(app.bot, ALICE, "/help@PartyBot"))
    [help_] = api.of("sendMessage")
    assert "第一党支部" in help_.params["text"]


async def test_the_same_update_delivered_twice_is_handled_once(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    update = message(app.bot, ALICE, "申报 志愿服务 3月5日")
    await app.process_update(update)
    await app.process_update(update)
    [card] = api.of("sendMessage")
    claim_id = int(card.buttons[0].split(":")[1])
    pressing = press(app.bot, SECRETARY, f"a:{claim_id}", message_id=int(card.result["message_id"]))
    await app.process_update(pressing)
    await app.process_update(pressing)
    assert len(api.of("answerCallbackQuery")) == 1 and len(api.of("editMessageText")) == 1
    assert len(await world.ledger()) == 1


async def test_a_member_who_never_opened_a_private_chat_does_not_break_the_approval(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    api.fail["sendMessage"] = [(403, "Forbidden: bot can't initiate conversation with a user")]
    await app.process_update(press(app.bot, SECRETARY, f"a:{claim_id}", message_id=card))
    assert [c.method for c in api.calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert "已通过" in api.of("editMessageText")[0].params["text"]
    assert await world.status(claim_id) == "approved"


async def test_a_group_upgraded_to_a_supergroup_keeps_its_branch(
    app: TelegramApp, api: OfflineRequest
) -> None:
    upgraded = "-100777"
    body = {
        "message_id": 9, "date": DATE, "migrate_to_chat_id": int(upgraded),
        "chat": {"id": int(GROUP), "type": "group", "title": "群"},
        "from": {"id": int(SECRETARY), "is_bot": False, "first_name": "王书记"},
    }  # fmt: skip
    await app.process_update(Update.de_json({"update_id": 5001, "message": body}, app.bot))
    assert api.calls == []
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", chat=upgraded))
    [card] = api.of("sendMessage")
    assert card.params["chat_id"] == int(upgraded) and card.params["text"].startswith("📝 积分申报")
    await app.process_update(message(app.bot, ALICE, "申报 受乡级表彰 3月6日", chat=GROUP))
    unbound = api.of("sendMessage")[-1]
    assert unbound.params["chat_id"] == int(GROUP) and "尚未绑定" in unbound.params["text"]


async def test_a_photo_gone_from_the_store_is_replaced_by_a_note(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await world.set_branch(approvals="private")
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="p-gone"))
    assert len(api.of("sendPhoto")) == 2  # one before each approver's card
    for path in world.app.media.folder.rglob("*"):
        if path.is_file():
            path.unlink()
    api.clear()
    await app.process_update(message(app.bot, RECORDER, "/pending", chat=RECORDER))
    texts = [c.params["text"] for c in api.of("sendMessage")]
    assert api.of("sendPhoto") == [] and "(申报 #1 的凭证照片已不在存储中)" in texts
    assert any(t.startswith("📝 积分申报 #1") for t in texts)


async def test_a_photo_that_cannot_be_fetched_makes_no_claim_and_says_so(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    api.fail["getFile"] = [(500, "Internal Server Error")]
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="lost"))
    [said] = api.of("sendMessage")
    assert said.params["text"].startswith("照片没能收到, 申报没有提交")
    async with world.db.uow() as uow:
        assert await uow.claims.get(1) is None
    api.clear()
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="lost"))  # sent again
    [card] = api.of("sendMessage")
    assert "凭证: 1 张图片" in card.params["text"]
