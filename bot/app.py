"""The composition root: from the config to a running bot, for every run mode.

``App`` holds the database, the handlers' dependencies, a sender per platform, the clock and the
HTTP app (webhooks of every channel, ``/healthz``, ``/metrics``). ``partybot telegram``, ``wecom`` and
``console`` ``start`` one (built, and the config's passbook catalog loaded); tests build one with
fakes (an offline Bot API, a fixed clock).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import metrics
from bot.config import Config, PassbookGoodsEntry
from bot.delivery import Delivery, Limiter, Sender, SharedLimiter, Transport
from bot.handlers.context import Deps, today_local
from bot.i18n import t
from bot.media import MediaStore
from bot.scheduler import TICK_SECONDS, Clock
from bot.services.common import Actor, Context
from bot.services.outbox import Outbox
from bot.services.passbook import Goods, GoodsSpec, PassbookService
from bot.storage import Database
from bot.storage.health import HealthQueries
from bot.storage.timeutil import utcnow

log = logging.getLogger(__name__)
#: A row due this long and still unsent means nobody sends that platform's rows (the senders'
#: background pass runs every 2 s, and another replica takes a crashed writer's rows after a minute).
STUCK_SECONDS = 300.0
#: ``/healthz`` and ``/metrics`` answer within this long even when the database does not.
CHECK_TIMEOUT = 5.0
#: Who loads the config's passbook catalog when the bot starts (in the audit log).
CONFIG_ACTOR = Actor(None, "cli:config")


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
        """One HTTP app: every channel's webhook path, ``/healthz`` and ``/metrics``."""
        return Starlette(
            routes=[*self.routes, Route("/healthz", self._healthz), Route("/metrics", self._metrics)]
        )

    async def _healthz(self, _request: Request) -> JSONResponse:
        """200 when the database answers, its migrations are current and no outbox row is stuck;
        503 otherwise, ``failing`` naming the parts and each failing part saying what to do."""
        body: dict[str, object] = {"database": "ok", "migrations": "ok", "outbox": "ok", "pending": {}}
        try:
            (current, head), outbox = await asyncio.wait_for(self._health(), CHECK_TIMEOUT)
        except Exception as err:  # unreachable, refused, timed out: the check itself is the answer
            log.warning("healthz: the database does not answer: %r", err)
            problem = f"{type(err).__name__}: {err}".rstrip(": ")
            body.update(database=t("health.database", error=problem), migrations=t("health.unchecked"))
            body["outbox"] = t("health.unchecked")
        else:
            body["pending"] = {p: rows for p, (rows, _) in outbox.items()}
            if current != head:
                body["migrations"] = t("health.migrations", current=current or "-", head=head)
            stuck = [
                t("health.outbox", platform=p, rows=rows, minutes=int(waited // 60))
                for p, (rows, waited) in sorted(outbox.items())
                if waited > STUCK_SECONDS
            ]
            if stuck:
                body["outbox"] = " ".join(stuck)
        failing = [part for part in ("database", "migrations", "outbox") if body[part] != "ok"]
        body["failing"] = failing
        return JSONResponse(body, status_code=503 if failing else 200)

    async def _health(self) -> tuple[tuple[str | None, str | None], dict[str, tuple[int, float]]]:
        revision = await self.db.revision()
        async with self.db.uow(read_only=True) as uow:
            return revision, await HealthQueries(uow.session).outbox(utcnow())

    async def _metrics(self, _request: Request) -> Response:
        """This process's counters, and the outbox and the claims as the database has them (left
        out, and logged, when the database does not answer: the counters still count)."""
        state = metrics.State()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self.db.uow(read_only=True) as uow:
                queries = HealthQueries(uow.session)
                state = metrics.State(await queries.outbox(utcnow()), await queries.claims())
        except Exception as err:
            log.warning("metrics: the database does not answer: %r", err)
        return Response(metrics.exposition(state), media_type=metrics.CONTENT_TYPE_LATEST)

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


async def start(db: Database, platforms: Sequence[str], config: Config, context: Context) -> App:
    """What every run mode (``partybot telegram``, ``wecom``, ``console``) starts with: the bot built
    from the config, and the config's passbook catalog loaded (all or nothing; a refused entry stops
    the start with the entry named, as a ``DomainError``)."""
    app = build(
        db, platforms, context=context, media=MediaStore(config.media.dir), instance=config.server.instance
    )
    await load_catalog(context, config.passbook.goods)
    return app


async def load_catalog(
    context: Context, goods: Sequence[PassbookGoodsEntry], actor: Actor = CONFIG_ACTOR
) -> list[tuple[str, int, Goods]]:
    """The config's ``[[passbook.goods]]`` into the branches' catalogs, in one transaction; loading
    it again changes nothing. ("added" / "updated" / "unchanged", branch, goods) for each entry."""
    entries = [(g.branch, GoodsSpec(g.name, g.points, g.yuan, g.stock)) for g in goods]
    if not entries:
        return []
    loaded = await PassbookService(context).load(actor, entries)
    counts = {word: sum(1 for w, _b, _g in loaded if w == word) for word in ("added", "updated", "unchanged")}
    log.info(
        "passbook: the config's catalog is loaded (%d goods of %d branches: %d added, %d updated, %d unchanged)",
        len(loaded), len({b for _w, b, _g in loaded}), counts["added"], counts["updated"], counts["unchanged"],
    )  # fmt: skip
    return loaded
