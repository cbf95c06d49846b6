"""A fake WeCom on loopback: the intelligent robot's long connection, its media downloads, and a
client that posts callbacks encrypted with wechatpy's real WeCom crypto.

``FakeWecom`` speaks the long-connection protocol: ``aibot_subscribe`` with a right or a wrong
secret, ``ping``, callbacks pushed to the bot, every frame the bot sends recorded (``frames``)
and the accepted ones answered (``accepted``), errcodes on demand (``fail``), a connection dropped
when a given command arrives (``drop_on``), replaced by a newer one (``replace``), and chunked
image uploads. Over plain HTTP on the same port it serves encrypted images and files
(``/media/<n>``; a file with its name in ``Content-Disposition``, as WeCom's downloads carry it).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from wechatpy.crypto import _get_signature
from wechatpy.crypto.base import WeChatCipher
from wechatpy.crypto.pkcs7 import PKCS7Encoder
from wechatpy.enterprise.crypto import PrpCrypto

BOT_ID, SECRET, CORP = "aibFAKE", "s3cret", "wwcorp"
WRONG_SECRET = (40001, "invalid secret")


def encrypt_media(data: bytes, aeskey: str) -> bytes:
    key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    return bytes(WeChatCipher(key).encrypt(PKCS7Encoder.encode(data)))


def disposition(name: str) -> str:
    """The ``Content-Disposition`` of a file download (RFC 5987, as WeCom names its files)."""
    return f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}"


@dataclass
class FakeWecom:
    bot_id: str = BOT_ID
    secret: str = SECRET
    #: Every frame the bot sent, in order (pings included).
    frames: list[dict[str, Any]] = field(default_factory=list)
    #: The frames answered with errcode 0 (what WeCom took).
    accepted: list[dict[str, Any]] = field(default_factory=list)
    #: cmd -> (errcode, errmsg) answers for its next frames.
    fail: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: cmds whose next frame closes the connection instead of being answered (once each).
    drop_on: list[str] = field(default_factory=list)
    #: Pings are not answered (the bot should take the connection as dead).
    deaf: bool = False
    uploads: dict[str, bytes] = field(default_factory=dict)
    #: The file name each upload was started with, by media id.
    upload_names: dict[str, str] = field(default_factory=dict)
    subscribed: int = 0
    refused: int = 0
    _media: dict[str, tuple[bytes, list[tuple[str, str]]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _conns: list[ServerConnection] = field(default_factory=list)
    _server: Server | None = None
    _parts: dict[str, list[bytes]] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    async def start(self) -> FakeWecom:
        self._server = await serve(
            self._handler, "127.0.0.1", 0, process_request=self._http, ping_interval=None
        )
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- what the tests do -----------------------------------------------------------------------

    def media(self, data: bytes, name: str | None = None) -> tuple[str, str]:
        """An image (or, with its ``name``, a file) WeCom holds for download: (url, aeskey)."""
        aeskey = base64.b64encode(os.urandom(32)).decode().rstrip("=")
        n = str(next(self._ids))
        headers = [("Content-Type", "application/octet-stream")]
        if name is not None:
            headers.append(("Content-Disposition", disposition(name)))
        self._media[n] = (encrypt_media(data, aeskey), headers)
        return f"{self.http_base}/media/{n}", aeskey

    @property
    def live(self) -> ServerConnection | None:
        return self._conns[-1] if self._conns else None

    async def push(self, body: dict[str, Any], cmd: str = "aibot_msg_callback") -> str:
        """A callback pushed to the bot over its connection; its req_id."""
        rid = f"{cmd}_{next(self._ids)}"
        await self.wait_connected()
        assert self.live is not None
        await self.live.send(
            json.dumps({"cmd": cmd, "headers": {"req_id": rid}, "body": body}, ensure_ascii=False)
        )
        return rid

    async def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not (self.subscribed >= count and self.live is not None):
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not connect")
            await asyncio.sleep(0.01)

    async def drop(self) -> None:
        """WeCom closes the connection (e.g. a network fault)."""
        if self.live is not None:
            await self.live.close()

    async def replace(self) -> None:
        """A newer connection for the same bot: the old one is told, then closed."""
        body = {"msgid": f"d{next(self._ids)}", "aibotid": self.bot_id, "msgtype": "event", "create_time": int(time.time()),
                "event": {"eventtype": "disconnected_event"}}  # fmt: skip
        await self.push(body, "aibot_event_callback")
        await asyncio.sleep(0.05)
        await self.drop()

    def sent(self, cmd: str) -> list[dict[str, Any]]:
        return [f for f in self.accepted if f.get("cmd") == cmd]

    # -- the protocol --------------------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        self._conns.append(ws)
        try:
            async for raw in ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                await self._answer(ws, frame)
        except Exception:  # a dropped connection ends this handler
            pass
        finally:
            if ws in self._conns:
                self._conns.remove(ws)

    async def _answer(self, ws: ServerConnection, frame: dict[str, Any]) -> None:
        cmd, rid = frame.get("cmd"), frame["headers"]["req_id"]
        body = frame.get("body") or {}

        async def reply(errcode: int = 0, errmsg: str = "ok", **extra: Any) -> None:
            await ws.send(
                json.dumps({"headers": {"req_id": rid}, "errcode": errcode, "errmsg": errmsg, **extra})
            )

        if cmd in self.drop_on:
            self.drop_on.remove(str(cmd))
            await ws.close()
            return
        if cmd == "aibot_subscribe":
            if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
                self.refused += 1
                await reply(*WRONG_SECRET)
                return
            self.subscribed += 1
            await reply()
            return
        if cmd == "ping":
            if not self.deaf:
                await reply()
            return
        if self.fail.get(str(cmd)):
            await reply(*self.fail[str(cmd)].pop(0))
            return
        extra: dict[str, Any] = {}
        if cmd == "aibot_upload_media_init":
            upload = f"up{next(self._ids)}"
            self._parts[upload] = []
            self._names[upload] = str(body.get("filename") or "")
            extra = {"body": {"upload_id": upload}}
        elif cmd == "aibot_upload_media_chunk":
            self._parts[body["upload_id"]].append(base64.b64decode(body["base64_data"]))
        elif cmd == "aibot_upload_media_finish":
            media_id = f"media{next(self._ids)}"
            self.uploads[media_id] = b"".join(self._parts.pop(body["upload_id"]))
            self.upload_names[media_id] = self._names.pop(body["upload_id"])
            extra = {"body": {"media_id": media_id}}
        self.accepted.append(frame)
        await reply(**extra)

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.startswith("/media/"):
            found = self._media.get(request.path.rsplit("/", 1)[1])
            if found is None:
                return connection.respond(404, "gone\n")
            data, headers = found
            return Response(200, "OK", Headers([*headers, ("Content-Length", str(len(data)))]), data)
        return None


@dataclass
class CallbackClient:
    """WeCom's side of the callback URL: posts bodies encrypted with the real WeCom crypto."""

    http: httpx.AsyncClient
    path: str
    token: str
    aes_key: str
    receive_id: str = ""
    _nonces: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _sign(self, encrypt: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), f"n{next(self._nonces)}"
        return {
            "msg_signature": _get_signature(self.token, timestamp, nonce, encrypt),
            "timestamp": timestamp,
            "nonce": nonce,
        }

    def encrypt(self, plain: str) -> str:
        key = base64.b64decode(self.aes_key + "=")
        return str(PrpCrypto(key).encrypt(plain, self.receive_id).decode())

    async def post(self, body: dict[str, Any], *, signature: str | None = None) -> httpx.Response:
        encrypt = self.encrypt(json.dumps(body, ensure_ascii=False))
        params = self._sign(encrypt)
        if signature is not None:
            params["msg_signature"] = signature
        return await self.http.post(self.path, params=params, json={"encrypt": encrypt})

    async def verify(self, echo: str, *, signature: str | None = None) -> httpx.Response:
        encrypt = self.encrypt(echo)
        params = self._sign(encrypt) | {"echostr": encrypt}
        if signature is not None:
            params["msg_signature"] = signature
        return await self.http.get(self.path, params=params)

    def decrypt(self, reply: dict[str, Any]) -> dict[str, Any]:
        """A passive reply's plain JSON (its signature checked)."""
        assert reply["msgsignature"] == _get_signature(
            self.token, reply["timestamp"], reply["nonce"], reply["encrypt"]
        )
        key = base64.b64decode(self.aes_key + "=")
        return dict(json.loads(PrpCrypto(key).decrypt(reply["encrypt"], self.receive_id)))


Wait = Callable[[], Awaitable[None]]
