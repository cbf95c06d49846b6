from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from handlers.chatworld import ChatWorld, make_chat_world
from telegram.ext import ContextTypes

from bot.channels.telegram import TelegramApp, build_application
from bot.storage import Database, open_database
from channels.offline import OfflineRequest


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


@pytest.fixture
def api() -> OfflineRequest:
    return OfflineRequest()


@pytest.fixture
async def app(world: ChatWorld, api: OfflineRequest) -> AsyncIterator[TelegramApp]:
    """The real application on the offline API; any error inside a handler fails the test."""
    errors: list[BaseException] = []

    async def keep(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    application = build_application("123456:TEST", world.deps, request=api, updates_request=OfflineRequest())
    application.add_error_handler(keep)
    await application.initialize()
    api.clear()
    try:
        yield application
    finally:
        await application.shutdown()
    assert errors == []
