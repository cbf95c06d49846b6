"""Every storage test runs on SQLite (a file in tmp_path) and, when PARTYBOT_TEST_PG_URL is
set, on PostgreSQL too, each test in a fresh schema of its own (dropped afterwards). Command-line tests (``cli``) get
a fresh database instead, since the CLI takes nothing but a URL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli import main
from bot.i18n import set_locale
from bot.storage import Database, open_database
from bot.storage.uow import UnitOfWork
from integration.world import Target, World, make_world

PG_URL = os.environ.get("PARTYBOT_TEST_PG_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
T = TypeVar("T")


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


@dataclass
class Cli:
    """``partybot`` against a database of its own, named in a config file, as an administrator runs it."""

    url: str
    config: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        """Run ``partybot --config FILE argv...``: (exit code, stdout, stderr)."""
        self.capsys.readouterr()
        code = main(["--config", str(self.config), *argv])
        out, err = self.capsys.readouterr()
        return code, out, err

    def query(self, work: Callable[[UnitOfWork], Awaitable[T]], *, upgrade: bool = True) -> T:
        """Look into the CLI's database with a unit of work (from a plain sync test)."""

        async def run() -> T:
            database = await open_database(self.url, upgrade=upgrade)
            try:
                async with database.uow() as uow:
                    return await work(uow)
            finally:
                await database.close()

        return asyncio.run(run())


async def _pg_database(name: str, create: bool) -> None:
    assert PG_URL is not None
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            sql = f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE "{name}" WITH (FORCE)'
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
def cli(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Cli]:
    """A config file whose ``[database] url`` is a fresh SQLite file or, on PostgreSQL, a fresh
    database (the CLI takes only a URL, so a schema per test is not enough). Nothing from the
    environment (PARTYBOT_CONFIG, PARTYBOT_DATABASE__URL, ...) leaks in."""
    for name in list(os.environ):
        if name.startswith("PARTYBOT_"):
            monkeypatch.delenv(name)
    set_locale("zh-CN")
    config = tmp_path / "config.toml"
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
        config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        yield Cli(url, config, capsys)
        return
    assert PG_URL is not None
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    asyncio.run(_pg_database(name, create=True))
    try:
        yield Cli(url, config, capsys)
    finally:
        asyncio.run(_pg_database(name, create=False))
