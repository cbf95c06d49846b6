"""``/healthz`` and ``/metrics`` on both databases: 200 when the database answers, its migrations are
current and no outbox row is stuck, 503 naming the failing part otherwise; the counters of updates,
latency, send failures and scheduled runs, and the outbox and the claims as the database has them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from handlers.chatworld import db_folder
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, text

from bot import metrics
from bot.app import App, build
from bot.delivery import Bucket, Retry
from bot.handlers.router import handle
from bot.handlers.types import Incoming
from bot.media import MediaStore
from bot.services.claims import SubmitClaim
from bot.services.common import Context
from bot.storage import Database, open_database
from bot.storage.outbox import Outgoing
from bot.storage.schema import OutboxRow
from bot.storage.timeutil import utcnow
from integration.world import DAY, World, schemes


class Flaky:
    """A platform whose every delivery fails for now with ``reason`` (the row is retried later)."""

    platform = "fake"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        raise Retry(self.reason)


def app_of(db: Database, platform: str = "console", instance: str = "one") -> App:
    return build(
        db,
        [platform],
        context=Context(db.uow, schemes),
        media=MediaStore(db_folder(db) / "media"),
        instance=instance,
        today=lambda: date(2026, 3, 10),
    )


async def get(app: App, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app.http())
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        return await http.get(path)


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def pending_row(db: Database, key: str, due_minutes_ago: float, platform: str = "telegram") -> None:
    now = utcnow()
    async with db.uow() as uow:
        values: dict[str, Any] = {
            "key": key, "platform": platform, "chat": "-1001", "kind": "send", "payload": {"text": "x"},
            "state": "pending", "attempts": 0, "next_at": now - timedelta(minutes=due_minutes_ago),
            "owner": "gone", "lease_until": now, "created_at": now - timedelta(minutes=due_minutes_ago),
        }  # fmt: skip
        await uow.session.execute(insert(OutboxRow), [values])
        await uow.commit()


async def test_a_healthy_bot_answers_200_with_every_part_ok(db: Database) -> None:
    response = await get(app_of(db), "/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "migrations": "ok",
        "outbox": "ok",
        "pending": {},
        "failing": [],
    }


async def test_rows_waiting_a_little_or_for_a_retry_are_not_stuck(db: Database) -> None:
    await pending_row(db, "a", due_minutes_ago=1)
    await pending_row(db, "b", due_minutes_ago=-30)  # a retry due in half an hour
    response = await get(app_of(db), "/healthz")
    assert response.status_code == 200
    assert response.json()["pending"] == {"telegram": 2}


async def test_a_row_due_long_ago_and_unsent_is_a_stuck_outbox(db: Database) -> None:
    await pending_row(db, "a", due_minutes_ago=12)
    response = await get(app_of(db), "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["outbox"] and body["database"] == "ok" and body["migrations"] == "ok"
    assert "telegram 有 1 条消息待发" in body["outbox"] and "已等了 12 分钟" in body["outbox"]


async def test_a_database_behind_the_migrations_is_503_and_says_to_upgrade(db: Database) -> None:
    async with db.uow() as uow:
        await uow.session.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        await uow.commit()
    response = await get(app_of(db), "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert "当前 0007" in body["migrations"] and "partybot db upgrade" in body["migrations"]


async def test_an_unreachable_database_is_503_and_metrics_still_answer() -> None:
    db = await open_database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere", upgrade=False)
    try:
        app = app_of(db)
        response = await get(app, "/healthz")
        scraped = await get(app, "/metrics")
    finally:
        await db.close()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database", "migrations", "outbox"]
    assert body["database"].startswith("数据库无法连接") and "[database] url" in body["database"]
    assert body["outbox"] == "未检查 (数据库无法连接)"
    assert scraped.status_code == 200 and "partybot_updates_total" in scraped.text
    assert "partybot_outbox_depth" not in families(scraped.text)  # nothing made up


def families(exposition: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each metric family's samples as (labels, value), the exposition parsed as Prometheus would."""
    return {
        f.name: [(dict(s.labels), s.value) for s in f.samples]
        for f in text_string_to_metric_families(exposition)
        if f.samples
    }


async def test_metrics_show_the_outbox_and_the_claims_as_the_database_has_them(world: World) -> None:
    for day in (DAY, DAY - timedelta(days=1)):
        await world.claims.submit(
            SubmitClaim(world.branch_id, world.alice.member_id or 0, "volunteer", day - timedelta(days=31))
        )
    await pending_row(world.db, "a", due_minutes_ago=2)
    response = await get(app_of(world.db), "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = families(response.text)
    assert found["partybot_claims"] == [({"state": "pending"}, 2.0)]
    assert found["partybot_outbox_depth"] == [({"platform": "telegram"}, 1.0)]
    [(labels, waited)] = found["partybot_outbox_oldest_due_seconds"]
    assert labels == {"platform": "telegram"} and 115 < waited < 200
    assert "process_cpu_seconds" in found


async def test_updates_are_counted_by_channel_and_outcome_and_timed(world: World) -> None:
    app = app_of(world.db)
    alice = str(world.alice.member_id)
    before = {o: sample("partybot_updates_total", channel="console", outcome=o) for o in OUTCOMES}
    timed = sample("partybot_handler_seconds_count", channel="console")
    help_ = Incoming("console", alice, alice, True, text="帮助", update="h-1")
    await handle(help_, app.deps)
    await handle(help_, app.deps)  # the same update again
    await handle(Incoming("console", alice, alice, True, text="通过 999", update="h-2"), app.deps)
    after = {o: sample("partybot_updates_total", channel="console", outcome=o) for o in OUTCOMES}
    assert {o: after[o] - before[o] for o in OUTCOMES} == {
        "handled": 1,
        "duplicate": 1,
        "refused": 1,
        "failed": 0,
    }
    assert sample("partybot_handler_seconds_count", channel="console") - timed == 3


OUTCOMES = ("handled", "duplicate", "refused", "failed")


async def test_send_failures_are_counted_by_platform_and_code(world: World) -> None:
    app = app_of(world.db, "fake")
    sender = app.add_transport(Flaky("429 Too Many Requests"))
    before = sample("partybot_send_failures_total", platform="fake", code="429")
    row = Outgoing(1, "k", "fake", "c", "send", {"text": "x"}, None, None)
    assert (await sender._one(row)).state == "retry"
    assert sample("partybot_send_failures_total", platform="fake", code="429") - before == 1


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("429 Too Many Requests", "429"),
        ("403 Forbidden: bot was blocked by the user", "403"),
        ("HTTP 502 from response_url", "502"),
        ("errcode=45009 errmsg=api freq out of limit", "45009"),
        ("network: Timed out", "network"),
        ("ConnectionResetError: peer reset", "ConnectionResetError"),
        ("the card event was answered already", "other"),
    ],
)
def test_the_code_of_a_failure_is_its_status_errcode_or_kind(reason: str, code: str) -> None:
    assert metrics.code_of(reason) == code


async def test_scheduled_runs_are_counted_by_job_and_state(db: Database) -> None:
    done = sample("partybot_scheduled_runs_total", job="prune_chat_state", state="done")
    skipped = sample("partybot_scheduled_runs_total", job="prune_chat_state", state="skipped")
    await app_of(db, instance="one").clock.tick()
    await app_of(db, instance="two").clock.tick()  # another replica: the day's run is taken
    assert sample("partybot_scheduled_runs_total", job="prune_chat_state", state="done") - done == 1
    assert sample("partybot_scheduled_runs_total", job="prune_chat_state", state="skipped") - skipped == 1
