"""The Telegram channel (python-telegram-bot 22): translation only, no business rule.

An ``Update`` becomes an ``Incoming``; the replies of ``bot.handlers.router.handle`` become
``sendMessage`` / ``editMessageText`` / ``answerCallbackQuery`` calls. Harmless API errors
(an unchanged message, a member who never opened a private chat with the bot, an expired
button) are logged and skipped.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.handlers.context import Deps
from bot.handlers.router import handle, tick
from bot.handlers.types import ALERT, Button, Incoming, Reply, quoting
from bot.i18n import t

PLATFORM = "telegram"
#: How often scheduled work (closing sign-in windows) runs.
TICK_SECONDS = 30
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)
T = TypeVar("T")

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def incoming(update: Update) -> Incoming | None:
    """The neutral form of an update; None for anything the bot does not act on."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        return Incoming(
            PLATFORM, str(query.from_user.id), str(chat.id if chat else query.from_user.id),
            private=chat is None or chat.type == "private", user_name=query.from_user.full_name,
            data=query.data or "", message=str(query.message.message_id) if query.message else None,
            update=str(update.update_id),
        )  # fmt: skip
    msg = update.message
    if msg is None or msg.from_user is None:
        return None
    return Incoming(
        PLATFORM, str(msg.from_user.id), str(msg.chat.id), private=msg.chat.type == "private",
        user_name=msg.from_user.full_name, text=msg.text or msg.caption or "", photo=_file(msg),
        message=str(msg.message_id), update=str(update.update_id),
        # Sent "as the group" (an anonymous admin) or as a channel: the person is hidden.
        anonymous=msg.sender_chat is not None,
    )  # fmt: skip


def _file(msg: Message) -> str | None:
    """The stable id of an attached photo (largest size) or document: the same file, the same id."""
    if msg.photo:
        return msg.photo[-1].file_unique_id
    return msg.document.file_unique_id if msg.document is not None else None


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


async def render(update: Update, inc: Incoming, replies: list[Reply], deps: Deps) -> None:
    """Send the replies: the button answer first (Telegram wants it quickly), then the messages."""
    query = update.callback_query
    pressed: tuple[int, int] | None = None
    if query is not None:
        answer = next((r for r in replies if r.to.kind in ("alert", "notice")), None)
        alert = answer is not None and answer.to.kind == "alert"
        await _quietly(query.answer(answer.text if answer else None, show_alert=alert))
        if query.message is not None:
            pressed = (query.message.chat.id, query.message.message_id)
    for reply in replies:
        await deliver(update.get_bot(), deps, reply, int(inc.chat), pressed)


async def deliver(bot: Bot, deps: Deps, reply: Reply, here: int, pressed: tuple[int, int] | None) -> None:
    """One reply: a new message, an edit of the pressed message, or edits of every copy of a card."""
    kind, where = reply.to.kind, pressed
    if kind == "edit" and pressed is not None:
        await _edit(bot, reply, *pressed)
    elif kind == "cards" and reply.to.key:
        for posted_chat, posted_message in await deps.chat.posted(PLATFORM, reply.to.key):
            if (int(posted_chat), int(posted_message)) != pressed:
                await _edit(bot, reply, int(posted_chat), int(posted_message))
    elif kind in ("here", "chat"):
        chat = int(reply.to.chat_id or 0) if kind == "chat" else here
        if reply.copy_of is not None:
            copied = await _quietly(bot.copy_message(chat, int(reply.copy_of[0]), int(reply.copy_of[1])))
            if copied is None:  # the original is gone (deleted) or out of reach: say so instead
                await _quietly(bot.send_message(chat, reply.text))
            return
        markup, quote = keyboard(reply.buttons), _quote(reply.to.reply_to)
        sent = await _quietly(bot.send_message(chat, reply.text, reply_markup=markup, reply_parameters=quote))
        where = (chat, sent.message_id) if isinstance(sent, Message) else None
    if reply.key and where is not None and kind in ("edit", "here", "chat"):
        await deps.chat.remember(PLATFORM, reply.key, str(where[0]), str(where[1]))


async def _edit(bot: Bot, reply: Reply, chat: int, message: int) -> None:
    edit = bot.edit_message_text(
        reply.text, chat_id=chat, message_id=message, reply_markup=keyboard(reply.buttons)
    )
    await _quietly(edit)


def _quote(message_id: str | None) -> ReplyParameters | None:
    """Quote the message replied to, unless it is gone (then send without the quote)."""
    return ReplyParameters(int(message_id), allow_sending_without_reply=True) if message_id else None


async def _quietly(call: Awaitable[T]) -> T | None:
    """Await an API call; the harmless refusals are logged, not raised (and give None)."""
    try:
        return await call
    except BadRequest as exc:  # e.g. "Message is not modified", "Query is too old", message deleted
        log.info("telegram: ignored %s", exc.message)
    except Forbidden as exc:  # the member never opened a private chat with the bot, or blocked it
        log.info("telegram: cannot reach the chat: %s", exc.message)
    return None


class TelegramChannel:
    """Feeds every update through the neutral handlers."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        migrated = update.message.migrate_to_chat_id if update.message is not None else None
        if migrated is not None and update.message is not None:  # the group became a supergroup
            await self.deps.chat.move_chat(PLATFORM, str(update.message.chat.id), str(migrated))
            return
        inc = incoming(update)
        if inc is None:
            return
        try:
            replies = await handle(inc, self.deps, context.bot.username)
        except Exception:  # say so (and stop the button's spinner), then let the error handler log it
            sorry = Reply(t("chat.error"), to=ALERT if inc.pressed else quoting(inc.message))
            await render(update, inc, [sorry], self.deps)
            raise
        if replies:  # nothing at all for a redelivered update
            await render(update, inc, replies, self.deps)

    async def on_tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await announce(context.bot, self.deps)


async def announce(bot: Bot, deps: Deps) -> None:
    """Run the scheduled work once and post what it says (e.g. a closed sign-in's report)."""
    for reply in await tick(deps, PLATFORM):
        await deliver(bot, deps, reply, int(reply.to.chat_id or 0), None)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram: update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)


def build_application(
    token: str,
    deps: Deps,
    *,
    base_url: str = "",
    base_file_url: str = "",
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    max_retries: int = 3,
    rate_limit: bool = True,
) -> TelegramApp:
    """The PTB application with the rate limiter (retrying flood waits) and the one handler.

    ``request``/``updates_request`` replace the HTTP transport (tests pass an offline one);
    ``base_url`` points at a local Bot API server; ``rate_limit`` False only for measuring
    the handlers alone (bench/updates.py).
    """
    builder = Application.builder().token(token)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app: TelegramApp = (
        builder.rate_limiter(AIORateLimiter(max_retries=max_retries)).build()
        if rate_limit
        else builder.build()
    )
    channel = TelegramChannel(deps)
    app.add_handler(TypeHandler(Update, channel.on_update))
    if app.job_queue is not None:  # runs once the application starts (polling or webhook)
        app.job_queue.run_repeating(channel.on_tick, interval=TICK_SECONDS, first=1)
    app.add_error_handler(_log_error)
    return app


#: The updates the bot acts on (Telegram sends nothing else).
ALLOWED_UPDATES = ["message", "callback_query"]


def webhook_routes(app: TelegramApp, path: str, secret: str) -> list[Route]:
    """The webhook endpoint: the secret token header is checked, then the update is processed
    before answering (Telegram redelivers on an error; a redelivery is skipped by update id)."""

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
