"""Child of the two-process publicity test: a scheduler of its own on a shared PostgreSQL
database, ticking through the first half of 2026 (every six hours) on a clock of its own."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.storage import open_database
from integration.publicity_world import Moment, app_on


async def main(url: str, schema: str, instance: str) -> None:
    db = await open_database(url, connect_args={"server_settings": {"search_path": schema}}, upgrade=False)
    try:
        moment = Moment(datetime(2026, 1, 1, tzinfo=UTC))
        app, _transport = app_on(db, moment, instance=instance)
        while moment.at < datetime(2026, 7, 25, tzinfo=UTC):
            moment.at += timedelta(hours=6)
            await app.clock.tick()
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
