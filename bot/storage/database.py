"""Open the database: engine, SQLite pragmas, migrations to head, units of work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from bot.storage.guard import install_guard
from bot.storage.inline import InlineConnection
from bot.storage.schema import Branch, ClaimRow, MemberRow
from bot.storage.uow import BEGIN_OPTION, Joined, UnitOfWork, current

MIGRATIONS = Path(__file__).with_name("migrations")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
#: The first half of the PostgreSQL advisory lock a migration holds (the second: its schema's hash).
MIGRATION_LOCK = 0x70617274  # "part"
#: How long a statement waits for another writer before it fails, in seconds.
BUSY_TIMEOUT = 10.0


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Set the pragmas, then take transaction control away from the sqlite3 driver.

    In its legacy mode the driver emits no BEGIN before a SAVEPOINT (or a SELECT, or DDL), so a
    savepoint that is a transaction's first write commits for good when it is released. With
    ``isolation_level = None`` the driver stays out of the way and ``_sqlite_begin`` opens every
    transaction (SQLAlchemy's documented recipe for sqlite3 and aiosqlite). ``BEGIN IMMEDIATE``
    takes the write lock up front, so two writers queue (busy timeout) instead of deadlocking when
    both read first and then try to write; read-only units of work begin DEFERRED.
    """
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
    if dbapi_connection.isolation_level is not None:
        dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _revision(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


def _keep(session: Session, instance: object) -> None:
    """Hold the branches, members and claims a unit of work loaded until it ends: the session's
    identity map holds rows weakly, and one update looks the same ones up in several places.
    Only these: they are never changed behind the session's back by an UPDATE statement (a
    claim's decision refreshes it), so a kept row is never stale."""
    if isinstance(instance, _KEPT_TYPES):
        session.info.setdefault(_KEPT, []).append(instance)


_KEPT = "partybot_kept"
_KEPT_TYPES = (Branch, MemberRow, ClaimRow)
for _event in ("loaded_as_persistent", "pending_to_persistent", "detached_to_persistent"):
    event.listen(Session, _event, _keep)


class Database:
    """One engine and its session factory; ``uow()`` starts a unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; inside an update's unit of work (``UnitOfWork.current``), that one."""
        outer = current()
        return Joined(outer) if outer is not None else UnitOfWork(self.sessions, read_only=read_only)

    async def upgrade(self) -> None:
        """Run the migrations up to head (an empty database gets every table), in one transaction.

        ``partybot db upgrade`` and the bot's own upgrade on start (``[database] migrate = true``)
        both come here. On PostgreSQL the transaction first takes an advisory lock of the schema
        it migrates, so two at once (replicas started together, the one-shot service started
        twice, an operator beside it) take turns and the later finds nothing to do; the lock ends
        with the transaction. SQLite's write lock (``BEGIN IMMEDIATE``) does the same for a file."""
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.exec_driver_sql(
                    f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK}, hashtext(current_schema()))"
                )
            await conn.run_sync(_upgrade)

    async def revision(self) -> tuple[str | None, str | None]:
        """(current revision of the database, newest revision shipped)."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(_revision)

    async def close(self) -> None:
        await self.engine.dispose()


def create_engine(url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None) -> AsyncEngine:
    """The engine for ``url``; SQLite files and memory run their statements inline (``inline.py``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"
        uri = parsed.query.get("uri") in ("true", "1")

        async def connect() -> InlineConnection:
            return InlineConnection(path, busy_timeout=BUSY_TIMEOUT, uri=uri)

        engine = create_async_engine(url, echo=echo, async_creator=connect)
    else:
        engine = create_async_engine(url, echo=echo, connect_args=connect_args or {})
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


async def open_database(
    url: str, *, upgrade: bool = True, echo: bool = False, connect_args: dict[str, Any] | None = None
) -> Database:
    """Connect to ``url`` and, unless told not to, bring the schema to head first.

    This is what the bot does on start: an empty database is created in full.
    """
    install_guard()
    db = Database(create_engine(url, echo=echo, connect_args=connect_args))
    if upgrade:
        await db.upgrade()
    return db
