"""The models in ``schema.py`` and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.storage import Database
from bot.storage.schema import Base


async def test_a_database_at_head_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        drift = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert drift == []
