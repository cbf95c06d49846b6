from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database, open_database
from handlers.chatworld import ChatWorld, make_chat_world


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(db: Database) -> ChatWorld:
    return await make_chat_world(db)
