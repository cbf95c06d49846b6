"""Two replicas of the bot (``partybot telegram`` in webhook mode, real processes) on one PostgreSQL
database, behind a round-robin on loopback, the Bot API a fake on loopback (``replicas.py``).

A burst of claims from 60 members in the group and the secretary's approvals (each pressed as soon
as its card is posted, 16 pairs in flight, each post to the next replica): none lost, none handled
twice, no message delivered twice, every sign-in due (missed while no replica ran, or closing during
the burst) closed once, and the ledger the same as a single replica's for the same updates. Then a
second burst, during which one replica is killed with SIGKILL: the other carries on, the posts the
killed one did not answer are made to the other, and the rows it left unsent are sent once by the
other when their lease has run out; the ledger is again the single replica's."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.storage import open_database
from bot.storage.chat import CLOSE_JOB
from bot.storage.schema import ClaimRow, JobRun, LedgerEntry, OutboxRow, ProcessedUpdate
from faults.replicas import (
    MEETINGS_GROUP,
    BotApi,
    Burst,
    Replica,
    RoundRobin,
    claim_message,
    fingerprint,
    ledger,
    make_world,
    meeting_day,
    meeting_times,
    pg_database,
    utc_now,
)

PG_URL = os.environ.get("PARTYBOT_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PARTYBOT_TEST_PG_URL)")

#: The first burst: 1,000 claims and their 1,000 approvals (2,000 updates).
PAIRS = int(os.environ.get("SCALE_PAIRS", "1000"))
#: The second burst, with a replica killed half-way: 200 claims and approvals more.
KILL_PAIRS = int(os.environ.get("SCALE_KILL_PAIRS", "200"))
#: The outbox lease in the replicas (a minute in production).
LEASE = 3.0
IN_FLIGHT = 16


async def facts(url: str) -> dict[str, Any]:
    db = await open_database(url, upgrade=False)
    try:
        async with db.uow(read_only=True) as uow:
            s = uow.session
            return {
                "updates": (await s.execute(select(func.count()).select_from(ProcessedUpdate))).scalar_one(),
                "claims": Counter((await s.scalars(select(ClaimRow.status))).all()),
                "entries": (await s.execute(select(func.count()).select_from(LedgerEntry))).scalar_one(),
                "outbox": Counter((await s.scalars(select(OutboxRow.state))).all()),
                "runs": [
                    (j, sc, p, st, a)
                    for j, sc, p, st, a in (
                        await s.execute(select(JobRun.job, JobRun.scope, JobRun.period, JobRun.state, JobRun.attempts))
                    ).tuples()
                ],
            }  # fmt: skip
    finally:
        await db.close()


async def pending_of(url: str, owner: str) -> list[int]:
    db = await open_database(url, upgrade=False)
    try:
        async with db.uow(read_only=True) as uow:
            query = select(OutboxRow.id).where(OutboxRow.state == "pending", OutboxRow.owner == owner)
            return list((await uow.session.scalars(query)).all())
    finally:
        await db.close()


async def owners(url: str, ids: list[int]) -> set[str]:
    """Who sent the rows (the owner of a row is the process that sent it, or is sending it)."""
    db = await open_database(url, upgrade=False)
    try:
        async with db.uow(read_only=True) as uow:
            query = select(OutboxRow.owner).where(OutboxRow.id.in_(ids), OutboxRow.state == "sent")
            return set((await uow.session.scalars(query)).all())
    finally:
        await db.close()


async def drained(url: str, timeout: float = 60.0) -> None:
    """Wait until no outbox row is pending (the replicas' background passes send the rest)."""
    for _ in range(int(timeout / 0.25)):
        if "pending" not in (await facts(url))["outbox"]:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"outbox rows still pending: {(await facts(url))['outbox']}")


def runs_done(exposition: str, job: str) -> float:
    return sum(
        s.value
        for f in text_string_to_metric_families(exposition)
        for s in f.samples
        if s.name == "partybot_scheduled_runs_total" and s.labels == {"job": job, "state": "done"}
    )


async def single(api: BotApi, folder: Path) -> list[tuple[object, ...]]:
    """The reference: one replica, both bursts' updates."""
    assert PG_URL is not None
    async with pg_database(PG_URL) as url:
        await make_world(url)
        solo = Replica.start("solo", url, api, folder, lease=LEASE)
        try:
            await solo.ready()
            balancer = RoundRobin([solo])
            await Burst(balancer, api, 0, PAIRS + KILL_PAIRS, IN_FLIGHT).run()
            balancer.close()
            await drained(url)
            return list(await ledger(url))
        finally:
            assert solo.stop() == 0, solo.log.read_text(errors="replace")[-3000:]


async def test_two_replicas_lose_nothing_repeat_nothing_and_survive_a_sigkill(tmp_path: Path) -> None:
    assert PG_URL is not None
    api = await BotApi().start()
    try:
        began = time.monotonic()
        reference = await single(api, tmp_path)
        timings = {"single": time.monotonic() - began}
        assert len(reference) == PAIRS + KILL_PAIRS  # every claim approved once
        api.reset()
        async with pg_database(PG_URL) as url:
            now = utc_now()
            meetings = meeting_times(now, missed=6, later=[4, 6, 8, 10, 12, 14])
            await make_world(url, meetings)
            one, two = (Replica.start(n, url, api, tmp_path, lease=LEASE) for n in ("one", "two"))
            balancer = RoundRobin([one, two])
            try:
                await asyncio.gather(one.ready(), two.ready())

                # -- the first burst, both replicas up ------------------------------------------
                began = time.monotonic()
                burst = Burst(balancer, api, 0, PAIRS, IN_FLIGHT)
                await burst.run()
                timings["two"] = time.monotonic() - began
                await drained(url)
                while utc_now() < meetings[-1] + timedelta(seconds=2):
                    await asyncio.sleep(0.5)  # the last sign-in closes (the clocks tick every second)
                await drained(url)
                first = await facts(url)
                assert first["updates"] == 2 * PAIRS
                assert first["claims"] == {"approved": PAIRS}
                assert first["entries"] == PAIRS and first["outbox"].keys() == {"sent"}
                served = Counter(burst.answered.values())
                assert set(served) == {"one", "two"} and min(served.values()) > PAIRS // 2
                assert await ledger(url) == [e for e in reference if int(str(e[4])) < claim_message(PAIRS)]
                delivered = Counter(map(fingerprint, api.delivered()))
                assert [f for f, n in delivered.items() if n > 1] == []  # every message delivered once
                # every sign-in closed once: one run each, one sheet each in the group
                closes = sorted(r for r in first["runs"] if r[0] == CLOSE_JOB)
                assert [(r[3], r[4]) for r in closes] == [("done", 1)] * len(meetings)
                assert all(state == "done" for _, _, _, state, _ in first["runs"])
                days = [f"({meeting_day(n).isoformat()})" for n in range(len(meetings))]
                sheets = Counter(
                    day
                    for c in api.delivered()
                    if c.params.get("chat_id") == MEETINGS_GROUP
                    for day in days
                    if day in str(c.params.get("text"))
                )
                assert sheets == dict.fromkeys(days, 1)
                closed = runs_done(await one.metrics(), CLOSE_JOB) + runs_done(await two.metrics(), CLOSE_JOB)
                assert closed == len(meetings)

                # -- the second burst: "one" is killed half-way ----------------------------------
                began, before = time.monotonic(), len(api.calls)
                second = Burst(balancer, api, PAIRS, KILL_PAIRS, IN_FLIGHT)
                running = asyncio.create_task(second.run())
                while second.done < KILL_PAIRS // 2:
                    await asyncio.sleep(0.01)
                api.held.add("one")  # Telegram stops answering "one": its rows commit and wait
                while len(await pending_of(url, "one")) < 3:
                    await asyncio.sleep(0.05)
                one.kill()
                left = await pending_of(url, "one")  # written by "one", never delivered
                await running
                await drained(url, timeout=LEASE * 10 + 30)
                after = await facts(url)
                assert after["updates"] == 2 * (PAIRS + KILL_PAIRS)
                assert after["claims"] == {"approved": PAIRS + KILL_PAIRS}
                assert after["outbox"].keys() == {"sent"}
                assert await ledger(url) == reference
                assert balancer.down == {one.port} and balancer.retried > 0
                # "two" sent what "one" left, and never a message twice; a message twice at all only
                # when "one" delivered it and was killed before recording it (at least once: a row
                # of a batch whose next row was held, the batch being recorded as one)
                by = {
                    r: Counter(fingerprint(c) for c in api.delivered() if c.replica == r)
                    for r in ("one", "two")
                }
                assert max(by["two"].values()) == 1 and max(by["one"].values()) == 1
                again = set(by["one"]) & set(by["two"])
                kill_phase = {fingerprint(c) for c in api.calls[before:] if c.replica == "one"}
                assert again <= kill_phase and len(again) <= IN_FLIGHT * 4
                assert len(left) >= 3 and await owners(url, left) == {"two"}
                assert {c.replica for c in api.calls[before:]} == {"one", "two"}
                timings["kill"] = time.monotonic() - began
                print(
                    f"left by the killed replica: {len(left)} rows, sent again {len(again)}; seconds: {timings}"
                )
            finally:
                balancer.close()
                for replica in (one, two):
                    replica.stop()
    finally:
        await api.close()
