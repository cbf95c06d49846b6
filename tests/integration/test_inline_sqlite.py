"""SQLite runs its statements in the event loop's thread (``bot/storage/inline.py``): a writer that
has to wait for the write lock must wait without stopping the loop, and must give up, with
SQLite's own error, once the busy timeout has passed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

import bot.storage.database as database
from bot.storage import Database, open_database
from bot.storage.inline import InlineConnection


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    path = tmp_path / "inline.db"
    db = await open_database(f"sqlite+aiosqlite:///{path}")
    try:
        yield db, path
    finally:
        await db.close()


def _lock(path: Path) -> sqlite3.Connection:
    """Another writer (as another process would be) holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_the_engine_uses_the_inline_connection(sqlite_db: tuple[Database, Path]) -> None:
    db, _ = sqlite_db
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        pragmas = [
            (await conn.exec_driver_sql(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "foreign_keys")
        ]
    assert pragmas == ["wal", 1]


async def test_a_writer_waiting_for_the_lock_lets_the_loop_run(sqlite_db: tuple[Database, Path]) -> None:
    db, path = sqlite_db
    other = _lock(path)
    ticks: list[int] = []

    async def meanwhile() -> None:
        """Other work of the bot (another update) goes on while the writer waits."""
        for n in range(20):
            ticks.append(n)
            await asyncio.sleep(0.005)
        other.execute("COMMIT")  # the other writer finishes; ours gets the lock

    async def write() -> int:
        async with db.uow() as uow:
            branch = await uow.branches.add("第一党支部", "twelve-point")
            await uow.commit()
            return branch.id

    branch_id, _ = await asyncio.gather(write(), meanwhile())
    assert len(ticks) == 20
    async with db.uow() as uow:
        found = await uow.branches.get(branch_id)
    assert found is not None and found.name == "第一党支部"
    other.close()


async def test_a_writer_gives_up_after_the_busy_timeout(
    sqlite_db: tuple[Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path = sqlite_db
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.05)
    db = await open_database(f"sqlite+aiosqlite:///{path}")  # a new engine, with the short timeout
    other = _lock(path)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with db.uow() as uow:
                await uow.branches.add("第二党支部", "twelve-point")
                await uow.commit()
    finally:
        other.execute("ROLLBACK")
        other.close()
        await db.close()
    async with sqlite_db[0].uow() as uow:
        assert [b.name for b in await uow.branches.list()] == []  # nothing was half-written


async def test_a_failed_statement_is_not_retried() -> None:
    conn = InlineConnection(":memory:", busy_timeout=5)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await conn.execute("SELECT * FROM missing")
    await conn.close()
