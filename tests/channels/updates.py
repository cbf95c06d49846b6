"""Real ``telegram.Update`` objects from the JSON Telegram sends."""

from __future__ import annotations

import itertools
import mimetypes
from typing import Any

from handlers.chatworld import GROUP
from telegram import Bot, Update

from channels.offline import BOT_USER, DATE

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
NAMES = {"100": "王书记", "101": "赵积分员", "200": "张三", "201": "李四", "999": "路人"}


def _user(user: str) -> dict[str, Any]:
    return {"id": int(user), "is_bot": False, "first_name": NAMES.get(user, "某人")}


def _chat(chat: str) -> dict[str, Any]:
    if chat.startswith("-"):
        return {"id": int(chat), "type": "supergroup", "title": "第一党支部群"}
    return {"id": int(chat), "type": "private", "first_name": NAMES.get(chat, "某人")}


def message(
    bot: Bot,
    user: str,
    text: str,
    *,
    chat: str = GROUP,
    photo: str | None = None,
    anonymous: bool = False,
    document: tuple[str, str] | None = None,
) -> Update:
    """A message; ``anonymous``: an anonymous admin, posting as the group (``sender_chat``);
    ``document``: a file sent with it (file id, file name), its type guessed from the name."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids), "date": DATE, "chat": _chat(chat), "from": _user(user),
    }  # fmt: skip
    if anonymous:
        body["from"] = {
            "id": 1087968824,
            "is_bot": True,
            "first_name": "Group",
            "username": "GroupAnonymousBot",
        }
        body["sender_chat"] = _chat(chat)
    if document is not None:
        file_id, name = document
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        body["document"] = {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "file_name": name,
            "mime_type": mime,
        }
        if text:
            body["caption"] = text
    elif photo is None:
        body["text"] = text
    else:
        body["caption"] = text
        body["photo"] = [
            {"file_id": f"small-{photo}", "file_unique_id": f"{photo}-s", "width": 90, "height": 60},
            {"file_id": f"big-{photo}", "file_unique_id": photo, "width": 1280, "height": 960},
        ]
    return Update.de_json({"update_id": next(_update_ids), "message": body}, bot)


def press(bot: Bot, user: str, data: str, *, message_id: int, chat: str = GROUP) -> Update:
    card = {"message_id": message_id, "date": DATE, "chat": _chat(chat), "from": BOT_USER, "text": "📝"}
    query = {
        "id": f"q{next(_update_ids)}", "from": _user(user), "chat_instance": "ci", "data": data, "message": card,
    }  # fmt: skip
    return Update.de_json({"update_id": next(_update_ids), "callback_query": query}, bot)
