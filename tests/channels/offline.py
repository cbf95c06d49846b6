"""An offline Bot API: a ``BaseRequest`` that records every call and answers from canned JSON."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 42, "is_bot": True, "first_name": "积分助手", "username": "PartyBot"}
DATE = 1772400000  # 2026-03-02


def photo_bytes(file_id: str) -> bytes:
    """What the offline file server returns for a photo: the same file id, the same bytes."""
    return f"JPEG bytes of {file_id.removeprefix('big-')}".encode()


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def buttons(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class OfflineRequest(BaseRequest):
    """Records ``calls``; ``fail[method]`` holds (status, description) pairs for the next calls of it."""

    calls: list[Call] = field(default_factory=list)
    fail: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: What ``getUpdates`` hands out, once each (then an empty list).
    updates: list[dict[str, Any]] = field(default_factory=list)
    #: Files the offline file server holds, by file id (others: ``photo_bytes`` of the id).
    files: dict[str, bytes] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[1]
        if "/file/bot" in url:  # a file download: the bytes of the photo the update named
            self.calls.append(Call("download", {"url": url}))
            file_id = name.removesuffix(".jpg")
            return 200, self.files.get(file_id.removeprefix("big-")) or photo_bytes(file_id)
        if name == "getUpdates" and not self.updates:
            await asyncio.sleep(0.01)  # a long poll that found nothing
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:  # an upload: its bytes by field
            params["files"] = {name: part[1] for name, part in request_data.multipart_data.items()}
            params["file_names"] = {name: part[0] for name, part in request_data.multipart_data.items()}
        self.calls.append(Call(name, params))
        if self.fail.get(name):
            status, description = self.fail[name].pop(0)
            body = {"ok": False, "error_code": status, "description": description}
            return status, json.dumps(body).encode()
        self.calls[-1].result = self._result(name, params)
        return 200, json.dumps({"ok": True, "result": self.calls[-1].result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getUpdates":
            handed, self.updates = self.updates, []
            return handed
        if name == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": 10,
                "file_path": f"photos/{file_id}.jpg",
            }
        if name == "sendPhoto":
            chat = int(params["chat_id"])
            return {
                "message_id": next(self._ids), "date": DATE, "from": BOT_USER,
                "chat": {"id": chat, "type": "supergroup" if chat < 0 else "private"},
                "photo": [{"file_id": "sent", "file_unique_id": "sent-u", "width": 1, "height": 1}],
            }  # fmt: skip
        if name == "sendDocument":
            chat = int(params["chat_id"])
            return {
                "message_id": next(self._ids), "date": DATE, "from": BOT_USER, "caption": params.get("caption"),
                "chat": {"id": chat, "type": "supergroup" if chat < 0 else "private"},
                "document": {"file_id": "doc", "file_unique_id": "doc-u", "file_name": "sent.xlsx"},
            }  # fmt: skip
        if name in ("sendMessage", "editMessageText"):
            chat = int(params["chat_id"])
            message_id = params.get("message_id") or next(self._ids)
            return {
                "message_id": message_id, "date": DATE, "text": params["text"], "from": BOT_USER,
                "chat": {"id": chat, "type": "supergroup" if chat < 0 else "private"},
            }  # fmt: skip
        return True

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()
