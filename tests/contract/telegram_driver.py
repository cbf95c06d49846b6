"""The Telegram driver: real PTB ``Update`` objects through ``Application.process_update``, the
Bot API offline; what people see is read from the recorded ``sendMessage`` / ``sendPhoto`` /
``editMessageText`` / ``answerCallbackQuery`` calls."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from channels.offline import Call, OfflineRequest
from channels.updates import message, press
from handlers import chatworld
from handlers.chatworld import ChatWorld
from telegram.ext import ContextTypes

from bot.channels.telegram import TelegramApp, TelegramTransport, build_application
from contract.driver import ALICE, BOB, ELSEWHERE, GROUP, RECORDER, SECRETARY, STRANGER, Shown, Toast

ACCOUNTS = {
    SECRETARY: chatworld.SECRETARY, RECORDER: chatworld.RECORDER, ALICE: chatworld.ALICE, BOB: chatworld.BOB,
    STRANGER: chatworld.STRANGER,
}  # fmt: skip
CHATS = {GROUP: chatworld.GROUP, ELSEWHERE: "-3003"}


class TelegramDriver:
    name = "telegram"
    accounts = True
    anonymous = True

    def __init__(self, world: ChatWorld, api: OfflineRequest, tg: TelegramApp) -> None:
        self.world, self.api, self.tg = world, api, tg
        self.errors: list[BaseException] = []
        self.messages: dict[tuple[str, str], Shown] = {}
        self.order: list[Shown] = []
        self._seen = 0
        self._files = itertools.count(1)

    @classmethod
    async def start(cls, world: ChatWorld) -> TelegramDriver:
        api = OfflineRequest()
        tg = build_application(
            "123456:TEST", world.deps, world.app.media, request=api, updates_request=OfflineRequest()
        )
        world.app.add_transport(TelegramTransport(tg.bot, world.app.media))
        driver = cls(world, api, tg)

        async def keep(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert context.error is not None
            driver.errors.append(context.error)

        tg.add_error_handler(keep)
        await tg.initialize()
        api.clear()
        return driver

    async def close(self) -> None:
        await self.tg.shutdown()
        assert self.errors == []

    def _where(self, chat: object) -> str:
        chat = str(chat)
        for key, value in (*CHATS.items(), *ACCOUNTS.items()):
            if value == chat:
                return key
        return chat

    def _chat_id(self, where: str) -> str:
        return CHATS.get(where) or ACCOUNTS[where]

    def _collect(self) -> tuple[list[Shown], list[Call]]:
        """The messages posted since the last look (edits applied); the answers given."""
        new, answers = [], []
        for call in self.api.calls[self._seen :]:
            params = call.params
            if call.method == "sendMessage":
                shown = Shown(
                    self._where(params["chat_id"]),
                    str(call.result["message_id"]),
                    params["text"],
                    _buttons(params),
                )
                self.messages[(str(params["chat_id"]), shown.id)] = shown
            elif call.method == "sendPhoto":
                sha = hashlib.sha256(next(iter(params["files"].values()))).hexdigest()
                where, number = self._where(params["chat_id"]), str(call.result["message_id"])
                shown = Shown(where, number, params.get("caption", ""), photo=True, sha=sha)
            elif call.method == "sendDocument":
                (field, data), name = next(iter(params["files"].items())), ""
                name = params["file_names"][field]
                where, number = self._where(params["chat_id"]), str(call.result["message_id"])
                shown = Shown(where, number, params.get("caption") or "", file=name, content=data)
            elif call.method == "editMessageText":
                edited = self.messages[(str(params["chat_id"]), str(params["message_id"]))]
                edited.text, edited.buttons, edited.edits = params["text"], _buttons(params), edited.edits + 1
                continue
            else:
                if call.method == "answerCallbackQuery":
                    answers.append(call)
                continue
            self.order.append(shown)
            new.append(shown)
        self._seen = len(self.api.calls)
        return new, answers

    async def say(
        self, who: str, text: str, *, private: bool = False, photo: bytes | None = None, where: str = GROUP,
        hidden: bool = False, file: tuple[str, bytes] | None = None,
    ) -> list[Shown]:  # fmt: skip
        account = ACCOUNTS[who]
        file_id = document = None
        if photo is not None:
            file_id = f"f{next(self._files)}"
            self.api.files[file_id] = photo
        if file is not None:
            document = (f"d{next(self._files)}", file[0])
            self.api.files[document[0]] = file[1]
        chat = account if private else self._chat_id(where)
        update = message(
            self.tg.bot, account, text, chat=chat, photo=file_id, anonymous=hidden, document=document
        )
        await self.tg.process_update(update)
        return self._collect()[0]

    async def press(self, who: str, label_or_data: str, *, on: Shown) -> Toast:
        data = next((d for label, d in on.buttons if label == label_or_data), label_or_data)
        update = press(self.tg.bot, ACCOUNTS[who], data, message_id=int(on.id), chat=self._chat_id(on.where))
        await self.tg.process_update(update)
        _new, answers = self._collect()
        query = update.callback_query
        assert query is not None
        mine = [a for a in answers if a.params["callback_query_id"] == query.id]
        assert len(mine) == 1, f"a press gets exactly one answer, got {mine}"
        return Toast(mine[0].params.get("text") or "", bool(mine[0].params.get("show_alert")))

    def chat(self, where: str) -> list[Shown]:
        self._collect()  # what was sent meanwhile on others' behalf (e.g. from another platform)
        return [m for m in self.order if m.where == where]

    async def tick(self) -> list[Shown]:
        await self.world.app.clock.tick()
        return self._collect()[0]


def _buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
