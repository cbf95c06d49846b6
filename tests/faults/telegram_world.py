"""The chat world on a SQLite file, behind the real PTB application on the offline Bot API,
delivering through ``TelegramTransport``: what every fault test starts from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from channels.offline import OfflineRequest
from handlers.chatworld import ChatWorld, make_chat_world
from sqlalchemy import event

from bot.channels.telegram import TelegramApp, TelegramTransport, build_application
from bot.delivery import Sender
from bot.storage import Database

TOKEN = "123456:FAULTS"


@dataclass
class Tg:
    world: ChatWorld
    app: TelegramApp
    api: OfflineRequest
    sender: Sender


async def telegram(db: Database, api: OfflineRequest | None = None, *, world: ChatWorld | None = None) -> Tg:
    """The chat world (made unless given) behind an initialized PTB application; the API's
    calls cleared after ``getMe``."""
    world = world or await make_chat_world(db)
    api = api if api is not None else OfflineRequest()
    app = build_application(TOKEN, world.deps, world.app.media, request=api, updates_request=OfflineRequest())
    sender = world.app.add_transport(TelegramTransport(app.bot, world.app.media))
    await app.initialize()
    api.clear()
    return Tg(world, app, api, sender)


@dataclass
class Statements:
    """Statements the engine ran while counting, and the transactions (BEGIN) among them."""

    seen: list[str] = field(default_factory=list)

    @property
    def transactions(self) -> int:
        return sum(1 for s in self.seen if s.lstrip().upper().startswith("BEGIN"))

    @property
    def statements(self) -> int:
        return len(self.seen)

    def clear(self) -> None:
        self.seen.clear()


@contextmanager
def counting(db: Database) -> Iterator[Statements]:
    """Count the statements ``db`` runs inside the block (SQLite's BEGIN is one of them: it is
    sent by ``exec_driver_sql`` from the engine's begin hook)."""
    found = Statements()

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
