"""The long connection to WeCom (``wss://openws.work.weixin.qq.com``): a thin client on ``websockets``.

Frames are JSON ``{cmd, headers: {req_id}, body}``. After connecting the client subscribes
(``aibot_subscribe`` with the bot id and secret) and waits for the answer: a wrong secret is
``AuthFailed`` (not retried). Then it sends ``ping`` every ``heartbeat`` seconds (two unanswered
pings mean the connection is dead), hands every ``aibot_msg_callback`` / ``aibot_event_callback``
to ``on_frame``, and matches each answer ``{headers: {req_id}, errcode, errmsg}`` to the request
waiting for it. A dropped connection is opened again after a backoff with jitter (1 s doubling
to 30 s); ``disconnected_event`` (a newer connection for the same bot took over) stops it, since
reconnecting would only push the other one out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

log = logging.getLogger(__name__)

DEFAULT_URL = "wss://openws.work.weixin.qq.com"
#: errcodes WeCom uses for a passing condition (busy, rate limit, concurrency): worth a retry.
TRANSIENT = frozenset({-1, 6000, 45009, 45033, 90001})


class WecomError(Exception):
    """An answer frame with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode={errcode} errmsg={errmsg}")
        self.errcode, self.errmsg = errcode, errmsg

    @property
    def transient(self) -> bool:
        return self.errcode in TRANSIENT


class AuthFailed(WecomError):
    """The subscription was refused: a wrong bot id or secret."""


class NotConnected(Exception):
    """No live, subscribed connection at the moment (it is being opened again)."""


def req_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


Frame = dict[str, Any]


class LongConnection:
    def __init__(
        self,
        bot_id: str,
        secret: str,
        on_frame: Callable[[Frame], Coroutine[Any, Any, None]],
        *,
        url: str = DEFAULT_URL,
        heartbeat: float = 30.0,
        timeout: float = 5.0,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.bot_id, self.secret, self.on_frame, self.url = bot_id, secret, on_frame, url
        self.heartbeat, self.timeout, self.backoff, self.max_backoff = (
            heartbeat,
            timeout,
            backoff,
            max_backoff,
        )
        self._ws: ClientConnection | None = None
        self._waiting: dict[str, asyncio.Future[Frame]] = {}
        self._missed = 0
        self.ready = asyncio.Event()
        #: Set when WeCom said another connection replaced this one.
        self.replaced = False
        self.connections = 0
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- requests ------------------------------------------------------------------------------

    async def request(self, cmd: str, body: dict[str, Any] | None = None, rid: str | None = None) -> Frame:
        """Send a frame and wait for its answer; raises ``WecomError``, ``NotConnected`` or TimeoutError."""
        ws = self._ws
        if ws is None or not self.ready.is_set():
            raise NotConnected("the long connection is not open")
        return await self._request(ws, cmd, body, rid or req_id(cmd))

    async def _request(self, ws: ClientConnection, cmd: str, body: dict[str, Any] | None, rid: str) -> Frame:
        frame: Frame = {"cmd": cmd, "headers": {"req_id": rid}}
        if body is not None:
            frame["body"] = body
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        try:
            try:
                await ws.send(json.dumps(frame, ensure_ascii=False))
            except websockets.ConnectionClosed as exc:
                raise NotConnected(f"the connection closed: {exc}") from exc
            answer = await asyncio.wait_for(asyncio.shield(future), self.timeout)
        finally:
            self._waiting.pop(rid, None)
        code = int(answer.get("errcode") or 0)
        if code:
            log.warning("wecom: %s %s answered errcode=%s errmsg=%s", cmd, rid, code, answer.get("errmsg"))
            raise WecomError(code, str(answer.get("errmsg") or ""))
        return answer

    # -- the connection --------------------------------------------------------------------------

    async def open(self) -> ClientConnection:
        """Connect and subscribe once; raises ``AuthFailed`` for a wrong secret, OSError and the like."""
        ws = await connect(self.url, open_timeout=self.timeout, ping_interval=None, max_size=None)
        reader = asyncio.create_task(self._read(ws))
        try:
            await self._request(
                ws,
                "aibot_subscribe",
                {"bot_id": self.bot_id, "secret": self.secret},
                req_id("aibot_subscribe"),
            )
        except WecomError as err:
            reader.cancel()
            await ws.close()
            raise AuthFailed(err.errcode, err.errmsg) from err
        except BaseException:
            reader.cancel()
            await ws.close()
            raise
        self._ws, self._missed = ws, 0
        self._reader = reader
        self.connections += 1
        self.ready.set()
        log.info("wecom: long connection open and subscribed (bot %s)", self.bot_id)
        return ws

    async def run(self, stop: asyncio.Event, first: ClientConnection | None = None) -> None:
        """Keep the connection until ``stop``: heartbeats, and opening it again after a drop."""
        attempt, ws = 0, first
        while not stop.is_set() and not self.replaced:
            if ws is None:
                # backoff with jitter before every attempt, so that a flapping link or many bots
                # restarted together do not hammer WeCom: 1 s, 2 s, 4 s ... 30 s, times 0.5 to 1
                delay = min(self.backoff * 2**attempt, self.max_backoff) * random.uniform(0.5, 1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    break
                try:
                    ws = await self.open()
                except AuthFailed:
                    raise
                except (OSError, TimeoutError, websockets.WebSocketException, NotConnected) as exc:
                    attempt += 1
                    log.warning("wecom: connecting failed (%s); trying again (attempt %d)", exc, attempt + 1)
                    continue
                attempt = 0
            await self._keep(ws, stop)
            self.ready.clear()
            self._ws = None
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(NotConnected("the connection closed"))
            with contextlib.suppress(Exception):
                await ws.close()
            ws = None
        self.ready.clear()

    async def _keep(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        """Heartbeats until the connection closes (or dies: two unanswered pings) or ``stop``."""
        reader = self._reader
        assert reader is not None
        stopping = asyncio.create_task(stop.wait())
        try:
            while True:
                done, _ = await asyncio.wait(
                    [reader, stopping], timeout=self.heartbeat, return_when=asyncio.FIRST_COMPLETED
                )
                if done:
                    return
                if self._missed >= 2:
                    log.warning("wecom: two heartbeats unanswered; the connection is taken as dead")
                    return
                self._missed += 1
                try:
                    await ws.send(json.dumps({"cmd": "ping", "headers": {"req_id": req_id("ping")}}))
                except websockets.ConnectionClosed:
                    return
        finally:
            stopping.cancel()
            reader.cancel()

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                    if not isinstance(frame, dict):
                        raise ValueError("not an object")
                except ValueError:
                    log.warning("wecom: a frame that is not JSON was ignored: %.200r", raw)
                    continue
                self._dispatch(frame)
        except websockets.ConnectionClosed as exc:
            log.warning("wecom: the long connection closed: %s", exc)

    def _dispatch(self, frame: Frame) -> None:
        cmd = frame.get("cmd")
        rid = str((frame.get("headers") or {}).get("req_id") or "")
        if cmd in ("aibot_msg_callback", "aibot_event_callback"):
            event = (frame.get("body") or {}).get("event") or {}
            if cmd == "aibot_event_callback" and event.get("eventtype") == "disconnected_event":
                log.error("wecom: another connection for this bot replaced this one; not reconnecting")
                self.replaced = True
                if self._ws is not None:
                    asyncio.create_task(self._ws.close())  # noqa: RUF006 - the reader ends with it
                return
            task = asyncio.create_task(self.on_frame(frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        if rid.startswith("ping"):
            if not frame.get("errcode"):
                self._missed = 0
            return
        future = self._waiting.get(rid)
        if future is not None and not future.done():
            future.set_result(frame)
        else:
            log.info("wecom: a frame nobody waits for: %.300s", json.dumps(frame, ensure_ascii=False))

    async def settled(self) -> None:
        """Wait until every callback handed out so far has been handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
