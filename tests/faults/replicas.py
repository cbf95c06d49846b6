"""Replicas of the bot behind a round-robin, on one PostgreSQL database: what the scale-out test
and ``bench/replicas.py`` are made of.

- ``BotApi``: a fake Telegram Bot API on loopback (plain asyncio HTTP/1.1, kept alive), answering
  as the offline one (``channels.offline``) does and recording every call with the replica that
  made it (each replica's ``base_url`` names it: ``/<replica>/bot<token>/<method>``).
- ``Replica``: a ``partybot telegram`` process in webhook mode (``replica_child.py``) on a port of
  its own, started and waited for (``/healthz``), stopped, or killed with SIGKILL.
- ``RoundRobin``: the load balancer in front of them: each webhook post goes to the next replica,
  with the real secret token header; a replica that does not answer is taken out and the post is
  made to the next one (Telegram would deliver it again, to whichever replica answers).
- ``Burst``: claims from the members in the group and, as soon as each card is posted, the
  secretary's press of its 通过, a number of them in flight at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from channels.offline import BOT_USER, DATE, OfflineRequest
from sqlalchemy import make_url, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import open_database
from bot.storage.chat import ChatQueries
from bot.storage.schema import ClaimRow, LedgerEntry, Meeting, MemberRow

CHILD = Path(__file__).with_name("replica_child.py")
TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
TOKEN = "4242:REPLICAS"
SECRET = "replica-secret"
GROUP, MEETINGS_GROUP, SECRETARY = -1001, -2002, 1
#: The members who claim (Telegram ids 1000, 1001, ...), and the days of November they claim for.
MEMBERS = 60
FIRST_DAY = date(2026, 11, 1)
DAYS = 30


# -- the fake Bot API ------------------------------------------------------------------------------


@dataclass
class ApiCall:
    replica: str
    method: str
    params: dict[str, Any]
    result: Any


def _param(key: str, value: str) -> Any:
    """PTB sends each parameter form-encoded, structured ones as JSON, numbers as digits."""
    if value[:1] in "{[":
        return json.loads(value)
    if key != "text" and value.lstrip("-").isdigit():
        return int(value)
    return value


class BotApi:
    """The Bot API on loopback: answers as ``OfflineRequest`` does, records every call in ``calls``."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._answers = OfflineRequest()  # its answers, and one count of message ids for every replica
        self._server: asyncio.Server | None = None
        self.port = 0
        #: The card posted for each claim, by the claim's message id: (card message id, 通过's data).
        self.cards: dict[int, tuple[int, str]] = {}
        self._card_posted = asyncio.Event()
        #: Replicas whose calls are not answered (nor recorded): as if Telegram stopped answering them.
        self.held: set[str] = set()

    async def start(self) -> BotApi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def base_url(self, replica: str) -> str:
        return f"http://127.0.0.1:{self.port}/{replica}/bot"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                length = next(
                    (int(h.split(":", 1)[1]) for h in lines[1:] if h.lower().startswith("content-length:")), 0
                )
                body = await reader.readexactly(length) if length else b""
                if path.strip("/").split("/", 1)[0] in self.held:
                    await reader.read()  # never answered: the call waits until its replica dies
                    return
                answer = json.dumps(self.answer(path, body)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(answer), answer)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def answer(self, path: str, body: bytes) -> dict[str, Any]:
        replica, _, method = path.strip("/").split("/", 2)
        method = method.rsplit("/", 1)[-1]
        params = {k: _param(k, v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}
        result = self._answers._result(method, params)
        self.calls.append(ApiCall(replica, method, params, result))
        quote = (params.get("reply_parameters") or {}).get("message_id")
        if method == "sendMessage" and params.get("chat_id") == GROUP and quote is not None:
            buttons = [b["callback_data"] for row in (params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]  # fmt: skip
            approve = next((b for b in buttons if b.startswith("a:")), None)
            if approve is not None:
                self.cards.setdefault(int(quote), (int(result["message_id"]), approve))
                self._card_posted.set()
        return {"ok": True, "result": result}

    async def card(self, claim_message: int, timeout: float) -> tuple[int, str]:
        """The card posted for the claim made in message ``claim_message``, once it is posted."""
        deadline = time.monotonic() + timeout
        while claim_message not in self.cards:
            self._card_posted.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no card was posted for the claim in message {claim_message}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._card_posted.wait(), min(left, 0.5))
        return self.cards[claim_message]

    def reset(self) -> None:
        """Forget the calls and the cards (a new database: its claims are numbered anew)."""
        self.calls.clear()
        self.cards.clear()
        self.held.clear()

    def delivered(self) -> list[ApiCall]:
        """The calls that deliver a message (``getMe`` and ``setWebhook`` aside)."""
        return [c for c in self.calls if c.method not in ("getMe", "setWebhook", "deleteWebhook")]


def fingerprint(call: ApiCall) -> str:
    """What makes a delivery the same message: the method and every parameter."""
    return call.method + json.dumps(call.params, sort_keys=True, ensure_ascii=False)


# -- the database -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def pg_database(url: str) -> AsyncIterator[str]:
    """A fresh database on the PostgreSQL server of ``url`` (each replica takes only a URL), dropped after."""
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def make_world(url: str, meetings: Sequence[datetime] = ()) -> None:
    """The branch on twelve-point bound to GROUP, its secretary (Telegram id 1) and MEMBERS members
    (1000, 1001, ...); a second branch bound to MEETINGS_GROUP with sign-ins closing at ``meetings``
    (each a run of the clock, ``meeting.close``, due then)."""
    db = await open_database(url)
    try:
        async with db.uow() as uow:
            branch = await uow.branches.add("第一党支部", "twelve-point")
            await uow.branches.bind_chat(branch.id, "telegram", str(GROUP))
            secretary = await uow.members.add(MemberRow(branch_id=branch.id, name="王书记"))
            await uow.members.link(secretary.id, "telegram", str(SECRETARY))
            await uow.members.grant(secretary.id, "secretary", branch_id=branch.id)
            for n in range(MEMBERS):
                member = await uow.members.add(MemberRow(branch_id=branch.id, name=f"党员{n:02d}"))
                await uow.members.link(member.id, "telegram", str(1000 + n))
            other = await uow.branches.add("第二党支部", "twelve-point")
            await uow.branches.bind_chat(other.id, "telegram", str(MEETINGS_GROUP))
            for n in range(3):
                await uow.members.add(MemberRow(branch_id=other.id, name=f"二支部党员{n}"))
            queries = ChatQueries(uow.session)
            for n, closes in enumerate(meetings):
                await queries.open_meeting(
                    Meeting(
                        branch_id=other.id, kind="theme_day", held_on=meeting_day(n), title="主题党日",
                        closes_at=closes, platform="telegram", chat_id=str(MEETINGS_GROUP),
                        created_at=closes - timedelta(minutes=30),
                    )
                )  # fmt: skip
            await uow.commit()
    finally:
        await db.close()


def meeting_day(n: int) -> date:
    """The day of sign-in number ``n`` (its sheet says so: one sheet per sign-in is told apart)."""
    return FIRST_DAY + timedelta(days=n)


async def ledger(url: str) -> list[tuple[str, str, float, date, str | None]]:
    """(member, item, points, date, the message of the claim) of every entry, sorted: what two runs
    of the same updates must agree on (ids may differ with the order of commits)."""
    db = await open_database(url, upgrade=False)
    try:
        async with db.uow(read_only=True) as uow:
            query = (
                select(
                    MemberRow.name,
                    LedgerEntry.item,
                    LedgerEntry.points,
                    LedgerEntry.effective_date,
                    ClaimRow.source_message,
                )
                .join(MemberRow, MemberRow.id == LedgerEntry.member_id)
                .outerjoin(ClaimRow, ClaimRow.id == LedgerEntry.claim_id)
            )
            return sorted((await uow.session.execute(query)).tuples().all(), key=repr)
    finally:
        await db.close()


# -- the replicas -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(
        cls,
        name: str,
        url: str,
        api: BotApi,
        folder: Path,
        *,
        lease: float = 60.0,
        profile: Path | None = None,
    ) -> Replica:
        port = free_port()
        config = folder / f"{name}.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n'
            f'[telegram]\ntoken = "{TOKEN}"\nmode = "webhook"\n'
            f'webhook_url = "http://127.0.0.1:{port}/telegram"\nsecret_token = "{SECRET}"\n'
            f'base_url = "{api.base_url(name)}"\n'
            f'[server]\nhost = "127.0.0.1"\nport = {port}\ninstance = "{name}"\n'
            f'[media]\ndir = "{folder / "media"}"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)]),
            "REPLICA_LEASE": str(lease),
            **({"REPLICA_PROFILE": str(profile)} if profile else {}),
        }
        env = {k: v for k, v in env.items() if not k.startswith("PARTYBOT_")}
        log = folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, str(CHILD), str(config)], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        return cls(name, port, process, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the replica answers ``/healthz`` with 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"replica {self.name} exited: {self.log.read_text(errors='replace')[-3000:]}"
                )
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                status, _ = await request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            await asyncio.sleep(0.2)
        raise TimeoutError(
            f"replica {self.name} did not answer: {self.log.read_text(errors='replace')[-3000:]}"
        )

    async def metrics(self) -> str:
        status, body = await request(self.port, "GET", "/metrics")
        assert status == 200, body
        return body.decode()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait for the exit status (killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return int(self.process.returncode)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a connection of its own."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _exchange(reader, writer, method, path, body, headers or {}, close=True)
    finally:
        writer.close()


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    *,
    close: bool = False,
) -> tuple[int, bytes]:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    connection = "close" if close else "keep-alive"
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: application/json\r\nConnection: {connection}\r\n{extra}\r\n".encode()
        + body
    )
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    length = next(
        (int(h.split(":", 1)[1]) for h in head[1:] if h.lower().startswith("content-length:")), None
    )
    if length is None:  # chunked or until close (uvicorn: only for streaming bodies)
        return status, await reader.read()
    return status, await reader.readexactly(length)


# -- the load balancer ------------------------------------------------------------------------------


@dataclass
class RoundRobin:
    """Posts each update to the next live replica (kept-alive connections, one per post in flight)."""

    replicas: list[Replica]
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = field(default_factory=dict)
    down: set[int] = field(default_factory=set)
    #: Posts a replica did not answer, made again to the next one.
    retried: int = 0

    async def post(self, update: dict[str, Any]) -> str:
        """Deliver the update as Telegram does (again, to another replica, until one answers 200);
        the name of the replica that answered."""
        body = json.dumps(update).encode()
        for _attempt in range(20):
            live = [r for r in self.replicas if r.port not in self.down]
            if not live:
                raise RuntimeError("no replica answers")
            replica = live[next(self._turn) % len(live)]
            try:
                status = await self._post(replica.port, body)
            except (OSError, asyncio.IncompleteReadError):
                self.down.add(replica.port)  # the balancer's health check would say so too
                self.retried += 1
                continue
            if status == 200:
                return replica.name
            await asyncio.sleep(0.1)
        raise RuntimeError(f"update {update['update_id']} was refused by every replica")

    async def _post(self, port: int, body: bytes) -> int:
        """One post, on a kept-alive connection if there is one (one the replica closed meanwhile,
        idle too long, is replaced by a new one: only a new connection failing means it is down)."""
        idle = self._idle.setdefault(port, [])
        while True:
            kept = bool(idle)
            reader, writer = idle.pop() if kept else await asyncio.open_connection("127.0.0.1", port)
            try:
                status, _ = await _exchange(
                    reader, writer, "POST", "/telegram", body, {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            except (OSError, asyncio.IncompleteReadError):
                writer.close()
                if kept:
                    continue
                raise
            except BaseException:
                writer.close()
                raise
            idle.append((reader, writer))
            return status

    def close(self) -> None:
        for idle in self._idle.values():
            for _, writer in idle:
                writer.close()
        self._idle.clear()


# -- the updates ------------------------------------------------------------------------------------


def claim_update(k: int) -> dict[str, Any]:
    """Claim number ``k``: a member (1000 + k mod MEMBERS) in the group, for a day of November."""
    user, day = 1000 + k % MEMBERS, FIRST_DAY + timedelta(days=(k // MEMBERS) % DAYS)
    message = {
        "message_id": claim_message(k), "date": DATE, "text": f"申报 志愿服务 {day.month}月{day.day}日",
        "chat": {"id": GROUP, "type": "supergroup", "title": "第一党支部群"},
        "from": {"id": user, "is_bot": False, "first_name": f"党员{k % MEMBERS:02d}"},
    }  # fmt: skip
    return {"update_id": 100_000 + 2 * k, "message": message}


def claim_message(k: int) -> int:
    return 10 + k


def press_update(k: int, card: int, data: str) -> dict[str, Any]:
    """The secretary's press of 通过 on the card of claim ``k`` (message ``card``)."""
    shown = {
        "message_id": card, "date": DATE, "chat": {"id": GROUP, "type": "supergroup"}, "from": BOT_USER,
        "text": "📝",
    }  # fmt: skip
    query = {
        "id": f"q-{k}", "chat_instance": "ci", "data": data, "message": shown,
        "from": {"id": SECRETARY, "is_bot": False, "first_name": "王书记"},
    }  # fmt: skip
    return {"update_id": 100_001 + 2 * k, "callback_query": query}


@dataclass
class Burst:
    """Claims ``first .. first + pairs`` and their approvals, ``in_flight`` pairs at a time."""

    balancer: RoundRobin
    api: BotApi
    first: int
    pairs: int
    in_flight: int = 16
    #: Which replica answered each update, by update id.
    answered: dict[int, str] = field(default_factory=dict)
    done: int = 0

    async def run(self, card_timeout: float = 90.0) -> None:
        ks = iter(range(self.first, self.first + self.pairs))

        async def worker() -> None:
            for k in ks:
                claim = claim_update(k)
                self.answered[claim["update_id"]] = await self.balancer.post(claim)
                card, data = await self.api.card(claim_message(k), card_timeout)
                press = press_update(k, card, data)
                self.answered[press["update_id"]] = await self.balancer.post(press)
                self.done += 1

        await asyncio.gather(*(worker() for _ in range(self.in_flight)))


def meeting_times(now: datetime, missed: int, later: Sequence[float]) -> list[datetime]:
    """Sign-ins that closed while no replica ran (``missed``, caught up at start) and that close
    ``later`` seconds from now (during the burst)."""
    return [now - timedelta(minutes=5 + n) for n in range(missed)] + [
        now + timedelta(seconds=s) for s in later
    ]


def utc_now() -> datetime:
    return datetime.now(UTC)
