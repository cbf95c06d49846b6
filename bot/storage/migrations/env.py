"""Alembic environment, run programmatically by ``bot.storage.database.upgrade``.

The caller hands in an open synchronous connection (``config.attributes["connection"]``),
so the same code runs on aiosqlite and asyncpg through ``AsyncConnection.run_sync``.
"""

from __future__ import annotations

from alembic import context

from bot.storage.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `partybot db upgrade`")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
