"""SQLite for the async engine without a worker thread: each call runs at once, in the caller's thread.

SQLAlchemy's ``sqlite+aiosqlite`` dialect drives an aiosqlite connection, which sends every
call (``cursor``, ``execute``, ``fetchall``, ``close``, ``commit``) to a worker thread and waits
for the answer. A statement is three or four such calls, and each round trip through the thread
costs a few hundred microseconds, while the statement itself costs a few (WAL mode, no fsync on
commit). So the engine is given this connection instead, through ``create_async_engine(...,
async_creator=...)``: the same awaitable interface, run inline.

Waiting for a lock must not stop the event loop, so SQLite's own busy timeout is 0 here and a
busy database (another process writing, or another task of this process that holds the write
lock across an ``await``) is retried after ``asyncio.sleep`` until ``busy_timeout`` has passed.
SQLite answers "busy" before it changes anything, so the retried call is whole.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
#: First and longest pause between two tries on a busy database, in seconds.
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.05


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "database is locked" in str(exc)


class InlineCursor:
    """The awaitable cursor SQLAlchemy's aiosqlite adapter expects."""

    def __init__(self, owner: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._owner, self._cursor = owner, cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await self._owner.call(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(rows)  # a retry must see the rows again
        await self._owner.call(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return await self._owner.call(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return await self._owner.call(self._cursor.fetchmany, size or self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return await self._owner.call(self._cursor.fetchall)

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-shaped connection over a plain ``sqlite3.Connection``, called inline."""

    def __init__(self, path: str, *, busy_timeout: float, uri: bool = False) -> None:
        # No driver-side transactions (SQLAlchemy's begin hook sends BEGIN IMMEDIATE) and no
        # driver-side waiting: a busy database is retried in ``call`` without blocking the loop.
        self._conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False, uri=uri)
        self.busy_timeout = busy_timeout

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, tried again after a pause while the database is busy."""
        deadline, pause = None, FIRST_PAUSE
        while True:
            try:
                return fn(*args)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.busy_timeout
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        return await (await self.cursor()).execute(sql, parameters)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        return await (await self.cursor()).executemany(sql, rows)

    async def commit(self) -> None:
        await self.call(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        self._conn.close()
