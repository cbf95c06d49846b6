"""The long-connection mode: callbacks arrive as frames, messages leave as ``aibot_send_msg``
(to a group's ``chatid`` or a user's ``userid``), the pressed card is updated with
``aibot_respond_update_msg`` under its event's ``req_id``, images and files are uploaded
in chunks (``aibot_upload_media_init`` / ``_chunk`` / ``_finish``) and sent by their ``media_id``."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import httpx

from bot.channels.wecom import protocol as p
from bot.channels.wecom.connection import Frame, LongConnection
from bot.channels.wecom.transport import Presses, WecomTransport
from bot.handlers.context import Deps
from bot.handlers.router import handle
from bot.handlers.types import Media
from bot.media import MediaStore

log = logging.getLogger(__name__)
CHUNK = 512 * 1024


class Downloader:
    """Fetches an encrypted image or file (``url`` + ``aeskey``), decrypts it, keeps it by content.
    A file is named by its download's ``Content-Disposition`` (the callback names none)."""

    def __init__(self, media: MediaStore, http: httpx.AsyncClient | None = None) -> None:
        self.media = media
        self.http = http or httpx.AsyncClient(timeout=15.0)

    async def __call__(self, item: p.Attachment) -> Media | None:
        if not item.url or not item.aeskey:
            raise ValueError("the attachment came without its address or key")
        data = b""
        try:
            async with self.http.stream("GET", item.url) as response:
                if response.status_code != 200:
                    raise OSError(f"HTTP {response.status_code} for the download")
                headers = response.headers
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > p.MAX_DOWNLOAD + 32:
                        return None
        except httpx.HTTPError as exc:  # the link expired (5 minutes), or WeCom is out of reach
            raise OSError(f"{type(exc).__name__}: {exc}") from exc
        plain = p.decrypt_media(data, item.aeskey)
        if not item.file:
            return self.media.put(plain, "image/jpeg")
        name = p.file_name(headers.get("content-disposition", ""))
        return self.media.put(plain, p.file_mime(name, headers.get("content-type", "")), name)


class LongConnectionTransport(WecomTransport):
    def __init__(self, connection: LongConnection, corp: str, media: MediaStore, presses: Presses) -> None:
        super().__init__(corp, media, presses)
        self.connection = connection

    async def push(self, chat: str, msg: dict[str, Any]) -> None:
        await self.connection.request("aibot_send_msg", {"chatid": chat, **msg})

    async def update(self, press: str, card: dict[str, Any]) -> None:
        await self.connection.request("aibot_respond_update_msg", card, rid=press)

    async def image(self, chat: str, data: bytes) -> bool:
        media_id = await self._upload("image", "evidence.jpg", data)
        await self.push(chat, {"msgtype": "image", "image": {"media_id": media_id}})
        return True

    async def file(self, chat: str, data: bytes, name: str, mime: str) -> bool:
        kind = "image" if mime.startswith("image/") else "file"
        media_id = await self._upload(kind, name, data)
        await self.push(chat, {"msgtype": kind, kind: {"media_id": media_id}})
        return True

    async def _upload(self, kind: str, name: str, data: bytes) -> str:
        """Upload a file in chunks; its ``media_id``."""
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
        init = await self.connection.request(
            "aibot_upload_media_init",
            {"type": kind, "filename": name, "total_size": len(data), "total_chunks": len(chunks),
             "md5": hashlib.md5(data).hexdigest()},
        )  # fmt: skip
        upload = str((init.get("body") or {}).get("upload_id") or "")
        for n, chunk in enumerate(chunks):
            body = {"upload_id": upload, "chunk_index": n, "base64_data": base64.b64encode(chunk).decode()}
            await self.connection.request("aibot_upload_media_chunk", body)
        done = await self.connection.request("aibot_upload_media_finish", {"upload_id": upload})
        return str((done.get("body") or {}).get("media_id") or "")


class LongConnectionChannel:
    """Feeds every callback frame through the neutral handlers; a card event is remembered for
    the 5 s its card may be updated in place."""

    def __init__(self, deps: Deps, corp: str, fetch: p.Fetch, presses: Presses) -> None:
        self.deps, self.corp, self.fetch, self.presses = deps, corp, fetch, presses
        #: Callback frames received (tests wait on it).
        self.received = 0

    async def on_frame(self, frame: Frame) -> None:
        self.received += 1
        body = frame.get("body") or {}
        rid = str((frame.get("headers") or {}).get("req_id") or "")
        try:
            inc = await p.incoming(body, self.corp, self.fetch, press=rid)
            if inc is None:
                return
            if inc.pressed and inc.message:
                self.presses.add(rid, inc.message, inc.chat)
            await handle(inc, self.deps)
        except Exception:  # the update was rolled back and the person told; the connection goes on
            log.exception("wecom: callback %s failed", body.get("msgid"))
