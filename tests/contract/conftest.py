"""Every flow of the contract suite runs once per driver (``driver`` is parametrized).

A new channel passes the suite by supplying a driver: a class with the ``contract.driver.Driver``
methods (say, press, chat, tick, close; ``accounts``/``anonymous`` say what its platform has)
that feeds actions through the channel's real entry point over that platform's fake, and reads
back what the platform was asked to show. Add it to ``params`` below.

Every flow runs on SQLite and, when PARTYBOT_TEST_PG_URL is set, on PostgreSQL too (a fresh schema
per test), as replicas would run it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from handlers.chatworld import make_chat_world
from integration.conftest import BACKENDS, PG_URL, _pg_schema

from bot.media import MediaStore
from bot.storage import Database, open_database
from contract.console_driver import ConsoleDriver
from contract.driver import Driver
from contract.telegram_driver import TelegramDriver
from contract.wecom_driver import CallbackDriver, LongConnectionDriver, limit

__all__ = ["db", "driver"]


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database migrated to head: a SQLite file, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
        try:
            yield database
        finally:
            await database.close()
        return
    assert PG_URL is not None
    schema = f"c_{uuid.uuid4().hex[:12]}"
    await _pg_schema(PG_URL, schema, create=True)
    database = await open_database(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield database
    finally:
        await database.close()
        await _pg_schema(PG_URL, schema, create=False)


@pytest.fixture(params=["console", "telegram", "wecom", "wecom-callback"])
async def driver(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> AsyncIterator[Driver]:
    media = MediaStore(tmp_path / "media")
    reason = limit(request.param, request.node.originalname)
    if reason:  # a platform limit, not a bug: expected to fail, and reported if it ever passes
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    made: Driver
    if request.param == "console":
        made = await ConsoleDriver.start(
            await make_chat_world(db, platforms=("console",), media=media), tmp_path
        )
    elif request.param == "telegram":
        made = await TelegramDriver.start(await make_chat_world(db, media=media))
    elif request.param == "wecom":
        made = await LongConnectionDriver.start(await make_chat_world(db, platforms=("wecom",), media=media))
    else:
        made = await CallbackDriver.start(await make_chat_world(db, platforms=("wecom",), media=media))
    try:
        yield made
    finally:
        await made.close()
