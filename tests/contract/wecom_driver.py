"""The WeCom drivers, one per API mode: people's messages and card presses are the callback bodies
WeCom sends (a group message starts with ``@积分助手``; a photo comes as an encrypted image in a
``mixed`` message; a file as a ``file`` message of its own, encrypted too, its name given by the
download), and what people see is read back from what WeCom was asked to show. WeCom delivers a
file to the robot only from a private chat: one posted in a group never reaches the bot.

``long_connection``: the bot's real long connection to the fake WeCom on loopback (frames in,
``aibot_send_msg`` / ``aibot_respond_update_msg`` / uploads out). ``callback``: encrypted POSTs to
the bot's HTTP app with wechatpy's crypto; the passive replies (decrypted) and the posts to each
callback's ``response_url`` are what WeCom shows.

A WeCom card cannot be edited later: only the pressed one, in reply to its event. The answer to a
press (WeCom has no toast) is a short message beginning with ``> `` in the chat pressed in (for a
card in a private chat, the presser's own chat with the bot: a private event names no other); the
driver reads it as the press's ``Toast`` (``⚠️`` marks an alert)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from typing import Any

import httpx
from channels.wecom_fake import BOT_ID, CORP, SECRET, FakeWecom, disposition, encrypt_media
from handlers import chatworld
from handlers.chatworld import ChatWorld

from bot.channels.wecom import protocol as p
from bot.channels.wecom.callback import CallbackEndpoint, CallbackTransport, ResponseUrls
from bot.channels.wecom.connection import LongConnection
from bot.channels.wecom.longconn import Downloader, LongConnectionChannel, LongConnectionTransport
from bot.channels.wecom.transport import Presses
from bot.delivery import Limiter
from contract.driver import ALICE, BOB, ELSEWHERE, GROUP, RECORDER, SECRETARY, STRANGER, Shown, Toast

USERS = {SECRETARY: "wangshuji", RECORDER: "zhaojifen", ALICE: "zhangsan", BOB: "lisi", STRANGER: "luren"}
TELEGRAM = {
    SECRETARY: chatworld.SECRETARY,
    RECORDER: chatworld.RECORDER,
    ALICE: chatworld.ALICE,
    BOB: chatworld.BOB,
}
CHATS = {GROUP: "wrGROUPchat1", ELSEWHERE: "wrOTHERchat2"}
AES_KEY, TOKEN, PATH = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "tok3n", "/wecom"

_ids = itertools.count(1)


async def link_on_wecom(world: ChatWorld) -> None:
    """The chat world's people and group, on WeCom too (under the corp)."""
    async with world.db.uow() as uow:
        for who, tg in TELEGRAM.items():
            await uow.members.link(world.ids[tg], p.PLATFORM, p.account(CORP, USERS[who]))
        await uow.branches.bind_chat(world.branch_id, p.PLATFORM, p.account(CORP, CHATS[GROUP]))
        await uow.commit()


def message_body(
    user: str,
    text: str,
    *,
    chat: str | None,
    image: tuple[str, str] | None = None,
    file: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What WeCom sends for a message: in a group (``chat``) it starts with the @mention; an
    ``image`` or a ``file`` is (url, aeskey), the key "" in callback mode (none is sent)."""
    n = next(_ids)
    body: dict[str, Any] = {
        "msgid": f"msg{n}", "aibotid": BOT_ID, "chattype": "group" if chat else "single", "from": {"userid": user},
        "create_time": int(time.time()), "response_url": f"https://wecom.invalid/response/{n}",
    }  # fmt: skip
    if chat:
        body["chatid"] = chat
        text = f"@积分助手 {text}"
    if file is not None:
        url, key = file
        body |= {"msgtype": "file", "file": {"url": url} | ({"aeskey": key} if key else {})}
    elif image is None:
        body |= {"msgtype": "text", "text": {"content": text}}
    else:
        url, key = image
        items = [
            {"msgtype": "text", "text": {"content": text}},
            {"msgtype": "image", "image": {"url": url, "aeskey": key}},
        ]
        body |= {"msgtype": "mixed", "mixed": {"msg_item": items}}
    return body


def event_body(
    user: str, key: str, task: str, *, chat: str | None, pick: str | None = None
) -> dict[str, Any]:
    n = next(_ids)
    card: dict[str, Any] = {"card_type": "button_interaction", "event_key": key, "task_id": task}
    if pick is not None:
        card["selected_items"] = {
            "selected_item": [{"question_key": p.QUESTION, "option_ids": {"option_id": [pick]}}]
        }
    body: dict[str, Any] = {
        "msgid": f"evt{n}", "aibotid": BOT_ID, "chattype": "group" if chat else "single", "from": {"userid": user},
        "create_time": int(time.time()), "msgtype": "event", "response_url": f"https://wecom.invalid/response/{n}",
        "event": {"eventtype": "template_card_event", "template_card_event": card},
    }  # fmt: skip
    if chat:
        body["chatid"] = chat
    return body


def card_text(card: dict[str, Any]) -> tuple[str, list[tuple[str, str]], set[str]]:
    """A template card as the reference lines, its buttons (label, data), and which data are dropdown options."""
    lines = [card["main_title"]["title"]]
    lines += [f"{row['keyname']}: {row['value']}" for row in card.get("horizontal_content_list", [])]
    if card.get("sub_title_text"):
        lines += card["sub_title_text"].split("\n")
    buttons = [(b["text"], b["key"]) for b in card.get("button_list", []) if b["key"] != p.PICK]
    options = [(o["text"], o["id"]) for o in (card.get("button_selection") or {}).get("option_list", [])]
    return "\n".join(lines), buttons + options, {d for _, d in options}


def limiter(world: ChatWorld) -> Limiter:
    """WeCom's rate limits on the world's clock as well as real time: a test that moves the clock on
    by a minute gives the chat room for 20 more messages, as a minute of real time would."""
    start = world.clock.now()
    return Limiter(clock=lambda: time.monotonic() + (world.clock.now() - start).total_seconds())


class WecomDriver:
    """What both modes share: reading what WeCom was asked to show."""

    name = "wecom"
    accounts = True
    anonymous = False

    def __init__(self, world: ChatWorld) -> None:
        self.world = world
        self.messages: dict[str, Shown] = {}  # task id (or a number) -> message
        self.options: dict[str, set[str]] = {}
        self.order: list[Shown] = []
        self.toasts: list[tuple[str, Toast]] = []  # (chat, toast)
        #: (kind, chat or press, payload) as WeCom received them, read by ``_collect``.
        self.shown: list[tuple[str, str, Any]] = []
        self._seen = 0
        self.presses = Presses()

    def _where(self, target: str) -> str:
        for key, value in (*CHATS.items(), *USERS.items()):
            if value == target:
                return key
        return target

    def _collect(self) -> list[Shown]:
        new: list[Shown] = []
        for kind, target, payload in self.shown[self._seen :]:
            if kind == "image":
                shown = Shown(
                    self._where(target),
                    f"img{next(_ids)}",
                    photo=True,
                    sha=hashlib.sha256(payload).hexdigest(),
                )
            elif kind == "file":
                shown = Shown(self._where(target), f"file{next(_ids)}", file=payload[0], content=payload[1])
            elif kind == "update":
                card = payload["template_card"]
                edited = self.messages[card["task_id"]]
                edited.text, edited.buttons, options = card_text(card)
                self.options[edited.id] = options
                edited.edits += 1
                continue
            elif payload["msgtype"] == "markdown":
                text = payload["markdown"]["content"]
                if text.startswith(p.NOTICE):
                    text = text.removeprefix(p.NOTICE)
                    alert = text.startswith(p.ALERT)
                    self.toasts.append((self._where(target), Toast(text.removeprefix(p.ALERT), alert)))
                    continue
                shown = Shown(self._where(target), f"m{next(_ids)}", text)
            else:
                card = payload["template_card"]
                text, buttons, options = card_text(card)
                shown = Shown(self._where(target), card["task_id"], text, buttons)
                self.options[shown.id] = options
            self.messages[shown.id] = shown
            self.order.append(shown)
            new.append(shown)
        self._seen = len(self.shown)
        return new

    def _chat_of(self, who: str, private: bool, where: str) -> str | None:
        return None if private else CHATS.get(where, where)

    async def say(
        self, who: str, text: str, *, private: bool = False, photo: bytes | None = None, where: str = GROUP,
        hidden: bool = False, file: tuple[str, bytes] | None = None,
    ) -> list[Shown]:  # fmt: skip
        assert not hidden, "WeCom has no anonymous posting"
        chat = self._chat_of(who, private, where)
        if file is not None:
            assert not text and photo is None, "on WeCom a file is a message of its own, without a caption"
            if chat is None:  # WeCom passes the robot files sent in a private chat only
                await self._deliver(message_body(USERS[who], "", chat=None, file=self._file(*file)))
            return self._collect()
        image = self._image(photo) if photo is not None else None
        await self._deliver(message_body(USERS[who], text, chat=chat, image=image))
        return self._collect()

    async def press(self, who: str, label_or_data: str, *, on: Shown) -> Toast:
        data = next((d for label, d in on.buttons if label == label_or_data), label_or_data)
        chat = CHATS.get(on.where)
        picked = data in self.options.get(on.id, set())
        before = len(self.toasts)
        body = event_body(
            USERS[who], p.PICK if picked else data, on.id, chat=chat, pick=data if picked else None
        )
        await self._deliver(body, event=True)
        self._collect()
        pressed_in = on.where if chat else who  # a private event comes from the presser's own chat
        answers = [toast for where, toast in self.toasts[before:] if where == pressed_in]
        assert len(answers) <= 1, f"a press gets exactly one answer, got {answers}"
        return answers[0] if answers else Toast("")

    def chat(self, where: str) -> list[Shown]:
        self._collect()
        return [m for m in self.order if m.where == where]

    async def tick(self) -> list[Shown]:
        await self.world.app.clock.tick()
        await self._settle()
        return self._collect()

    def _image(self, photo: bytes) -> tuple[str, str]:
        raise NotImplementedError

    def _file(self, name: str, data: bytes) -> tuple[str, str]:
        raise NotImplementedError

    async def _deliver(self, body: dict[str, Any], event: bool = False) -> None:
        raise NotImplementedError

    async def _settle(self) -> None:
        return None


class LongConnectionDriver(WecomDriver):
    name = "wecom"

    def __init__(self, world: ChatWorld, fake: FakeWecom, http: httpx.AsyncClient) -> None:
        super().__init__(world)
        self.fake, self.http = fake, http
        self.channel = LongConnectionChannel(
            world.deps, CORP, Downloader(world.app.media, http), self.presses
        )
        self.connection = LongConnection(BOT_ID, SECRET, self.channel.on_frame, url=fake.url, timeout=5.0)
        self.stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._read = 0

    @classmethod
    async def start(cls, world: ChatWorld, *, link: bool = True) -> LongConnectionDriver:
        if link:
            await link_on_wecom(world)
        fake = await FakeWecom().start()
        driver = cls(world, fake, httpx.AsyncClient())
        world.app.add_transport(
            LongConnectionTransport(driver.connection, CORP, world.app.media, driver.presses), limiter(world)
        )
        first = await driver.connection.open()
        driver._task = asyncio.create_task(driver.connection.run(driver.stop, first))
        return driver

    async def close(self) -> None:
        self.stop.set()
        if self._task is not None:
            await self._task
        await self.http.aclose()
        await self.fake.close()

    def _image(self, photo: bytes) -> tuple[str, str]:
        return self.fake.media(photo)

    def _file(self, name: str, data: bytes) -> tuple[str, str]:
        return self.fake.media(data, name)

    def _collect(self) -> list[Shown]:
        for frame in self.fake.accepted[self._read :]:
            body = dict(frame.get("body") or {})
            if frame["cmd"] == "aibot_send_msg":
                chat = body.pop("chatid")
                if body["msgtype"] == "image":
                    self.shown.append(("image", chat, self.fake.uploads[body["image"]["media_id"]]))
                elif body["msgtype"] == "file":
                    media = body["file"]["media_id"]
                    self.shown.append(
                        ("file", chat, (self.fake.upload_names[media], self.fake.uploads[media]))
                    )
                else:
                    self.shown.append(("send", chat, body))
            elif frame["cmd"] == "aibot_respond_update_msg":
                self.shown.append(("update", frame["headers"]["req_id"], body))
        self._read = len(self.fake.accepted)
        return super()._collect()

    async def _deliver(self, body: dict[str, Any], event: bool = False) -> None:
        before = self.channel.received
        await self.fake.push(body, "aibot_event_callback" if event else "aibot_msg_callback")
        deadline = time.monotonic() + 10
        while self.channel.received <= before:
            assert time.monotonic() < deadline, "the bot did not take the callback"
            await asyncio.sleep(0.005)
        await self.connection.settled()


class CallbackDriver(WecomDriver):
    name = "wecom-callback"

    def __init__(self, world: ChatWorld) -> None:
        super().__init__(world)
        self.urls = ResponseUrls()
        self.media: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self._wecom_api))
        self.endpoint = CallbackEndpoint(
            world.deps, CORP, TOKEN, AES_KEY, Downloader(world.app.media, self.http), self.presses, self.urls
        )
        world.app.routes += self.endpoint.routes(PATH)
        world.app.add_transport(
            CallbackTransport(CORP, world.app.media, self.presses, self.urls, self.http), limiter(world)
        )
        from channels.wecom_fake import CallbackClient

        asgi = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=world.app.http()), base_url="http://bot.test"
        )
        self.client = CallbackClient(asgi, PATH, TOKEN, AES_KEY)
        self._targets: dict[str, str] = {}  # response_url -> the chat it answers in

    @classmethod
    async def start(cls, world: ChatWorld) -> CallbackDriver:
        await link_on_wecom(world)
        return cls(world)

    async def close(self) -> None:
        await self.client.http.aclose()
        await self.http.aclose()

    def _image(self, photo: bytes, headers: dict[str, str] | None = None) -> tuple[str, str]:
        n = str(next(_ids))
        self.media[n] = (encrypt_media(photo, AES_KEY), headers or {})
        return f"https://wecom.invalid/media/{n}", ""  # callback mode: encrypted with the EncodingAESKey

    def _file(self, name: str, data: bytes) -> tuple[str, str]:
        return self._image(data, {"Content-Disposition": disposition(name)})

    def _wecom_api(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/media/"):
            data, headers = self.media[request.url.path.rsplit("/", 1)[1]]
            return httpx.Response(
                200, content=data, headers={"Content-Type": "application/octet-stream", **headers}
            )
        msg = json.loads(request.content)
        self.shown.append(("send", self._targets[str(request.url)], msg))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    async def _deliver(self, body: dict[str, Any], event: bool = False) -> None:
        target = body.get("chatid") or body["from"]["userid"]
        self._targets[body["response_url"]] = target
        response = await self.client.post(body)
        assert response.status_code == 200, response.text
        if response.content:
            reply = self.client.decrypt(response.json())
            if reply.get("response_type") == "update_template_card":
                self.shown.append(("update", "", reply))
            elif reply["msgtype"] == "stream":
                self.shown.append(
                    (
                        "send",
                        target,
                        {"msgtype": "markdown", "markdown": {"content": reply["stream"]["content"]}},
                    )
                )
            else:
                self.shown.append(("send", target, reply))


#: Flows that state what WeCom cannot do, by test; run all the same and expected to fail (strictly:
#: one that starts passing fails the suite, so the list stays true).
_CANNOT_EDIT = (
    "WeCom updates a card only in reply to a press on that very card (within 5 s): this flow "
    "expects a copy nobody pressed (or a card changed by a typed command or the clock) to change "
    "in place; on WeCom its new state is posted as a new message instead"
)
_NO_NAME = "WeCom's callbacks name a person by userid only (letters and digits), never by display name"
_NO_PUSH = (
    "in callback mode WeCom lets the bot only answer: one passive reply and one response_url per "
    "callback (each used once, within the hour); a further message, or one to a chat nobody wrote "
    "in (a private notice, the clock's sheet), waits in the outbox until someone writes there. "
    "Pushing to a chat (aibot_send_msg) is the long connection's alone"
)
_NO_GROUP_FILES = (
    "WeCom passes the intelligent robot a file only from a private chat: a sheet posted in the "
    "group never reaches the bot, so it cannot answer there that sheets go privately"
)
_NO_FILES = (
    "a robot in callback mode can only answer with text and template cards: WeCom documents no file "
    "or media upload for it, so an exported file is replaced by a line saying where to get it"
)
LIMITS: dict[str, dict[str, str]] = {
    "wecom": {
        "test_reject_by_command_with_a_reason_in_own_words": _CANNOT_EDIT,
        "test_withdraw_by_number_only_the_claimant": _CANNOT_EDIT,
        "test_withdraw_by_button_only_the_claimant": _CANNOT_EDIT,
        "test_private_approvals_send_the_card_to_each_approver": _CANNOT_EDIT,
        "test_leave_is_asked_by_the_member_and_approved_by_an_approver": _CANNOT_EDIT,
        "test_the_clock_closes_the_sign_in_and_the_absent_are_scored": _CANNOT_EDIT,
        "test_the_secretary_closes_it_early": _CANNOT_EDIT,
        "test_bind_by_the_secretary_then_claims_work_in_that_group": _CANNOT_EDIT,
        "test_pending_is_for_approvers_with_the_photo_before_each_card_in_private": _CANNOT_EDIT,
        "test_join_by_name_is_confirmed_by_the_secretary_only_once": _NO_NAME,
        "test_only_the_schemes_roles_import_and_only_in_private": _NO_GROUP_FILES,
        # a typed 签到 / 请假 / 通过 N / /approve N changes a card nobody pressed: its new state
        # comes as one more message, and the card the flow holds keeps its old lines
        "test_typed_sign_in_and_leave_act_like_the_buttons": _CANNOT_EDIT,
        "test_an_approver_decides_by_typing": _CANNOT_EDIT,
        "test_the_same_words_as_slash_commands_in_english": _CANNOT_EDIT,
    },
}
LIMITS["wecom-callback"] = {
    **LIMITS["wecom"],
    # more messages than one answer and one response_url, or a message to a chat nobody wrote in
    "test_pending_is_for_approvers_with_the_photo_before_each_card_in_private": _NO_PUSH,
    "test_bind_by_the_secretary_then_claims_work_in_that_group": _NO_PUSH,
    "test_the_clock_closes_the_sign_in_and_the_absent_are_scored": _NO_PUSH,
    "test_private_approvals_send_the_card_to_each_approver": _NO_PUSH,
    "test_the_secretary_approves_every_copy_shows_it_and_the_member_is_told": _NO_PUSH,
    "test_reject_with_a_preset_reason": _NO_PUSH,
    "test_claim_and_approval_in_english": _NO_PUSH,
    "test_my_points_go_privately_and_the_group_only_hears_they_were_sent": _NO_PUSH,
    # a notice to the member concerned, or the card to the secretary, in a chat nobody wrote in
    "test_the_text_form_records_the_sheet_and_tells_the_absent_privately": _NO_PUSH,
    "test_the_card_cycles_each_member_and_records_on_confirm": _NO_PUSH,
    "test_a_month_is_marked_and_the_late_member_told_privately": _NO_PUSH,
    "test_a_changed_mark_supersedes_the_old_one_and_reverses_its_points": _NO_PUSH,
    "test_a_recorded_deduction_is_told_privately_with_its_rule_and_never_posted_in_the_group": _NO_PUSH,
    "test_a_batch_records_one_entry_per_member_with_the_reason": _NO_PUSH,
    "test_items_and_points_outside_the_scheme_are_refused": _NO_PUSH,
    "test_the_secretary_corrects_an_entry_once_and_the_member_is_told": _NO_PUSH,
    "test_entries_show_numbers_who_and_the_corrections": _NO_PUSH,
    "test_with_the_branchs_confirmation_a_recorders_entry_waits_for_the_secretary": _NO_PUSH,
    # the answer to 积分 / 我的积分, or the member told of a rejection, a refused leave or an
    # approval by typing, goes to the member's private chat, which nobody wrote in
    "test_words_for_my_points_answer_privately_with_one_line_in_the_group": _NO_PUSH,
    "test_an_approver_decides_by_typing": _NO_PUSH,
    "test_a_leading_role_is_marked_seen_and_confirmed": _NO_PUSH,
    "test_a_rejected_member_is_told_they_may_claim_again": _NO_PUSH,
    "test_refused_leave_says_the_member_can_still_sign_in": _NO_PUSH,
    # the committee's yearly publicity: the clock's post to a group and the table to the staff
    "test_the_clock_posts_each_branchs_own_stars_once_and_the_table_to_the_staff": _NO_PUSH,
}
# a file is sent by the long connection's upload; a robot in callback mode answers text only
LIMITS["wecom-callback"]["test_the_ledger_comes_as_a_file_in_private_and_never_in_the_group"] = _NO_FILES
LIMITS["wecom-callback"]["test_export_alone_offers_the_kinds_and_a_member_gets_only_their_own_card"] = (
    _NO_FILES
)
LIMITS["wecom-callback"][
    "test_the_result_comes_privately_as_text_and_as_the_xlsx_the_command_line_writes"
] = _NO_FILES
LIMITS["wecom-callback"]["test_the_staff_get_the_sheet_to_fill_in_in_the_chat"] = _NO_FILES
# In callback mode /approve N is answered by the card's new state and 已通过 in the group, while the
# member's notice waits in the outbox: the notice the flow checks never arrives.
LIMITS["wecom-callback"]["test_the_same_words_as_slash_commands_in_english"] = _NO_PUSH
# the red passbook: the request's card goes to the secretary, and the passbook asked for in the group
# to the member, in private chats nobody wrote in
LIMITS["wecom-callback"]["test_asked_in_the_group_the_passbook_goes_privately"] = _NO_PUSH
LIMITS["wecom-callback"]["test_a_member_redeems_from_the_catalog_and_the_secretary_confirms_once"] = _NO_PUSH
LIMITS["wecom-callback"]["test_a_second_press_says_it_is_decided_already"] = _NO_PUSH
# the clock posts the publicity in the group, where nobody wrote
LIMITS["wecom-callback"]["test_an_objection_is_corrected_from_the_card_and_the_period_becomes_final"] = (
    _NO_PUSH
)
# 述职评议: the group told of the ballot, and the clock's result to the committee's staff, in chats
# nobody wrote in
LIMITS["wecom-callback"]["test_members_rate_the_report_once_and_the_clock_scores_the_branch"] = _NO_PUSH


def limit(mode: str, test: str) -> str | None:
    """Why WeCom in ``mode`` cannot pass ``test`` (its function name), if it cannot."""
    return LIMITS.get(mode, {}).get(test)
