"""Delivering the outbox: one sender per platform.

A sender delivers the rows an update wrote as soon as that update has committed (no polling
delay for the person), through its platform's transport. It retries with backoff on network
errors, 5xx and 429 (the platform's ``retry_after``), marks permanent refusals (bot blocked,
chat gone) with the reason, and settles each batch in one transaction, remembering where each
copy of a card was posted. A background pass sends what is due again and takes over rows whose
writer's lease ran out (a process that crashed between its commit and its send).

A row is sent by one process at a time. A crash after a platform accepted a message but before
the sender recorded it sends that message again after restart: the platforms have no way to ask
"did you get this one", so at-least-once is what can be promised there, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import OperationalError

from bot import metrics
from bot.services.outbox import LEASE
from bot.storage.outbox import OutboxQueries, Outgoing, Settled
from bot.storage.timeutil import utcnow
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: After this many failed attempts a row is given up (failed, with the last error).
MAX_ATTEMPTS = 12
#: Longest wait between two attempts, in seconds.
MAX_BACKOFF = 600.0
#: How often settling a batch is tried before giving up (the rows are then sent again later).
SETTLE_TRIES = 3
#: A rate limit that asks for at most this long is waited out in place; a longer one is left to the
#: background pass, so one busy group never holds up the rest.
WAIT_IN_PLACE = 1.5


class Retry(Exception):
    """A temporary failure (network, 5xx, 429): try again, after ``after`` seconds if the platform said."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.after = reason, after


class Refused(Exception):
    """A permanent refusal (bot blocked, chat gone, message too old): never tried again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Bucket:
    """A rate limit: at most ``count`` messages per ``per`` seconds under ``name``."""

    name: str
    count: int
    per: float


class Transport(Protocol):
    """A platform's side of delivery: send one row, say which rate limits it counts against."""

    platform: str

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        """Deliver the row; the (chat, message) of each copy of a card it posted. Raises ``Retry``
        or ``Refused``."""
        ...

    def buckets(self, row: Outgoing) -> Sequence[Bucket]: ...


class Limiter:
    """Sliding-window rate limits, kept in this process (one process on SQLite)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    def delay(self, buckets: Iterable[Bucket]) -> float:
        """Seconds until every bucket has room for one more message."""
        now, wait = self.clock(), 0.0
        for b in buckets:
            window = self._sent[b.name]
            while window and window[0] <= now - b.per:
                window.popleft()
            if len(window) >= b.count:
                wait = max(wait, window[0] + b.per - now)
        return wait

    async def acquire(self, buckets: Sequence[Bucket]) -> float:
        """Take room for one message in every bucket: 0, or the seconds to wait (nothing taken)."""
        wait = self.delay(buckets)
        if wait <= 0:
            now = self.clock()
            for b in buckets:
                self._sent[b.name].append(now)
        return wait


class SharedLimiter(Limiter):
    """The same limits kept in the database, so that replicas on one PostgreSQL share them: each
    bucket counts messages in fixed windows of its period (one upsert per message and bucket)."""

    def __init__(self, units: Callable[[], UnitOfWork], clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.units = units

    async def acquire(self, buckets: Sequence[Bucket]) -> float:
        if not buckets:
            return 0.0
        now = self.clock()
        async with self.units() as uow:
            starts = [(b.name, int(now // b.per * b.per), b.count) for b in buckets]
            counts = await OutboxQueries(uow.session).count_sent(starts)
            over = [b for b, n in zip(buckets, counts, strict=True) if n > b.count]
            if over:
                await uow.rollback()  # nothing taken
                return max((now // b.per + 1) * b.per - now for b in over)
            await uow.commit()
        return 0.0


UnitFactory = Callable[..., UnitOfWork]


class Sender:
    def __init__(
        self,
        units: UnitFactory,
        transport: Transport,
        owner: str,
        *,
        limiter: Limiter | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.units, self.transport, self.owner = units, transport, owner
        self.limiter = limiter or Limiter()
        self.now = now
        self._lock = asyncio.Lock()
        #: Rows being delivered right now (a background pass leaves them alone).
        self._inflight: set[int] = set()

    @property
    def platform(self) -> str:
        return self.transport.platform

    async def send(self, rows: Sequence[Outgoing]) -> None:
        """Deliver the rows in order, then settle them in one transaction (and deliver the
        refreshes that settling found necessary)."""
        for _ in range(3):  # a refresh of a refresh is possible only when a card changes meanwhile
            rows = [r for r in rows if r.platform == self.platform and r.id not in self._inflight]
            if not rows:
                return
            ids = {r.id for r in rows}
            self._inflight |= ids
            try:
                results = [await self._one(row) for row in rows]
                rows = await self._settle(results)
            finally:
                self._inflight -= ids

    async def _one(self, row: Outgoing) -> Settled:
        buckets = self.transport.buckets(row)
        wait = await self.limiter.acquire(buckets)
        while 0 < wait <= WAIT_IN_PLACE:
            await asyncio.sleep(wait)
            wait = await self.limiter.acquire(buckets)
        if wait > 0:
            return Settled(row, "later", next_at=self.now() + timedelta(seconds=wait))
        try:
            posted = await self.transport.deliver(row)
        except Refused as err:
            log.info("%s: row %s refused for good: %s", self.platform, row.key, err.reason)
            metrics.send_failed(self.platform, err.reason)
            return Settled(row, "failed", error=err.reason)
        except Retry as err:
            return self._retry(row, err.reason, err.after)
        except Exception as err:  # a bug in rendering must not lose the row: it stays and is retried
            log.exception("%s: sending row %s failed", self.platform, row.key)
            return self._retry(row, f"{type(err).__name__}: {err}", None)
        return Settled(row, "sent", posted=tuple(posted))

    def _retry(self, row: Outgoing, reason: str, after: float | None) -> Settled:
        metrics.send_failed(self.platform, reason)
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning("%s: row %s given up after %d attempts: %s", self.platform, row.key, attempts, reason)
            return Settled(row, "failed", error=f"{reason} (gave up after {attempts} attempts)")
        backoff = after if after is not None else min(2.0**attempts, MAX_BACKOFF)
        return Settled(row, "retry", error=reason, next_at=self.now() + timedelta(seconds=backoff))

    async def _settle(self, results: Sequence[Settled]) -> list[Outgoing]:
        """Record what became of the rows. Tried a few times: a row delivered but not recorded
        as sent would be delivered again by the next pass."""
        for attempt in range(SETTLE_TRIES):
            now = self.now()
            try:
                async with self.units() as uow:
                    queries = OutboxQueries(uow.session)
                    again = await queries.settle(results, now, self.owner, now + LEASE)
                    ids = await queries.add(again)
                    await uow.commit()
                break
            except OperationalError:  # the database is busy or gone for a moment
                if attempt == SETTLE_TRIES - 1:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        return [Outgoing.written(i, r) for i, r in zip(ids, again, strict=True)]

    async def poll(self) -> int:
        """One background pass: send what is due (retries, and rows a crashed writer left behind).
        How many rows it tried."""
        async with self._lock:
            now = self.now()
            async with self.units(read_only=True) as uow:  # most passes find nothing: no write lock
                due = [
                    r
                    for r in await OutboxQueries(uow.session).due(self.platform, self.owner, now)
                    if r.id not in self._inflight
                ]
            if not due:
                return 0
            async with self.units() as uow:
                taken = await OutboxQueries(uow.session).take_over(
                    [r.id for r in due], self.owner, now, now + LEASE
                )
                await uow.commit()
            rows = [r for r in due if r.id in taken]
            if rows:
                await self.send(rows)
            return len(rows)

    async def run(self, stop: asyncio.Event, every: float = 2.0) -> None:
        """Background passes until ``stop`` is set (the first one at once: rows left by a crash)."""
        while not stop.is_set():
            try:
                await self.poll()
            except Exception:  # the database may be busy or down for a moment; try again later
                log.exception("%s: outbox pass failed", self.platform)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)


class Delivery:
    """The senders of the platforms this process runs."""

    def __init__(self, senders: Iterable[Sender] = ()) -> None:
        self.senders = {s.platform: s for s in senders}

    def add(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    async def send(self, rows: Sequence[Outgoing]) -> None:
        """Deliver rows just committed; rows of a platform this process does not run wait in the
        outbox for a process that does."""
        for platform, sender in self.senders.items():
            mine = [r for r in rows if r.platform == platform]
            if not mine:
                continue
            try:
                await sender.send(mine)
            except Exception:  # the rows are safe in the outbox: the next background pass sends them
                log.exception("%s: delivering %d rows failed; they wait in the outbox", platform, len(mine))

    async def run(self, stop: asyncio.Event, every: float = 2.0) -> None:
        await asyncio.gather(*(s.run(stop, every) for s in self.senders.values()))
