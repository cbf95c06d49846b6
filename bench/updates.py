"""Claims and approvals per second, end to end through the Telegram channel, against a bare PTB handler.

Each pair is a real ``Update`` with a claim (申报 志愿服务 DATE) from a member in the bound group
and the secretary's press of 通过 on the card, through ``Application.process_update`` on a
SQLite file, with the test suite's offline Bot API, which records every call and answers at once
(no network, no rate limiter).
The baseline is the same updates through a bare PTB handler that only sends/edits/answers.

    python bench/updates.py            # 2,000 pairs
    python bench/updates.py --quick    # 300 pairs

Last line: RESULT ratio=<ours/bare pairs per second> p99_ms=<ours, per pair>
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.offline import BOT_USER as BOT  # the test suite's offline Bot API, which records every call
from channels.offline import DATE, OfflineRequest
from telegram import Bot, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram import build_application
from bot.handlers.context import Deps
from bot.services.common import Context
from bot.storage import Database, open_database
from bot.storage.schema import MemberRow

GROUP, SECRETARY = -1001, 1
START = date(2026, 1, 1)


def approve_button(api: OfflineRequest) -> str:
    """The 通过 button of the card the bot sent last ("a:0", a stale press, when there was none)."""
    card = next((c for c in reversed(api.calls) if c.method == "sendMessage"), None)
    return next((b for b in card.buttons if b.startswith("a:")), "a:0") if card else "a:0"


def claim(bot: Bot, update_id: int, user: int, day: date) -> Update:
    message = {
        "message_id": update_id, "date": DATE, "text": f"申报 志愿服务 {day.isoformat()}",
        "chat": {"id": GROUP, "type": "supergroup", "title": "群"},
        "from": {"id": user, "is_bot": False, "first_name": f"党员{user}"},
    }  # fmt: skip
    return Update.de_json({"update_id": update_id, "message": message}, bot)


def press(bot: Bot, update_id: int, data: str) -> Update:
    card = {
        "message_id": 1,
        "date": DATE,
        "chat": {"id": GROUP, "type": "supergroup"},
        "from": BOT,
        "text": "c",
    }
    query = {
        "id": str(update_id), "chat_instance": "c", "data": data, "message": card,
        "from": {"id": SECRETARY, "is_bot": False, "first_name": "书记"},
    }  # fmt: skip
    return Update.de_json({"update_id": update_id, "callback_query": query}, bot)


async def world(db: Database, members: int) -> None:
    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "twelve-point")
        await uow.branches.bind_chat(branch.id, "telegram", str(GROUP))
        for n in range(1, members + 1):
            member = await uow.members.add(MemberRow(branch_id=branch.id, name=f"党员{n}"))
            await uow.members.link(member.id, "telegram", str(n))
            if n == SECRETARY:
                await uow.members.grant(member.id, "secretary", branch_id=branch.id)
        await uow.commit()


async def run_pairs(
    app: Application[Any, Any, Any, Any, Any, Any], api: OfflineRequest, pairs: int, members: int
) -> list[float]:
    """Seconds per pair (claim + approval)."""
    times: list[float] = []
    ids = itertools.count(1)
    for n in range(pairs):
        user, day = 2 + n % (members - 1), START + timedelta(days=n // (members - 1))
        began = time.perf_counter()
        await app.process_update(claim(app.bot, next(ids), user, day))
        await app.process_update(press(app.bot, next(ids), approve_button(api)))
        times.append(time.perf_counter() - began)
    return times


async def ours(pairs: int, members: int, folder: Path) -> list[float]:
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await world(db, members)
    api = OfflineRequest()
    deps = Deps.of(Context(db.uow), today=lambda: date(2026, 12, 31))
    app = build_application("1:BENCH", deps, request=api, updates_request=OfflineRequest(), rate_limit=False)
    async with app:
        times = await run_pairs(app, api, pairs, members)
    async with db.uow() as uow:
        approved = len(await uow.ledger.of_member(2))
    await db.close()
    assert approved > 0, "no approval reached the ledger"
    return times


async def bare(pairs: int, members: int) -> list[float]:
    """The same updates through a PTB handler that does only the API calls."""
    api = OfflineRequest()

    async def echo(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update)
        if update.callback_query is not None:
            await update.callback_query.answer("ok")
            await update.callback_query.edit_message_text("done")
        elif update.effective_chat is not None:
            await update.effective_chat.send_message("card")

    app = Application.builder().token("1:BARE").request(api).get_updates_request(OfflineRequest()).build()
    app.add_handler(TypeHandler(Update, echo))
    async with app:
        return await run_pairs(app, api, pairs, members)


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 pairs")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--members", type=int, default=50)
    args = parser.parse_args()
    pairs = args.pairs or (300 if args.quick else 2_000)
    with tempfile.TemporaryDirectory() as folder:
        mine = await ours(pairs, args.members, Path(folder))
    base = await bare(pairs, args.members)
    ours_rate, bare_rate = pairs / sum(mine), pairs / sum(base)
    print(f"pairs={pairs} ours={ours_rate:.0f}/s bare={bare_rate:.0f}/s ours_p99={p99(mine) * 1000:.1f}ms")
    print(f"RESULT ratio={ours_rate / bare_rate:.3f} p99_ms={p99(mine) * 1000:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
