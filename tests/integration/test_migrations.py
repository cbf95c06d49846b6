"""The models in ``schema.py`` and the Alembic migrations describe the same schema."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage import Database, open_database
from bot.storage.database import alembic_config
from bot.storage.schema import Base
from integration.conftest import Target

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_at_head_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        drift = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert drift == []


async def test_replicas_started_together_migrate_one_after_the_other(target: Target) -> None:
    """Three replicas with ``[database] migrate = true`` started at once on an empty database
    (``open_database(upgrade=True)``, what ``partybot telegram`` / ``wecom`` do on start): each
    takes the migration lock in turn, the first migrates, the others find the schema at head."""
    opened = await asyncio.wait_for(
        asyncio.gather(
            *(open_database(target.url, upgrade=True, connect_args=target.connect_args) for _ in range(3)),
            return_exceptions=True,
        ),
        timeout=120,  # without the lock the three block each other's CREATE TABLE
    )
    try:
        assert [type(db) for db in opened] == [Database] * 3, opened
        for db in opened:
            assert isinstance(db, Database)
            assert await db.revision() == (HEAD, HEAD)
        async with opened[0].engine.connect() as conn:
            versions = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == [HEAD]
    finally:
        for db in opened:
            if isinstance(db, Database):
                await db.close()
