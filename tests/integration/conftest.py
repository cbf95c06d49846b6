"""Every storage test runs on SQLite (a file in tmp_path) and, when PARTYBOT_TEST_PG_URL is
set, on PostgreSQL too, each test in a fresh schema of its own (dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Database, open_database
from integration.world import Target, World, make_world

PG_URL = os.environ.get("PARTYBOT_TEST_PG_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


async def _pg_schema(url: str, schema: str, create: bool) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        sql = f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA "{schema}" CASCADE'
        await conn.exec_driver_sql(sql)
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        yield Target(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}", {})
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    await _pg_schema(PG_URL, schema, create=True)
    try:
        yield Target(PG_URL, {"server_settings": {"search_path": schema}})
    finally:
        await _pg_schema(PG_URL, schema, create=False)


@pytest.fixture
async def db(target: Target) -> AsyncIterator[Database]:
    database = await open_database(target.url, connect_args=target.connect_args)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world(db)
