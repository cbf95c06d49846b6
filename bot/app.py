"""The composition root: from the config to a running bot, for every run mode.

``App`` holds the database, the handlers' dependencies, a sender per platform, the clock and the
HTTP app (webhooks of every channel, ``/healthz``). ``partybot telegram`` and ``partybot console``
build one; tests build one with fakes (an offline Bot API, a fixed clock).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.delivery import Delivery, Limiter, Sender, SharedLimiter, Transport
from bot.handlers.context import Deps, today_local
from bot.media import MediaStore
from bot.scheduler import TICK_SECONDS, Clock
from bot.services.common import Context
from bot.services.outbox import Outbox
from bot.storage import Database
from bot.storage.outbox import OutboxQueries
from bot.storage.timeutil import utcnow


def instance_name(configured: str = "") -> str:
    """This process's name in the outbox (the host name unless configured)."""
    return configured or socket.gethostname()


@dataclass
class App:
    db: Database
    deps: Deps
    media: MediaStore
    clock: Clock
    routes: list[BaseRoute] = field(default_factory=list)

    @property
    def delivery(self) -> Delivery:
        return self.deps.delivery

    def add_transport(self, transport: Transport, limiter: Limiter | None = None) -> Sender:
        """Deliver this platform's rows through ``transport``. Rate limits are kept in this process
        on SQLite (one process), and in the database on PostgreSQL (replicas share them)."""
        if limiter is None:
            limiter = SharedLimiter(self.db.uow) if self.db.dialect == "postgresql" else Limiter()
        sender = Sender(self.db.uow, transport, self.deps.outbox.owner, limiter=limiter)
        self.deps.delivery.add(sender)
        return sender

    def http(self) -> Starlette:
        """One HTTP app: every channel's webhook path and ``/healthz``."""
        return Starlette(routes=[*self.routes, Route("/healthz", self._healthz)])

    async def _healthz(self, _request: Request) -> JSONResponse:
        """The database is reachable, migrations are current, and the outbox is not stuck."""
        current, head = await self.db.revision()
        async with self.db.uow(read_only=True) as uow:
            depth = await OutboxQueries(uow.session).depth(utcnow())
        now = utcnow()
        stuck = {
            p: n
            for p, (n, oldest) in depth.items()
            if oldest is not None and (now - oldest).total_seconds() > 600
        }
        ok = current == head and not stuck
        body = {
            "database": "ok",
            "migrations": current == head,
            "outbox": {p: n for p, (n, _) in depth.items()},
            "stuck": stuck,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    async def run(self, stop: asyncio.Event) -> None:
        """The clock and the senders' background passes, until ``stop``."""
        await asyncio.gather(self.clock.run(stop), self.delivery.run(stop))


def build(
    db: Database,
    platforms: Sequence[str],
    *,
    context: Context | None = None,
    media: MediaStore | None = None,
    instance: str = "",
    today: Callable[[], date] = today_local,
    now: Callable[[], datetime] = utcnow,
    tick: float = TICK_SECONDS,
) -> App:
    """The bot for the given platforms (the channels this process runs)."""
    context = context or Context(db.uow)
    outbox = Outbox(platforms, instance_name(instance))
    media = media or MediaStore("media")
    deps = Deps.of(context, outbox, Delivery(), today=today, now=now, media=media)
    return App(db, deps, media, Clock(deps, tick))
