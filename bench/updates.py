"""Claims and approvals per second, end to end through the Telegram channel, against a bare PTB handler.

Each pair is a real ``Update`` with a claim (申报 志愿服务 DATE) from a member in the bound group
and the secretary's press of 通过 on the card, through ``Application.process_update`` on a
SQLite file, with the test suite's offline Bot API, which records every call and answers at once
(no network, no rate limiter: the sender's buckets are empty here). "Ours" is the whole bot as ``bot.app.build`` makes it: the update's
unit of work writes its replies as outbox rows, and the Telegram sender delivers them right after
the commit (``handle`` delivers inline), so a pair is timed until its replies have reached the
recording Bot API; the recorded calls are counted to check that every reply was delivered.
The statements and transactions (BEGIN) the database ran per pair are counted with SQLAlchemy's
engine events.
The baseline is the same updates through a bare PTB handler that only sends/edits/answers.

A third run shows what durability alone costs on this machine: the bare handler plus the least
a durable claim and approval must write, one SQLite transaction per update (BEGIN IMMEDIATE,
mark the update processed, look up the member, insert the claim or decide it and add its
ledger entry, COMMIT) in plain ``sqlite3`` on the bot's own schema, WAL and synchronous=NORMAL,
with no SQLAlchemy and no business rule. Its ratio to the bare handler is the ceiling any
implementation that commits each update can reach here.

    python bench/updates.py            # 2,000 pairs
    python bench/updates.py --quick    # 300 pairs
    python bench/updates.py --channel wecom --quick

``--channel wecom`` runs the same three over WeCom's long connection instead: the test suite's
fake WeCom on loopback (a real WebSocket; it records and answers every frame at once) pushes
each claim as an ``aibot_msg_callback`` and each press as a ``template_card_event``; a pair is
timed until the bot's frames (``aibot_send_msg``, ``aibot_respond_update_msg``) were answered.
"Bare" is a ``LongConnection`` whose callback handler only sends the card / updates it; the floor
adds the same plain sqlite3 transaction per update.

Last line: RESULT ratio=<ours/bare pairs per second> vs_floor=<ours/floor pairs per second>
p99_ms=<ours, per pair>
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.offline import BOT_USER as BOT  # the test suite's offline Bot API, which records every call
from channels.offline import DATE, OfflineRequest
from sqlalchemy import event, text
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import build
from bot.channels.telegram import TelegramTransport, build_application
from bot.delivery import Bucket
from bot.media import MediaStore
from bot.storage import Database, open_database
from bot.storage.outbox import Outgoing
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
    app: Application[Any, Any, Any, Any, Any, Any],
    api: OfflineRequest,
    pairs: int,
    members: int,
    first: int = 0,
) -> list[float]:
    """Seconds per pair (claim + approval); pairs numbered from ``first``."""
    times: list[float] = []
    ids = itertools.count(1 + 2 * first)
    for n in range(first, first + pairs):
        user, day = 2 + n % (members - 1), START + timedelta(days=n // (members - 1))
        began = time.perf_counter()
        await app.process_update(claim(app.bot, next(ids), user, day))
        await app.process_update(press(app.bot, next(ids), approve_button(api)))
        times.append(time.perf_counter() - began)
    return times


class Unlimited(TelegramTransport):
    """The Telegram transport without the published rate limits (the bench has no network to spare)."""

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()


@dataclass
class Counts:
    """Statements the database ran, and the transactions (BEGIN) among them."""

    statements: int = 0
    transactions: int = 0

    def seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        if statement.startswith("BEGIN"):
            self.transactions += 1


async def ours(pairs: int, members: int, folder: Path, counts: Counts) -> list[float]:
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await world(db, members)
    api = OfflineRequest()
    bot = build(
        db,
        ["telegram"],
        media=MediaStore(folder / "media"),
        instance="bench",
        today=lambda: date(2026, 12, 31),
    )
    app = build_application("1:BENCH", bot.deps, bot.media, request=api, updates_request=OfflineRequest())
    bot.add_transport(Unlimited(app.bot, bot.media))
    async with app:
        await run_pairs(app, api, 1, members)  # one pair to learn how many calls a pair makes
        per_pair = len(api.calls) - len(api.of("getMe"))
        api.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", counts.seen)
        try:
            times = await run_pairs(app, api, pairs, members, first=1)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", counts.seen)
    async with db.uow() as uow:
        approved = len(await uow.ledger.of_member(2))
        pending = (
            await uow.session.execute(text("SELECT count(*) FROM outbox WHERE state != 'sent'"))
        ).scalar_one()
    await db.close()
    assert approved > 0, "no approval reached the ledger"
    assert per_pair >= 3 and len(api.calls) == per_pair * pairs, "a reply did not reach the Bot API"
    assert pending == 0, f"{pending} outbox rows were not delivered"
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


async def floor(pairs: int, members: int, folder: Path) -> list[float]:
    """The bare handler plus one durable SQLite transaction per update, in plain sqlite3."""
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'floor.db'}")
    await world(db, members)
    await db.close()
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    api = OfflineRequest()

    def write(update: Update) -> int:
        """Returns the new claim's id (0 for an approval)."""
        user = update.effective_user.id if update.effective_user is not None else 0
        query = update.callback_query
        approve = int((query.data or "a:0").partition(":")[2]) if query is not None else None
        return floor_write(conn, "telegram", str(update.update_id), str(user), approve)

    async def handler(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update)
        claim = write(update)
        if update.callback_query is not None:
            await update.callback_query.answer("ok")
            await update.callback_query.edit_message_text("done")
        elif update.effective_chat is not None:
            button = InlineKeyboardButton("通过", callback_data=f"a:{claim}")
            await update.effective_chat.send_message("card", reply_markup=InlineKeyboardMarkup([[button]]))

    app = Application.builder().token("1:FLOOR").request(api).get_updates_request(OfflineRequest()).build()
    app.add_handler(TypeHandler(Update, handler))
    async with app:
        times = await run_pairs(app, api, pairs, members)
    approved = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
    conn.close()
    assert approved == pairs, "the floor run lost an approval"
    return times


def floor_write(
    conn: sqlite3.Connection, platform: str, update: str, account: str, approve: int | None
) -> int:
    """The least a durable claim (``approve`` None) or approval writes, in one plain sqlite3
    transaction: the processed mark, the member looked up, the claim inserted or decided with its
    ledger entry. The new claim's id (0 for an approval)."""
    stamp = "2026-12-31 00:00:00.000000"
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO processed_updates (platform, update_id, created_at) VALUES (?, ?, ?)",
        (platform, update, stamp),
    )
    member = conn.execute(
        "SELECT members.id, members.branch_id FROM members JOIN identities ON identities.member_id = members.id"
        " WHERE identities.platform = ? AND identities.external_id = ?",
        (platform, account),
    ).fetchone()
    claim = 0
    if approve is not None:
        conn.execute(
            "UPDATE claims SET status = 'approved', decided_by = ? WHERE id = ?", (member[0], approve)
        )
        conn.execute(
            "INSERT INTO ledger_entries (branch_id, member_id, item, points, lead, effective_date, created_at,"
            " actor_id, actor, reason, claim_id) SELECT branch_id, member_id, item, points, lead,"
            " effective_date, ?, ?, 'member', '', id FROM claims WHERE id = ?",
            (stamp, member[0], approve),
        )
    else:
        claim = (
            conn.execute(
                "INSERT INTO claims (branch_id, member_id, item, effective_date, points, lead, note, status,"
                " dedupe_key, created_at) VALUES (?, ?, 'V01', '2026-01-01', 1, 0, '', 'pending', ?, ?)",
                (member[1], member[0], f"floor:{update}", stamp),
            ).lastrowid
            or 0
        )
    conn.execute("COMMIT")
    return claim


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


# -- WeCom's long connection ----------------------------------------------------------------------

WECOM_GROUP = "wrBENCHgroup"


async def wecom_world(db: Database, members: int) -> None:
    from channels.wecom_fake import CORP

    from bot.channels.wecom import protocol as wp

    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "twelve-point")
        await uow.branches.bind_chat(branch.id, "wecom", wp.account(CORP, WECOM_GROUP))
        for n in range(1, members + 1):
            member = await uow.members.add(MemberRow(branch_id=branch.id, name=f"党员{n}"))
            await uow.members.link(member.id, "wecom", wp.account(CORP, f"u{n}"))
            if n == SECRETARY:
                await uow.members.grant(member.id, "secretary", branch_id=branch.id)
        await uow.commit()


def wecom_claim(n: int, user: int, day: date) -> dict[str, Any]:
    return {
        "msgid": f"m{n}", "aibotid": "bench", "chattype": "group", "chatid": WECOM_GROUP, "from": {"userid": f"u{user}"},
        "msgtype": "text", "text": {"content": f"@积分助手 申报 志愿服务 {day.isoformat()}"},
    }  # fmt: skip


def wecom_press(n: int, key: str, task: str) -> dict[str, Any]:
    event = {"eventtype": "template_card_event", "template_card_event": {"event_key": key, "task_id": task}}
    return {
        "msgid": f"e{n}", "aibotid": "bench", "chattype": "group", "chatid": WECOM_GROUP,
        "from": {"userid": f"u{SECRETARY}"}, "msgtype": "event", "event": event,
    }  # fmt: skip


def wecom_card(fake: Any) -> tuple[str, str]:
    """(通过 key, task id) of the card the bot sent last (a stale press when there was none)."""
    for frame in reversed(fake.accepted):
        card = (frame.get("body") or {}).get("template_card")
        if frame.get("cmd") == "aibot_send_msg" and card:
            return next((b["key"] for b in card["button_list"] if b["key"].startswith("a:")), "a:0"), card[
                "task_id"
            ]
    return "a:0", "t0"


async def wecom_pairs(
    fake: Any, channel: Any, connection: Any, pairs: int, members: int, first: int = 0
) -> list[float]:
    times: list[float] = []
    ids = itertools.count(1 + 2 * first)

    async def push(body: dict[str, Any], cmd: str) -> None:
        before = channel.received
        await fake.push(body, cmd)
        while channel.received <= before:
            await asyncio.sleep(0)
        await connection.settled()

    for n in range(first, first + pairs):
        user, day = 2 + n % (members - 1), START + timedelta(days=n // (members - 1))
        began = time.perf_counter()
        await push(wecom_claim(next(ids), user, day), "aibot_msg_callback")
        key, task = wecom_card(fake)
        await push(wecom_press(next(ids), key, task), "aibot_event_callback")
        times.append(time.perf_counter() - began)
    return times


class Received:
    """A bare callback handler's count of frames (what the bench waits on)."""

    def __init__(self) -> None:
        self.received = 0


async def wecom_run(
    folder: Path, pairs: int, members: int, handler: str, counts: Counts | None = None
) -> list[float]:
    """``handler``: "ours" (the whole bot), "bare" (send/update only) or "floor" (bare + sqlite3)."""
    from channels.wecom_fake import BOT_ID, CORP, SECRET, FakeWecom

    from bot.channels.wecom.connection import LongConnection
    from bot.channels.wecom.longconn import Downloader, LongConnectionChannel, LongConnectionTransport
    from bot.channels.wecom.transport import Presses

    fake = await FakeWecom().start()
    db = await open_database(f"sqlite+aiosqlite:///{folder / f'wecom-{handler}.db'}")
    await wecom_world(db, members)
    stop = asyncio.Event()
    channel: Any
    if handler == "ours":
        bot = build(
            db,
            ["wecom"],
            media=MediaStore(folder / "media"),
            instance="bench",
            today=lambda: date(2026, 12, 31),
        )
        presses = Presses()
        channel = LongConnectionChannel(bot.deps, CORP, Downloader(bot.media), presses)
        connection = LongConnection(BOT_ID, SECRET, channel.on_frame, url=fake.url)

        class Unbounded(LongConnectionTransport):
            def buckets(self, row: Outgoing) -> Sequence[Bucket]:
                return ()

        bot.add_transport(Unbounded(connection, CORP, bot.media, presses))
    else:
        await db.close()
        conn = sqlite3.connect(folder / f"wecom-{handler}.db", isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        channel = Received()
        tasks = itertools.count(1)

        def write(body: dict[str, Any]) -> int:
            event = body.get("event") or {}
            key = (event.get("template_card_event") or {}).get("event_key")
            approve = int(key.partition(":")[2]) if key else None
            return floor_write(conn, "wecom", body["msgid"], f"{CORP}/{body['from']['userid']}", approve)

        async def bare_frame(frame: dict[str, Any]) -> None:
            channel.received += 1
            body, rid = frame["body"], frame["headers"]["req_id"]
            claim = write(body) if handler == "floor" else 0
            if body["msgtype"] == "event":
                task = body["event"]["template_card_event"]["task_id"]
                card = {"card_type": "text_notice", "main_title": {"title": "done"}, "task_id": task}
                await connection.request(
                    "aibot_respond_update_msg",
                    {"response_type": "update_template_card", "template_card": card},
                    rid=rid,
                )
                await connection.request(
                    "aibot_send_msg",
                    {"chatid": body["chatid"], "msgtype": "markdown", "markdown": {"content": "ok"}},
                )
            else:
                card = {"card_type": "button_interaction", "main_title": {"title": "card"}, "task_id": f"t{next(tasks)}",
                        "button_list": [{"text": "通过", "key": f"a:{claim}"}]}  # fmt: skip
                await connection.request(
                    "aibot_send_msg",
                    {"chatid": body["chatid"], "msgtype": "template_card", "template_card": card},
                )

        connection = LongConnection(BOT_ID, SECRET, bare_frame, url=fake.url)
    running = asyncio.create_task(connection.run(stop, await connection.open()))
    try:
        if handler == "ours" and counts is not None:
            await wecom_pairs(fake, channel, connection, 1, members)  # warm-up pair
            per_pair = len(fake.accepted)
            fake.accepted.clear()
            event.listen(db.engine.sync_engine, "before_cursor_execute", counts.seen)
            try:
                times = await wecom_pairs(fake, channel, connection, pairs, members, first=1)
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", counts.seen)
            assert per_pair >= 3 and len(fake.accepted) == per_pair * pairs, "a reply did not reach WeCom"
        else:
            times = await wecom_pairs(fake, channel, connection, pairs, members)
    finally:
        stop.set()
        await running
        await fake.close()
    if handler == "ours":
        async with db.uow() as uow:
            approved = len(await uow.ledger.of_member(2))
            pending = (
                await uow.session.execute(text("SELECT count(*) FROM outbox WHERE state != 'sent'"))
            ).scalar_one()
        await db.close()
        assert approved > 0 and pending == 0, f"approvals {approved}, undelivered rows {pending}"
    elif handler == "floor":
        approved = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        conn.close()
        assert approved == pairs, "the floor run lost an approval"
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 pairs")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--channel", choices=["telegram", "wecom"], default="telegram")
    args = parser.parse_args()
    pairs = args.pairs or (300 if args.quick else 2_000)
    counts = Counts()
    with tempfile.TemporaryDirectory() as folder:
        if args.channel == "wecom":
            mine = await wecom_run(Path(folder), pairs, args.members, "ours", counts)
            least = await wecom_run(Path(folder), pairs, args.members, "floor")
            base = await wecom_run(Path(folder), pairs, args.members, "bare")
        else:
            mine = await ours(pairs, args.members, Path(folder), counts)
            least = await floor(pairs, args.members, Path(folder))
            base = await bare(pairs, args.members)
    print(f"channel={args.channel}")
    ours_rate, bare_rate, floor_rate = pairs / sum(mine), pairs / sum(base), pairs / sum(least)
    print(
        f"pairs={pairs} ours={ours_rate:.0f}/s bare={bare_rate:.0f}/s floor={floor_rate:.0f}/s "
        f"ours_p99={p99(mine) * 1000:.1f}ms"
    )
    print(
        f"floor (bare + one plain sqlite3 transaction per update)={floor_rate:.0f}/s "
        f"floor_ratio={floor_rate / bare_rate:.3f}"
    )
    print(
        f"per pair (ours): statements={counts.statements / pairs:.1f} transactions={counts.transactions / pairs:.1f}"
    )
    print(
        f"RESULT ratio={ours_rate / bare_rate:.3f} vs_floor={ours_rate / floor_rate:.3f} p99_ms={p99(mine) * 1000:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
