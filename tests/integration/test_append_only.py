"""The ledger is append-only: the ORM refuses, the database refuses, and the code never tries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.services.claims import SubmitClaim
from bot.storage import AppendOnlyError
from bot.storage.schema import LedgerEntry
from bot.storage.timeutil import show
from integration.world import DAY, World


async def approved_entry(world: World) -> int:
    cmd = SubmitClaim(world.branch_id, world.alice.member_id or 0, "key_work", DAY)
    decision = await world.claims.approve((await world.claims.submit(cmd)).claim_id, world.secretary)
    assert decision.entry_id is not None
    return decision.entry_id


async def test_orm_refuses_changing_or_deleting_an_entry(world: World) -> None:
    entry_id = await approved_entry(world)
    async with world.db.uow() as uow:
        entry = await uow.ledger.get(entry_id)
        assert entry is not None
        entry.points = 3
        with pytest.raises(AppendOnlyError):
            await uow.session.flush()
    async with world.db.uow() as uow:
        with pytest.raises(AppendOnlyError):
            await uow.session.delete(await uow.ledger.get(entry_id))
            await uow.session.flush()
    async with world.db.uow() as uow:
        with pytest.raises(AppendOnlyError):
            await uow.session.execute(update(LedgerEntry).values(points=0))
        with pytest.raises(AppendOnlyError):
            await uow.session.execute(delete(LedgerEntry))


@pytest.mark.parametrize(
    "sql", ["UPDATE ledger_entries SET points = 99", "DELETE FROM ledger_entries"], ids=["update", "delete"]
)
async def test_database_refuses_raw_update_and_delete(world: World, sql: str) -> None:
    entry_id = await approved_entry(world)
    async with world.db.engine.connect() as conn:
        with pytest.raises((IntegrityError, DBAPIError)) as refused:
            await conn.exec_driver_sql(sql)
        assert "append-only" in str(refused.value)
    async with world.db.uow() as uow:
        entry = await uow.ledger.get(entry_id)
        assert entry is not None and entry.points == 1


async def test_full_flow_issues_no_update_or_delete_on_the_ledger(world: World) -> None:
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(world.db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        entry_id = await approved_entry(world)
        await world.ledger.reverse(entry_id, world.secretary, "误批")
    finally:
        event.remove(world.db.engine.sync_engine, "before_cursor_execute", capture)
    assert any(s.startswith("insert into ledger_entries") for s in statements)
    assert any(s.startswith("update claims") for s in statements)
    touching = [
        s for s in statements if s.startswith(("update ledger_entries", "delete from ledger_entries"))
    ]
    assert touching == []


async def test_timestamps_are_utc_and_shown_in_shanghai(world: World) -> None:
    entry_id = await approved_entry(world)
    async with world.db.uow() as uow:
        entry = await uow.ledger.get(entry_id)
        assert entry is not None
    assert entry.created_at.tzinfo is not None and entry.created_at.utcoffset() == UTC.utcoffset(None)
    assert show(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == "2026-03-02 00:30"


async def test_sqlite_pragmas(world: World) -> None:
    if world.db.dialect != "sqlite":
        pytest.skip("SQLite only")
    async with world.db.engine.connect() as conn:
        values = [
            (await conn.execute(text(f"PRAGMA {p}"))).scalar() for p in ("journal_mode", "foreign_keys")
        ]
    assert values == ["wal", 1]
