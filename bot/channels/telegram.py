"""The Telegram channel (python-telegram-bot 22): translation only, no business rule.

An ``Update`` becomes an ``Incoming`` (a photo is downloaded once into the media store and named
by its sha256); the router handles it in one unit of work; the outbox rows it wrote are
delivered by ``TelegramTransport`` as ``sendMessage`` / ``sendPhoto`` / ``sendDocument`` /
``editMessageText`` / ``answerCallbackQuery`` calls. API errors become ``Retry`` (network, 5xx,
429 with its ``retry_after``) or ``Refused`` (blocked, chat gone, query too old) for the sender.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels.render import Capabilities, pages, rows, text_of
from bot.delivery import Bucket, Refused, Retry
from bot.handlers.context import Deps
from bot.handlers.router import handle
from bot.handlers.types import Action, Body, Incoming, Media, body_of
from bot.i18n import t
from bot.media import MediaStore
from bot.storage.outbox import Outgoing

# Durations from the Bot API (``retry_after``) as ``timedelta``: PTB 22's announced behaviour,
# without a deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PLATFORM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's published limits: 30 messages a second per bot, 20 a minute per group.
BOT_LIMIT, GROUP_LIMIT = Bucket("telegram:bot", 30, 1.0), (20, 60.0)
CAPABILITIES = Capabilities(buttons_in_groups=True, edit=True, max_buttons=100, per_row=3, text_limit=4096)
#: The longest caption of a document or photo.
CAPTION_LIMIT = 1024
#: The largest photo downloaded as evidence (Telegram's bots may fetch files up to 20 MB).
MAX_PHOTO = 20 * 1024 * 1024
log = logging.getLogger(__name__)
T = TypeVar("T")

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


async def incoming(update: Update, media: MediaStore) -> Incoming | None:
    """The neutral form of an update; None for anything the bot does not act on."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        return Incoming(
            PLATFORM, str(query.from_user.id), str(chat.id if chat else query.from_user.id),
            private=chat is None or chat.type == "private", user_name=query.from_user.full_name,
            data=query.data or "", message=str(query.message.message_id) if query.message else None,
            update=str(update.update_id), press=query.id,
        )  # fmt: skip
    msg = update.message
    if msg is None or msg.from_user is None:
        return None
    try:
        photo, failed = await _photo(msg, media), False
    except (TelegramError, OSError) as exc:  # Telegram or the disk let the download down: say so
        log.warning("telegram: the photo of update %s could not be fetched: %s", update.update_id, exc)
        photo, failed = None, True
    return Incoming(
        PLATFORM, str(msg.from_user.id), str(msg.chat.id), private=msg.chat.type == "private",
        user_name=msg.from_user.full_name, text=msg.text or msg.caption or "", photo=photo,
        message=str(msg.message_id), update=str(update.update_id),
        # Sent "as the group" (an anonymous admin) or as a channel: the person is hidden.
        anonymous=msg.sender_chat is not None, photo_failed=failed, document=_document(msg, photo),
    )  # fmt: skip


async def _photo(msg: Message, media: MediaStore) -> Media | None:
    """An attached photo (largest size) or document, downloaded into the media store (a document
    that is not a picture, such as a filled sheet, is also the message's ``document``)."""
    if msg.photo:
        file_id, mime, size = msg.photo[-1].file_id, "image/jpeg", msg.photo[-1].file_size
    elif msg.document is not None:
        file_id, mime, size = msg.document.file_id, msg.document.mime_type or "", msg.document.file_size
    else:
        return None
    if size is not None and size > MAX_PHOTO:
        return None
    file = await msg.get_bot().get_file(file_id)
    return media.put(bytes(await file.download_as_bytearray()), mime or "application/octet-stream")


def _document(msg: Message, stored: Media | None) -> Media | None:
    """A file that is not a picture (a filled sheet), with its name: the download ``_photo`` made."""
    if msg.document is None or stored is None or stored.mime.startswith("image/"):
        return None
    return replace(stored, name=msg.document.file_name or "")


def keyboard(buttons: list[list[Action]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


class TelegramTransport:
    """Delivers outbox rows through the Bot API."""

    platform = PLATFORM

    def __init__(self, bot: Bot, media: MediaStore) -> None:
        self.bot, self.media = bot, media

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        if row.kind == "answer":
            return ()
        chats = [row.chat] if row.kind != "refresh" else [str(c) for c, _ in row.payload.get("copies", ())]
        groups = [
            Bucket(f"telegram:group:{c}", *GROUP_LIMIT) for c in dict.fromkeys(chats) if c.startswith("-")
        ]
        return [BOT_LIMIT, *groups]

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        payload = row.payload
        if row.kind == "answer":
            text = str(payload.get("text") or "") or None
            await _call(
                self.bot.answer_callback_query(
                    str(payload["press"]), text, show_alert=bool(payload.get("alert"))
                )
            )
            return []
        if row.kind == "refresh":
            for chat, message in payload.get("copies", ()):
                await self._edit(body_of(payload), int(chat), int(message), per_copy=True)
            return []
        if row.kind == "show":
            message = payload.get("message")
            if message is None:
                raise Refused("the pressed message is unknown")
            await self._edit(body_of(payload), int(row.chat), int(message))
            return [(row.chat, str(message))]
        return await self._send(row)

    async def _send(self, row: Outgoing) -> list[tuple[str, str]]:
        chat, payload = int(row.chat), row.payload
        if payload.get("photo"):
            data = self.media.read(str(payload["photo"]))
            if data is None:
                await _call(self.bot.send_message(chat, t("chat.card.photo_gone", id=_claim_of(row))))
            else:
                await _call(self.bot.send_photo(chat, data, caption=t("chat.card.photo", id=_claim_of(row))))
        if payload.get("file"):
            captioned = await self._file(chat, payload)
            if captioned is not None:
                return [(row.chat, str(captioned))]
        posted = []
        quote = payload.get("quote")
        for n, part in enumerate(pages(body_of(payload), CAPABILITIES)):
            reply = (
                ReplyParameters(int(quote), allow_sending_without_reply=True) if quote and n == 0 else None
            )
            sent = await _call(
                self.bot.send_message(
                    chat, text_of(part, CAPABILITIES.text_limit), reply_markup=keyboard(rows(part, CAPABILITIES)),
                    reply_parameters=reply,
                )
            )  # fmt: skip
            posted.append((row.chat, str(sent.message_id)))
        return posted[:1]

    async def _file(self, chat: int, payload: dict[str, Any]) -> int | None:
        """The file as a document (a picture as a photo), the message as its caption when it fits
        one; the message id when the caption carried the whole message, None when it must follow."""
        file = payload["file"]
        data = self.media.read(str(file["sha256"]))
        if data is None:
            await _call(self.bot.send_message(chat, t("file.gone", name=file["name"])))
            return None
        body = body_of(payload)
        caption = body if isinstance(body, str) and len(body) <= CAPTION_LIMIT else None
        if str(file["mime"]).startswith("image/"):
            sent = await _call(self.bot.send_photo(chat, data, caption=caption))
        else:
            document = InputFile(data, filename=str(file["name"]))
            sent = await _call(self.bot.send_document(chat, document, caption=caption))
        return sent.message_id if caption is not None else None

    async def _edit(self, body: Body, chat: int, message: int, *, per_copy: bool = False) -> None:
        first = pages(body, CAPABILITIES)[0]
        edit = self.bot.edit_message_text(
            text_of(first, CAPABILITIES.text_limit), chat_id=chat, message_id=message,
            reply_markup=keyboard(rows(first, CAPABILITIES)),
        )  # fmt: skip
        try:
            await _call(edit)
        except Refused as err:
            if not per_copy:
                raise
            # one copy deleted (or too old to edit) must not stop the others being updated
            log.info("telegram: copy %s/%s not updated: %s", chat, message, err.reason)


def _claim_of(row: Outgoing) -> str:
    key = row.card_key or ""
    return key.partition(":")[2] if key.startswith("claim:") else ""


async def _call(call: Awaitable[T]) -> T:
    """Await an API call; its errors become ``Retry`` or ``Refused`` (an unchanged message is fine)."""
    try:
        return await call
    except RetryAfter as exc:
        after = exc.retry_after
        raise Retry(
            "429 Too Many Requests",
            after.total_seconds() if hasattr(after, "total_seconds") else float(after),
        ) from exc
    except BadRequest as exc:  # e.g. "Message is not modified", "Query is too old", "Chat not found"
        if "not modified" in exc.message.lower():
            return None  # type: ignore[return-value]
        raise Refused(f"400 {exc.message}") from exc
    except Forbidden as exc:  # blocked by the user, or never opened a private chat with the bot
        raise Refused(f"403 {exc.message}") from exc
    except (TimedOut, NetworkError) as exc:  # includes the 5xx answers
        raise Retry(f"network: {exc.message}") from exc
    except TelegramError as exc:  # an invalid token, a conflict: not something a retry mends
        raise Refused(f"{type(exc).__name__}: {exc.message}") from exc


class TelegramChannel:
    """Feeds every update through the neutral handlers."""

    def __init__(self, deps: Deps, media: MediaStore) -> None:
        self.deps, self.media = deps, media

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        migrated = update.message.migrate_to_chat_id if update.message is not None else None
        if migrated is not None and update.message is not None:  # the group became a supergroup
            await self.deps.chat.move_chat(PLATFORM, str(update.message.chat.id), str(migrated))
            return
        inc = await incoming(update, self.media)
        if inc is not None:
            await handle(inc, self.deps, context.bot.username)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram: update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)


def build_application(
    token: str,
    deps: Deps,
    media: MediaStore,
    *,
    base_url: str = "",
    base_file_url: str = "",
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> TelegramApp:
    """The PTB application with the one handler. Its own job queue and rate limiter are not
    used: the bot's clock runs scheduled work, and the outbox's sender keeps the rate limits.

    ``request``/``updates_request`` replace the HTTP transport (tests pass an offline one);
    ``base_url`` points at a local Bot API server."""
    builder = Application.builder().token(token).job_queue(None)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app: TelegramApp = builder.build()
    channel = TelegramChannel(deps, media)
    app.add_handler(TypeHandler(Update, channel.on_update))
    app.add_error_handler(_log_error)
    return app


#: The updates the bot acts on (Telegram sends nothing else).
ALLOWED_UPDATES = ["message", "callback_query"]


def webhook_routes(app: TelegramApp, path: str, secret: str) -> list[Route]:
    """The webhook endpoint: the secret token header is checked, then the update is handled
    before answering. A failure is answered 200 all the same: the person was told that nothing
    was done, and Telegram's redelivery would only repeat that."""

    async def receive(request: Request) -> Response:
        if not secret or not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), app.bot)
        except ValueError:
            return Response(status_code=400)
        await app.process_update(update)
        return Response()

    return [Route(path, receive, methods=["POST"])]


def webhook_path(url: str) -> str:
    """The path part of the public webhook address (``/telegram`` when it has none)."""
    return urlparse(url).path or "/telegram"
