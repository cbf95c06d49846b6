from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from handlers.chatworld import ChatWorld, db, world
from telegram.ext import ContextTypes

from bot.channels.telegram import TelegramApp, TelegramTransport, build_application
from channels.offline import OfflineRequest

__all__ = ["app", "db", "world"]  # db and world are defined once in handlers.chatworld


@pytest.fixture
def api() -> OfflineRequest:
    return OfflineRequest()


@pytest.fixture
async def app(world: ChatWorld, api: OfflineRequest) -> AsyncIterator[TelegramApp]:
    """The real application on the offline API, delivering through the outbox; any error inside a
    handler fails the test."""
    errors: list[BaseException] = []

    async def keep(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    application = build_application(
        "123456:TEST", world.deps, world.app.media, request=api, updates_request=OfflineRequest()
    )
    world.app.add_transport(TelegramTransport(application.bot, world.app.media))
    application.add_error_handler(keep)
    await application.initialize()
    api.clear()
    try:
        yield application
    finally:
        await application.shutdown()
    assert errors == []
