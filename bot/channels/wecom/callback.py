"""The callback-URL mode (短连接): WeCom POSTs encrypted JSON to the bot's HTTP app.

``GET`` verifies the URL (``msg_signature``, ``timestamp``, ``nonce``, ``echostr``: the decrypted
echostr is answered). ``POST`` carries ``{"encrypt": ...}``; its signature, AES and receive id
(an empty string for a corp's own robot) are checked with wechatpy's WeCom crypto: a wrong one is
403 and nothing is handled, a body that is not that JSON is 400 (logged). The update is handled
before answering; its first message to the same chat becomes the passive reply (a ``stream``
finished at once, or a ``template_card``; for a card event, the update of the pressed card), and
further messages go to the callback's ``response_url`` (once each, within the hour). A message
for a chat with no such way open waits in the outbox (retried) until one is: in this mode WeCom
gives the bot no way to write first.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException, WeChatClientException
from wechatpy.utils import random_string

from bot.channels.wecom import protocol as p
from bot.channels.wecom.connection import WecomError
from bot.channels.wecom.transport import Presses, WecomTransport
from bot.delivery import Refused, Retry
from bot.handlers.context import Deps
from bot.handlers.router import handle
from bot.media import MediaStore

log = logging.getLogger(__name__)
#: A corp's own intelligent robot: the receive id inside every encrypted message is empty.
RECEIVE_ID = ""
#: How long a callback's ``response_url`` may be used (WeCom: one hour, once).
RESPONSE_URL_TTL = 3600.0


@dataclass
class Passive:
    """The answer to the callback being handled: for its chat, at most one message (or, for a
    card event, the update of the pressed card)."""

    chat: str
    press: str | None
    reply: dict[str, Any] | None = None


_passive: contextvars.ContextVar[Passive | None] = contextvars.ContextVar("wecom_passive", default=None)


@dataclass
class ResponseUrls:
    """Each chat's unused ``response_url`` s, newest first, with their deadlines."""

    by_chat: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def add(self, chat: str, url: str) -> None:
        now = time.monotonic()
        kept = [(u, d) for u, d in self.by_chat.get(chat, []) if d > now]
        self.by_chat[chat] = [(url, now + RESPONSE_URL_TTL), *kept][:20]

    def take(self, chat: str) -> str | None:
        now = time.monotonic()
        urls = [(u, d) for u, d in self.by_chat.get(chat, []) if d > now]
        if not urls:
            self.by_chat.pop(chat, None)
            return None
        self.by_chat[chat] = urls[1:]
        return urls[0][0]


class CallbackTransport(WecomTransport):
    def __init__(
        self, corp: str, media: MediaStore, presses: Presses, urls: ResponseUrls, http: httpx.AsyncClient
    ) -> None:
        super().__init__(corp, media, presses)
        self.urls, self.http = urls, http

    async def push(self, chat: str, msg: dict[str, Any]) -> None:
        passive = _passive.get()
        if passive is not None and passive.press is None and passive.chat == chat and passive.reply is None:
            passive.reply = _as_reply(msg)
            return
        url = self.urls.take(chat)
        if url is None:
            raise Retry(
                f"no passive reply or response_url open for chat {chat} (WeCom's callback mode)", after=60
            )
        response = await self.http.post(url, json=msg)
        if response.status_code >= 500:
            raise Retry(f"HTTP {response.status_code} from response_url")
        try:
            answer = response.json()
        except ValueError as exc:
            raise Refused(f"HTTP {response.status_code}: not JSON from response_url") from exc
        code = int(answer.get("errcode") or 0)
        if code:
            log.warning("wecom: response_url answered errcode=%s errmsg=%s", code, answer.get("errmsg"))
            raise WecomError(code, str(answer.get("errmsg") or ""))

    async def update(self, press: str, card: dict[str, Any]) -> None:
        passive = _passive.get()
        if passive is None or passive.press != press:
            raise Refused("the card event was answered already")
        passive.reply = card


def _as_reply(msg: dict[str, Any]) -> dict[str, Any]:
    """A message as a passive reply: text as a ``stream`` finished at once, a card as it is."""
    if msg.get("msgtype") == "markdown":
        content = msg["markdown"]["content"]
        return {"msgtype": "stream", "stream": {"id": uuid.uuid4().hex, "finish": True, "content": content}}
    return msg


class CallbackEndpoint:
    """The callback URL's two handlers (``routes``), over wechatpy's WeCom crypto."""

    def __init__(
        self,
        deps: Deps,
        corp: str,
        token: str,
        aes_key: str,
        fetch: p.Fetch,
        presses: Presses,
        urls: ResponseUrls,
    ) -> None:
        self.deps, self.corp, self.fetch, self.presses, self.urls = deps, corp, fetch, presses, urls
        self.token, self.aes_key = token, aes_key
        self.crypto = WeChatCrypto(token, aes_key, RECEIVE_ID)

    def routes(self, path: str) -> list[Route]:
        return [Route(path, self.verify, methods=["GET"]), Route(path, self.receive, methods=["POST"])]

    async def verify(self, request: Request) -> Response:
        q = request.query_params
        try:
            echo = self.crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        except KeyError:
            return PlainTextResponse("", status_code=400)
        except (InvalidSignatureException, WeChatClientException, ValueError) as exc:
            log.warning("wecom: URL verification refused: %s", type(exc).__name__)
            return PlainTextResponse("", status_code=403)
        return PlainTextResponse(echo)

    async def receive(self, request: Request) -> Response:
        q = request.query_params
        raw = await request.body()
        try:
            encrypted = json.loads(raw)
            if not isinstance(encrypted, dict) or not isinstance(encrypted.get("encrypt"), str):
                raise ValueError("no encrypt field")
            signature, timestamp, nonce = q["msg_signature"], q["timestamp"], q["nonce"]
        except (ValueError, KeyError) as exc:
            log.warning(
                "wecom: a callback that is not WeCom's encrypted JSON was refused (%s): %.200r", exc, raw
            )
            return Response(status_code=400)
        try:
            plain = self.crypto.decrypt_message(
                {"Encrypt": encrypted["encrypt"]}, signature, timestamp, nonce
            )
        except Exception as exc:  # a wrong signature, key or receive id
            log.warning("wecom: a callback failed its signature or decryption: %s", type(exc).__name__)
            return Response(status_code=403)
        try:
            body = json.loads(plain)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            log.warning("wecom: a decrypted callback is not JSON: %.200r", plain)
            return Response(status_code=400)
        reply = await self._handle(body)
        if reply is None:
            return Response()
        return JSONResponse(self.encrypt(reply, nonce))

    async def _handle(self, body: dict[str, Any]) -> dict[str, Any] | None:
        inc = await p.incoming(body, self.corp, self.fetch, aeskey=self.aes_key)
        if inc is None:
            return None
        target = p.split(inc.chat)[1]
        if body.get("response_url"):
            self.urls.add(target, str(body["response_url"]))
        passive = Passive(target, inc.press if inc.pressed else None)
        if inc.pressed and inc.message:
            self.presses.add(str(inc.press), inc.message, inc.chat)
        token = _passive.set(passive)
        try:
            await handle(inc, self.deps)
        except Exception:  # rolled back, and the person told: answered all the same (no redelivery storm)
            log.exception("wecom: callback %s failed", body.get("msgid"))
        finally:
            _passive.reset(token)
        return passive.reply

    def encrypt(self, reply: dict[str, Any], nonce: str) -> dict[str, Any]:
        """A passive reply in WeCom's encrypted form."""
        timestamp = str(int(time.time()))
        nonce = nonce or random_string(10)
        text = json.dumps(reply, ensure_ascii=False)
        encrypt = PrpCrypto(self.crypto.key).encrypt(text, RECEIVE_ID).decode()
        signature = _get_signature(self.token, timestamp, nonce, encrypt)
        return {"encrypt": encrypt, "msgsignature": signature, "timestamp": timestamp, "nonce": nonce}
