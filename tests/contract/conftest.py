"""Every flow of the contract suite runs once per driver (``driver`` is parametrized).

A new channel passes the suite by supplying a driver: a class with the ``contract.driver.Driver``
methods (say, press, chat, tick, close; ``accounts``/``anonymous`` say what its platform has)
that feeds actions through the channel's real entry point over that platform's fake, and reads
back what the platform was asked to show. Add it to ``params`` below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from handlers.chatworld import db, make_chat_world

from bot.media import MediaStore
from bot.storage import Database
from contract.console_driver import ConsoleDriver
from contract.driver import Driver
from contract.telegram_driver import TelegramDriver

__all__ = ["db", "driver"]


@pytest.fixture(params=["console", "telegram"])
async def driver(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> AsyncIterator[Driver]:
    media = MediaStore(tmp_path / "media")
    made: Driver
    if request.param == "console":
        made = await ConsoleDriver.start(await make_chat_world(db, platforms=("console",), media=media), tmp_path)
    else:
        made = await TelegramDriver.start(await make_chat_world(db, media=media))
    try:
        yield made
    finally:
        await made.close()
