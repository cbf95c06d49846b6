"""Child of the SIGKILL tests: the whole bot (``bot.app.build`` + the PTB application on an
offline Bot API) on a SQLite file made by the parent, handling the updates of a JSON file.

    python crash_child.py DB_FILE UPDATES_FILE CALLS_FILE

Every Bot API call that succeeded is appended to CALLS_FILE as a JSON line. The environment chooses:

- ``CRASH_AT``: where to kill this process with SIGKILL, while handling update number
  ``CRASH_ON`` (0 first): ``before-commit`` (the processed mark and the writes done, the
  unit of work not committed), ``after-commit`` (committed, nothing sent), ``after-send``
  (sent, not yet recorded as sent); unset: no crash.
- ``INSTANCE``: the process's name in the outbox (``crash``).
- ``POLL_AHEAD``: after the updates, one ``Sender.poll()`` with the sender's clock this many
  seconds ahead (a background pass once the grace or the lease has passed); unset: none.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from channels.offline import OfflineRequest
from handlers.chatworld import TODAY, chat_scheme
from telegram import Update
from telegram.ext import ContextTypes

from bot.app import build
from bot.channels.telegram import TelegramTransport, build_application
from bot.delivery import Sender
from bot.media import MediaStore
from bot.services.common import Context
from bot.storage import open_database
from bot.storage.timeutil import utcnow

TOKEN = "123456:CRASH"


class Recording(OfflineRequest):
    """The offline Bot API, appending each call that succeeded to a file (it outlives a SIGKILL)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        answer = await super().do_request(url, method, *args, **kwargs)
        call = self.calls[-1]
        if answer[0] == 200 and call.method != "getMe":
            with self.path.open("a", encoding="utf-8") as out:
                out.write(
                    json.dumps({"method": call.method, "params": call.params, "result": call.result}) + "\n"
                )
        return answer


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def killing(call: Callable[..., Awaitable[Any]], before: bool) -> Callable[..., Awaitable[Any]]:
    """``call`` that kills the process before it runs, or after it returned."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if crashing["now"] and before:
            die()
        result = await call(*args, **kwargs)
        if crashing["now"]:
            die()
        return result

    return wrapper


crashing = {"now": False}


async def main(db_file: Path, updates_file: Path, calls_file: Path) -> int:
    db = await open_database(f"sqlite+aiosqlite:///{db_file}")
    scheme = chat_scheme()
    bot = build(
        db, ("telegram",), context=Context(db.uow, lambda _id: scheme), media=MediaStore(db_file.parent / "media"),
        instance=os.environ.get("INSTANCE", "crash"), today=lambda: TODAY,
    )  # fmt: skip
    api = Recording(calls_file)
    app = build_application(TOKEN, bot.deps, bot.media, request=api, updates_request=OfflineRequest())
    sender = bot.add_transport(TelegramTransport(app.bot, bot.media))
    errors: list[BaseException] = []

    async def keep(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error or RuntimeError("no error"))

    app.add_error_handler(keep)
    point = os.environ.get("CRASH_AT", "")
    if point == "before-commit":  # after the processed mark and every write, before the commit
        outbox = bot.deps.outbox
        outbox.write = killing(outbox.write, before=False)  # type: ignore[method-assign]
    elif point == "after-commit":  # committed; the send after the commit never happens
        bot.delivery.send = killing(bot.delivery.send, before=True)  # type: ignore[method-assign]
    elif point == "after-send":  # delivered; the settling transaction never happens
        sender._settle = killing(sender._settle, before=True)  # type: ignore[method-assign]
    elif point:
        raise SystemExit(f"unknown CRASH_AT {point!r}")
    crash_on = int(os.environ.get("CRASH_ON", "-1"))
    async with app:
        for n, line in enumerate(updates_file.read_text(encoding="utf-8").splitlines()):
            crashing["now"] = n == crash_on
            await app.process_update(Update.de_json(json.loads(line), app.bot))
        crashing["now"] = False
        if os.environ.get("POLL_AHEAD"):
            ahead = timedelta(seconds=float(os.environ["POLL_AHEAD"]))
            sender.now = lambda: utcnow() + ahead
            print(f"polled {await Sender.poll(sender)}", flush=True)
    await db.close()
    for error in errors:
        print(f"error: {error!r}", file=sys.stderr)
    return 3 if errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
