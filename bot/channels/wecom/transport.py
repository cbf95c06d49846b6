"""Delivering outbox rows to WeCom, for both API modes.

A row becomes ``markdown`` or ``template_card`` messages (see ``protocol``). WeCom cannot edit a
sent message: only the pressed card, in reply to its ``template_card_event`` within 5 s. So a
``Show`` or a card's ``Refresh`` updates the pressed copy while that is still possible and sends
the new state as a new message otherwise (and to every other chat holding a copy), and the answer
to a press (no toast on WeCom) is a short message in the chat pressed in. How a message or an
update reaches WeCom is the mode's business (``push`` / ``update``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels.render import follow_ups
from bot.channels.wecom import protocol as p
from bot.channels.wecom.connection import NotConnected, WecomError
from bot.delivery import Bucket, Refused, Retry
from bot.handlers.types import Body, body_of
from bot.i18n import t
from bot.media import MediaStore
from bot.storage.outbox import Outgoing

log = logging.getLogger(__name__)

#: WeCom's published limit for a robot: 20 messages a minute in one chat; and the bot as a whole
#: is kept under 30 a second.
CHAT_LIMIT = (20, 60.0)
BOT_LIMIT = Bucket("wecom:bot", 30, 1.0)


@dataclass(frozen=True, slots=True)
class Pressed:
    """A card event this process received: the card (task id), its chat, and when."""

    task: str
    chat: str
    at: float


class Presses:
    """The card events still answerable in place (WeCom allows 5 s), by press id."""

    def __init__(self, window: float = p.UPDATE_WINDOW) -> None:
        self.window = window
        self._seen: dict[str, Pressed] = {}

    def add(self, press: str, task: str, chat: str) -> None:
        now = time.monotonic()
        self._seen = {k: v for k, v in self._seen.items() if now - v.at < self.window}
        self._seen[press] = Pressed(task, chat, now)

    def fresh(self, press: object) -> Pressed | None:
        found = self._seen.get(str(press)) if press else None
        if found is None or time.monotonic() - found.at >= self.window:
            return None
        return found


class WecomTransport:
    """The mode-independent half: rendering, updates within the window, follow-ups, limits."""

    platform = p.PLATFORM

    def __init__(self, corp: str, media: MediaStore, presses: Presses) -> None:
        self.corp, self.media, self.presses = corp, media, presses

    # -- the mode's half ----------------------------------------------------------------------

    async def push(self, chat: str, msg: dict[str, Any]) -> None:
        """Send one message to a chat (a group's chatid or a user's userid)."""
        raise NotImplementedError

    async def update(self, press: str, card: dict[str, Any]) -> None:
        """Update the pressed card in reply to its event."""
        raise NotImplementedError

    async def image(self, chat: str, data: bytes) -> bool:
        """Send an image; False where the mode cannot (then a line says where it is)."""
        return False

    async def file(self, chat: str, data: bytes, name: str, mime: str) -> bool:
        """Send a file (an image as an image); False where the mode cannot (then a line says so)."""
        return False

    # -- Transport -----------------------------------------------------------------------------

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        if row.kind == "answer" and not row.payload.get("text"):
            return ()
        chats = [row.chat] if row.kind != "refresh" else [str(c) for c, _ in row.payload.get("copies", ())]
        return [BOT_LIMIT, *(Bucket(f"wecom:chat:{c}", *CHAT_LIMIT) for c in dict.fromkeys(chats) if c)]

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        payload = row.payload
        if row.kind == "answer":
            text = str(payload.get("text") or "")
            if text:
                await self._send_to(row.chat, p.markdown(p.answer_text(text, bool(payload.get("alert")))))
            return []
        if row.kind == "refresh":
            pressed = self.presses.fresh(payload.get("press"))
            updated = None
            copies = {str(m): str(c) for c, m in payload.get("copies", ())}
            if pressed is not None and copies.get(pressed.task) == pressed.chat:
                updated = (
                    pressed.task
                    if await self._update(str(payload["press"]), body_of(payload), pressed.task)
                    else None
                )
            for chat, body in follow_ups("refresh", payload, updated):
                await self._send_body(chat, body)
            return []
        if row.kind == "show":
            pressed = self.presses.fresh(payload.get("press"))
            message = str(payload.get("message") or "")
            in_place = pressed is not None and pressed.task == message and pressed.chat == row.chat
            if in_place and await self._update(str(payload["press"]), body_of(payload), message):
                return [(row.chat, message)]
            return (await self._send_body(row.chat, body_of(payload)))[:1]
        if payload.get("photo"):
            await self._photo(row)
        if payload.get("file"):
            await self._file(row.chat, payload["file"])
        return (await self._send_body(row.chat, body_of(payload)))[:1]

    async def _file(self, chat: str, file: dict[str, Any]) -> None:
        """The file first, then the message as its caption (WeCom's files carry none)."""
        name = str(file["name"])
        data = self.media.read(str(file["sha256"]))
        if data is None:
            await self._send_to(chat, p.markdown(t("file.gone", name=name)))
        elif not await self._call(self.file(self._target(chat), data, name, str(file["mime"]))):
            await self._send_to(chat, p.markdown(t("file.callback", name=name)))

    async def _photo(self, row: Outgoing) -> None:
        data = self.media.read(str(row.payload["photo"]))
        claim = _claim_of(row)
        if data is None:
            await self._send_to(row.chat, p.markdown(t("chat.card.photo_gone", id=claim)))
        elif not await self._call(self.image(self._target(row.chat), data)):
            await self._send_to(row.chat, p.markdown(t("wecom.photo_elsewhere", id=claim)))

    async def _send_body(self, chat: str, body: Body) -> list[tuple[str, str]]:
        posted = []
        for part in p.parts(body):
            task = p.task_id()
            await self._send_to(chat, p.message(part, task))
            posted.append((chat, task))
        return posted

    async def _send_to(self, chat: str, msg: dict[str, Any]) -> None:
        await self._call(self.push(self._target(chat), msg))

    async def _update(self, press: str, body: Body, task: str) -> bool:
        """The pressed card updated in place; False when WeCom no longer takes it (then a new message)."""
        card = p.template_card(p.parts(body)[0], task)
        try:
            await self._call(
                self.update(press, {"response_type": "update_template_card", "template_card": card})
            )
        except Refused as err:
            log.info("wecom: card %s not updated in place (%s); sent as a new message", task, err.reason)
            return False
        return True

    def _target(self, chat: str) -> str:
        try:
            corp, target = p.split(chat)
        except ValueError as exc:
            raise Refused(str(exc)) from exc
        if corp != self.corp:  # another corp's bot sends it (its process takes the row over)
            raise Retry(f"chat {chat} belongs to corp {corp}, not {self.corp}", after=600)
        return target

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except WecomError as err:
            if err.transient:
                raise Retry(f"errcode={err.errcode} errmsg={err.errmsg}") from err
            raise Refused(f"errcode={err.errcode} errmsg={err.errmsg}") from err
        except (NotConnected, TimeoutError, OSError) as err:
            raise Retry(f"{type(err).__name__}: {err}") from err


def _claim_of(row: Outgoing) -> str:
    key = row.card_key or ""
    return key.partition(":")[2] if key.startswith("claim:") else ""
