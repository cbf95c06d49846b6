"""The Telegram channel end to end: real ``Update`` objects through ``Application.process_update``,
every Bot API call recorded by the offline request object."""

from __future__ import annotations

import pytest
from handlers.chatworld import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, ChatWorld
from telegram import Update
from telegram.ext import ContextTypes

from bot.channels.telegram import TelegramApp, announce
from bot.services.common import Actor
from bot.storage.schema import MemberRow
from channels.offline import DATE, OfflineRequest
from channels.updates import message, press


async def post_claim(
    app: TelegramApp, api: OfflineRequest, text: str = "申报 志愿服务 3月5日 社区清扫"
) -> tuple[int, int]:
    """Claim as Alice in the group; (claim id, message id of the approval card)."""
    update = message(app.bot, ALICE, text)
    await app.process_update(update)
    [sent] = api.of("sendMessage")
    assert sent.params["reply_parameters"]["message_id"] == update.message.message_id  # type: ignore[union-attr]
    claim_id = int(sent.buttons[0].split(":")[1])
    api.clear()
    return claim_id, 1000


async def test_initialize_asks_getme_for_the_bot_name(world: ChatWorld, api: OfflineRequest) -> None:
    from bot.channels.telegram import build_application

    application = build_application("123456:TEST", world.deps, request=api, updates_request=OfflineRequest())
    await application.initialize()
    assert [c.method for c in api.calls] == ["getMe"]
    assert application.bot.username == "PartyBot"
    await application.shutdown()


async def test_claim_in_the_group_posts_a_card_with_three_buttons(
    app: TelegramApp, api: OfflineRequest
) -> None:
    await app.process_update(message(app.bot, ALICE, "/claim@PartyBot 志愿服务 3月5日"))
    [sent] = api.calls
    assert sent.method == "sendMessage" and sent.params["chat_id"] == int(GROUP)
    assert "申报人: 张三" in sent.params["text"]
    labels = [b["text"] for row in sent.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["通过", "驳回", "调整分值"]
    assert [d[0] for d in sent.buttons] == ["a", "r", "j"]


async def test_a_command_for_another_bot_is_ignored(app: TelegramApp, api: OfflineRequest) -> None:
    await app.process_update(message(app.bot, ALICE, "/claim@OtherBot 志愿服务"))
    assert api.calls == []


async def test_photo_with_caption_attaches_evidence(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="uniq-photo-1"))
    [sent] = api.of("sendMessage")
    assert "凭证: 1 张图片" in sent.params["text"]
    api.clear()
    await app.process_update(message(app.bot, ALICE, "申报 义务劳动 3月6日", photo="uniq-photo-1"))
    [refused] = api.of("sendMessage")
    assert refused.params["text"].startswith("重复申报: 已有申报")
    assert refused.buttons == []


async def test_approve_edits_the_card_answers_and_tells_the_member(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    await app.process_update(press(app.bot, SECRETARY, f"a:{claim_id}", message_id=card))
    assert [c.method for c in api.calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    answer, edit, told = api.calls
    assert answer.params["text"] == f"已通过申报 {claim_id}" and not answer.params.get("show_alert")
    assert edit.params["message_id"] == card and edit.params["chat_id"] == int(GROUP)
    assert "已通过 (审核人: 王书记, 计 1 分)" in edit.params["text"] and "reply_markup" not in edit.params
    assert told.params["chat_id"] == int(ALICE)
    assert await world.ledger() == [(world.ids[ALICE], "volunteer", 1.0)]


async def test_second_press_alerts_already_handled_and_message_not_modified_is_harmless(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    await app.process_update(press(app.bot, SECRETARY, f"a:{claim_id}", message_id=card))
    api.clear()
    api.fail["editMessageText"] = [(400, "Bad Request: message is not modified")]
    await app.process_update(press(app.bot, RECORDER, f"a:{claim_id}", message_id=card))
    answer, edit = api.calls
    assert answer.params["show_alert"] is True and answer.params["text"].startswith("已处理")
    assert edit.method == "editMessageText"
    assert len(await world.ledger()) == 1


async def test_wrong_role_and_self_approval_get_an_alert_and_nothing_else(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    await app.process_update(press(app.bot, BOB, f"a:{claim_id}", message_id=card))
    await app.process_update(press(app.bot, ALICE, f"a:{claim_id}", message_id=card))
    await app.process_update(press(app.bot, STRANGER, f"r:{claim_id}:0", message_id=card))
    assert [c.method for c in api.calls] == ["answerCallbackQuery"] * 3
    texts = [c.params["text"] for c in api.calls]
    assert texts[0] == "只有支部书记/积分员可以审核。"
    assert texts[1] == "不能审批自己的申报"
    assert "尚未关联" in texts[2]
    assert all(c.params["show_alert"] for c in api.calls)
    assert await world.status(claim_id) == "pending"


async def test_reject_with_a_reason_and_adjust_with_points(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    rejected, card = await post_claim(app, api)
    await app.process_update(press(app.bot, SECRETARY, f"r:{rejected}", message_id=card))
    [_answer, ask] = api.calls
    assert ask.buttons == [f"r:{rejected}:{n}" for n in range(4)] + [f"b:{rejected}"]
    api.clear()
    await app.process_update(press(app.bot, SECRETARY, f"r:{rejected}:2", message_id=card))
    assert "原因: 日期或内容有误" in api.of("editMessageText")[0].params["text"]
    api.clear()
    adjusted, card = await post_claim(app, api, "申报 重点工作 3月3日")
    await app.process_update(press(app.bot, RECORDER, f"j:{adjusted}", message_id=card))
    assert api.of("editMessageText")[0].buttons == [f"j:{adjusted}:{p}" for p in (1, 2, 3)] + [
        f"b:{adjusted}"
    ]
    await app.process_update(press(app.bot, RECORDER, f"j:{adjusted}:2", message_id=card))
    assert await world.ledger() == [(world.ids[ALICE], "key_work", 2.0)]


async def test_unknown_item_offers_buttons_and_the_pick_turns_into_the_card(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await app.process_update(message(app.bot, ALICE, "申报 打扫卫生"))
    [offer] = api.calls
    assert len(offer.buttons) == 4 and offer.buttons[0].startswith("i:")
    api.clear()
    await app.process_update(press(app.bot, ALICE, offer.buttons[0], message_id=1000))
    answer, edit = api.calls
    assert answer.method == "answerCallbackQuery" and edit.method == "editMessageText"
    assert edit.params["message_id"] == 1000 and edit.buttons[0].startswith("a:")


async def test_the_same_update_delivered_twice_is_processed_once(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    update = message(app.bot, ALICE, "申报 志愿服务 3月5日")
    await app.process_update(update)
    await app.process_update(update)
    assert len(api.of("sendMessage")) == 1
    claim_id = int(api.calls[0].buttons[0].split(":")[1])
    pressing = press(app.bot, SECRETARY, f"a:{claim_id}", message_id=1000)
    await app.process_update(pressing)
    await app.process_update(pressing)
    assert len(api.of("answerCallbackQuery")) == 1
    assert len(await world.ledger()) == 1


async def test_a_member_who_never_opened_a_private_chat_does_not_break_the_approval(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    api.fail["sendMessage"] = [(403, "Forbidden: bot can't initiate conversation with a user")]
    await app.process_update(press(app.bot, SECRETARY, f"a:{claim_id}", message_id=card))
    assert [c.method for c in api.calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert await world.status(claim_id) == "approved"


async def test_pending_lists_cards_with_buttons_in_a_private_chat(
    app: TelegramApp, api: OfflineRequest
) -> None:
    claim_id, _card = await post_claim(app, api)
    await app.process_update(message(app.bot, SECRETARY, "待审核", chat=SECRETARY))
    head, card = api.calls
    assert head.params["chat_id"] == int(SECRETARY) and "共 1 条" in head.params["text"]
    assert card.buttons[0] == f"a:{claim_id}"


async def test_forged_button_data_is_refused(app: TelegramApp, api: OfflineRequest, world: ChatWorld) -> None:
    await app.process_update(press(app.bot, SECRETARY, "a:1;DROP", message_id=5))
    [answer] = api.calls
    assert answer.params["text"] == "这个按钮已失效。" and answer.params["show_alert"] is True


async def test_me_in_a_private_chat_after_an_approval(app: TelegramApp, api: OfflineRequest) -> None:
    claim_id, card = await post_claim(app, api)
    await app.process_update(press(app.bot, SECRETARY, f"a:{claim_id}", message_id=card))
    api.clear()
    await app.process_update(message(app.bot, ALICE, "/me", chat=ALICE))
    [sent] = api.calls
    assert sent.params["chat_id"] == int(ALICE)
    assert sent.params["text"].startswith("张三 2026 年积分 (截至 2026-03-10): 13 分")


async def test_start_in_the_group_explains_the_bot_for_the_role(
    app: TelegramApp, api: OfflineRequest
) -> None:
    await app.process_update(message(app.bot, SECRETARY, "/start@PartyBot"))
    await app.process_update(message(app.bot, BOB, "帮助"))
    secretary, member = (c.params["text"] for c in api.calls)
    assert "/pending" in secretary and "第一党支部" in secretary
    assert "/pending" not in member and "李四" in member


async def test_meeting_sign_in_and_the_report_when_the_window_closes(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await app.process_update(message(app.bot, SECRETARY, "/meeting@PartyBot 主题党日 10"))
    [card] = api.calls
    assert [b["text"] for row in card.params["reply_markup"]["inline_keyboard"] for b in row] == [
        "签到",
        "请假",
        "线上参加 (流动党员)",
    ]
    api.clear()
    await app.process_update(press(app.bot, ALICE, card.buttons[0], message_id=1000))
    answer, edit = api.calls
    assert answer.params["text"] == "已签到" and "出席 (1): 张三" in edit.params["text"]
    api.clear()
    world.clock.advance(10)
    await app.process_update(press(app.bot, BOB, card.buttons[0], message_id=1000))
    [late] = api.calls
    assert late.params["show_alert"] is True and "签到已结束" in late.params["text"]
    api.clear()
    await announce(app.bot, world.deps)
    closed_card, report = api.calls
    assert closed_card.method == "editMessageText" and closed_card.params["message_id"] == 1000
    assert "reply_markup" not in closed_card.params and "签到结束" in closed_card.params["text"]
    assert report.method == "sendMessage" and report.params["chat_id"] == int(GROUP)
    assert "缺席 (3): 王书记、赵积分员、李四" in report.params["text"]


async def test_join_with_a_code_in_a_private_chat_and_a_bad_code(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    async with world.db.uow() as uow:
        member = await uow.members.add(MemberRow(branch_id=world.branch_id, name="孙五"))
        await uow.commit()
    code = await world.deps.invites.issue(Actor(None, "cli"), world.branch_id, member.id)
    await app.process_update(message(app.bot, STRANGER, "/join WRONG123", chat=STRANGER))
    await app.process_update(message(app.bot, STRANGER, f"/join {code}", chat=STRANGER))
    bad, joined = (c.params["text"] for c in api.calls)
    assert bad.startswith("邀请码不对") and joined.startswith("已关联: 你是 第一党支部 的 孙五")


async def test_every_copy_of_a_card_shows_the_outcome(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await world.set_branch(approvals="private")
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日"))
    _ack, *copies = api.of("sendMessage")
    where = {c.params["chat_id"]: c.result["message_id"] for c in copies}
    assert sorted(where) == [int(SECRETARY), int(RECORDER)]
    claim_id = int(copies[0].buttons[0].split(":")[1])
    api.clear()
    await app.process_update(message(app.bot, RECORDER, "待审核", chat=RECORDER))
    queued = api.of("sendMessage")[1].result["message_id"]
    api.clear()
    pressed_at = where[int(SECRETARY)]
    await app.process_update(
        press(app.bot, SECRETARY, f"a:{claim_id}", message_id=pressed_at, chat=SECRETARY)
    )
    edits = sorted((e.params["chat_id"], e.params["message_id"]) for e in api.of("editMessageText"))
    assert edits == sorted(
        [(int(SECRETARY), pressed_at), (int(RECORDER), where[int(RECORDER)]), (int(RECORDER), queued)]
    )
    assert all(
        "已通过" in e.params["text"] and "reply_markup" not in e.params for e in api.of("editMessageText")
    )


async def test_an_unexpected_failure_is_reported_to_the_person_and_logged(
    world: ChatWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels.telegram import build_application

    api, errors = OfflineRequest(), []

    async def broken(*_args: object) -> None:
        raise RuntimeError("database is gone")

    async def keep(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    application = build_application("123456:TEST", world.deps, request=api, updates_request=OfflineRequest())
    application.add_error_handler(keep)
    monkeypatch.setattr(world.deps.chat, "where", broken)
    async with application:
        await application.process_update(message(application.bot, ALICE, "申报 志愿服务"))
        await application.process_update(press(application.bot, SECRETARY, "x:1:999", message_id=5))
    sent, answer = api.calls[1:]
    assert sent.params["text"] == "出错了, 没有完成。请稍后再试一次。"
    assert answer.method == "answerCallbackQuery" and answer.params["show_alert"] is True
    assert answer.params["text"] == sent.params["text"]
    assert [type(e) for e in errors] == [RuntimeError, RuntimeError]


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
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务", chat=upgraded))
    [card] = api.calls
    assert card.params["chat_id"] == int(upgraded) and card.params["text"].startswith("📝 积分申报")


async def test_approvers_in_private_get_a_copy_of_the_photo_before_the_card(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await world.set_branch(approvals="private")
    update = message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="uniq-photo-9")
    await app.process_update(update)
    assert update.message is not None
    per_chat: dict[int, list[str]] = {}
    for call in api.calls:
        per_chat.setdefault(int(call.params["chat_id"]), []).append(call.method)
    assert per_chat == {
        int(GROUP): ["sendMessage"],  # the acknowledgement
        int(SECRETARY): ["copyMessage", "sendMessage"],
        int(RECORDER): ["copyMessage", "sendMessage"],
    }
    for copy in api.of("copyMessage"):
        assert copy.params["from_chat_id"] == int(GROUP)
        assert copy.params["message_id"] == update.message.message_id


async def test_a_photo_that_can_no_longer_be_copied_is_replaced_by_a_note(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await world.set_branch(approvals="private")
    api.fail["copyMessage"] = [(400, "Bad Request: message to copy not found")] * 2
    await app.process_update(message(app.bot, ALICE, "申报 志愿服务 3月5日", photo="uniq-photo-10"))
    notes = [c for c in api.of("sendMessage") if "无法转发" in c.params["text"]]
    assert sorted(c.params["chat_id"] for c in notes) == sorted([int(SECRETARY), int(RECORDER)])
    cards = [c for c in api.of("sendMessage") if c.buttons]
    assert len(cards) == 2  # the cards still go out


async def test_an_anonymous_admin_is_asked_to_post_as_themself(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    update = Update.de_json(
        {
            "update_id": 90001,
            "message": {
                "message_id": 77,
                "date": DATE,
                "text": "/meeting 主题党日",
                "chat": {"id": int(GROUP), "type": "supergroup", "title": "第一党支部群"},
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": {"id": int(GROUP), "type": "supergroup", "title": "第一党支部群"},
            },
        },
        app.bot,
    )
    await app.process_update(update)
    [sent] = api.calls
    assert sent.method == "sendMessage" and "匿名" in sent.params["text"]
    assert sent.params["reply_parameters"]["message_id"] == 77


async def test_withdraw_edits_the_card_in_the_group(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    claim_id, card = await post_claim(app, api)
    await app.process_update(message(app.bot, ALICE, "撤回"))
    [offer] = api.calls
    assert offer.buttons == [f"w:{claim_id}"]
    api.clear()
    await app.process_update(press(app.bot, BOB, f"w:{claim_id}", message_id=offer.result["message_id"]))
    [refused] = api.calls
    assert refused.method == "answerCallbackQuery" and refused.params["show_alert"] is True
    api.clear()
    await app.process_update(press(app.bot, ALICE, f"w:{claim_id}", message_id=offer.result["message_id"]))
    edits = {(e.params["message_id"], "已撤回" in e.params["text"]) for e in api.of("editMessageText")}
    assert edits == {(card, True), (offer.result["message_id"], True)}
    assert await world.status(claim_id) == "withdrawn"


async def test_leave_is_asked_with_a_reason_and_approved_on_its_card(
    app: TelegramApp, api: OfflineRequest, world: ChatWorld
) -> None:
    await app.process_update(message(app.bot, SECRETARY, "/meeting 主题党日 30"))
    [sheet] = api.calls
    meeting = sheet.buttons[0].split(":")[1]
    api.clear()
    await app.process_update(press(app.bot, BOB, f"l:{meeting}", message_id=1000))
    answer, picker = api.calls
    assert answer.method == "answerCallbackQuery" and picker.method == "sendMessage"
    assert picker.params["reply_parameters"]["message_id"] == 1000
    api.clear()
    await app.process_update(press(app.bot, BOB, picker.buttons[0], message_id=picker.result["message_id"]))
    methods = [(c.method, c.params.get("message_id")) for c in api.calls]
    assert methods[:3] == [
        ("answerCallbackQuery", None),
        ("editMessageText", picker.result["message_id"]),  # the picker says it was filed
        ("editMessageText", 1000),  # the sign-in card shows the request
    ]
    [card] = [c for c in api.of("sendMessage") if c.buttons]
    assert card.params["chat_id"] == int(GROUP) and "请假申请" in card.params["text"]
    api.clear()
    await app.process_update(press(app.bot, SECRETARY, card.buttons[0], message_id=card.result["message_id"]))
    edits = {c.params["message_id"]: c.params["text"] for c in api.of("editMessageText")}
    assert "已批准" in edits[card.result["message_id"]] and "请假 (1): 李四" in edits[1000]
    [told] = api.of("sendMessage")
    assert told.params["chat_id"] == int(BOB) and "已批准" in told.params["text"]
