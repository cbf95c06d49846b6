"""One announcement to many groups through the real outbox and Telegram sender, against a local
fake Bot API that enforces Telegram's limits.

Each of N branches (2,000) has a bound Telegram group. One announcement is written as outbox rows
(``Send(ToGroup(branch))`` for every branch, in one transaction, as the bot's clock writes its
runs) and delivered by the bot's Telegram sender (``bot.delivery.Sender`` with the in-process
limiter, ``TelegramTransport`` over python-telegram-bot) to a fake Bot API served on 127.0.0.1 by
this script. The fake enforces 30 messages per second per bot and 20 per minute per group (sliding
windows) and answers 429 with ``retry_after`` beyond them; rows the sender was told to retry are
sent by its background pass, as in production. Nothing leaves the machine.

Prints the achieved rate, its ratio to 30/s, the 429 answers and the messages lost (rows never
received by the fake, or received twice).

    python bench/broadcast.py            # 2,000 groups
    python bench/broadcast.py --quick    # 300 groups (about 10 s)

Last line: RESULT ratio=<messages per second / 30> lost=<messages lost>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.app import build
from bot.channels.telegram import TelegramTransport
from bot.handlers.types import Send, ToGroup
from bot.media import MediaStore
from bot.storage import open_database
from bot.storage.schema import OutboxRow
from bot.storage.timeutil import utcnow

TOKEN = "123:fake"
PER_BOT, PER_GROUP = (30, 1.0), (20, 60.0)


class FakeBotApi:
    """sendMessage and getMe, with Telegram's limits: 429 with retry_after beyond them."""

    def __init__(self) -> None:
        self.bot: deque[float] = deque()
        self.groups: dict[str, deque[float]] = defaultdict(deque)
        self.received: Counter[str] = Counter()
        self.too_many = 0
        self.next_id = 0

    @staticmethod
    def _wait(window: deque[float], limit: tuple[int, float], now: float) -> float:
        count, per = limit
        while window and window[0] <= now - per:
            window.popleft()
        return 0.0 if len(window) < count else window[0] + per - now

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if method == "getMe":
            return JSONResponse(
                {"ok": True, "result": {"id": 123, "is_bot": True, "first_name": "bot", "username": "bot"}}
            )
        body = (await request.body()).decode()
        if "json" in request.headers.get("content-type", ""):
            form = json.loads(body) if body else {}
        else:
            form = {k: v[0] for k, v in parse_qs(body).items()}
        chat = str(form.get("chat_id"))
        now = time.monotonic()
        group = self.groups[chat]
        wait = max(self._wait(self.bot, PER_BOT, now), self._wait(group, PER_GROUP, now))
        if wait > 0:
            self.too_many += 1
            return JSONResponse(
                {"ok": False, "error_code": 429, "description": "Too Many Requests: retry later",
                 "parameters": {"retry_after": max(1, int(wait + 0.999))}},
                status_code=429,
            )  # fmt: skip
        self.bot.append(now)
        group.append(now)
        self.received[chat] += 1
        self.next_id += 1
        message = {"message_id": self.next_id, "date": int(time.time()), "chat": {"id": int(chat), "type": "supergroup"},
                   "text": str(form.get("text", ""))}  # fmt: skip
        return JSONResponse({"ok": True, "result": message})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(groups: int) -> tuple[float, int, int]:
    fake = FakeBotApi()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(
        Starlette(routes=[Route("/bot{token}/{method}", fake.handle, methods=["POST", "GET"])]),
        host="127.0.0.1", port=port, log_level="warning", lifespan="off",
    ))  # fmt: skip
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    folder = Path(tempfile.mkdtemp())
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'broadcast.db'}")
    try:
        async with db.uow() as uow:
            branches = []
            for n in range(groups):
                branch = await uow.branches.add(f"第{n + 1}党支部", "twelve-point")
                await uow.branches.bind_chat(branch.id, "telegram", str(-1000000 - n))
                branches.append(branch.id)
            await uow.commit()
        app = build(db, ["telegram"], instance="bench")
        bot = Bot(
            TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest(connection_pool_size=4)
        )
        await bot.initialize()
        sender = app.add_transport(TelegramTransport(bot, MediaStore(folder / "media")))
        text = "通知: 本月主题党日定于5日上午9时在村党群服务中心召开, 请全体党员准时参加。"
        started = time.perf_counter()
        async with db.uow() as uow:
            rows = await app.deps.outbox.write(
                uow, "announcement:1", [Send(ToGroup(b), text) for b in branches], None, utcnow()
            )
            await uow.commit()
        await app.deps.delivery.send(rows)
        for _ in range(600):  # the background pass sends what was told to wait (bounded)
            async with db.uow() as uow:
                left = await uow.session.scalar(
                    select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "pending")
                )
            if not left:
                break
            await sender.poll()
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        await bot.shutdown()
        delivered = sum(fake.received.values())
        lost = sum(1 for n in range(groups) if fake.received[str(-1000000 - n)] != 1)
        return delivered / elapsed, fake.too_many, lost
    finally:
        await db.close()
        server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 groups instead of 2,000")
    parser.add_argument("--groups", type=int, help="how many groups")
    args = parser.parse_args()
    groups = args.groups or (300 if args.quick else 2000)
    rate, too_many, lost = asyncio.run(run(groups))
    print(f"groups: {groups}")
    print(f"rate: {rate:.1f} messages/s (Telegram allows 30/s per bot)")
    print(f"429 answers: {too_many}")
    print(f"lost: {lost}")
    print(f"RESULT ratio={rate / PER_BOT[0]:.3f} lost={lost}")


if __name__ == "__main__":
    main()
