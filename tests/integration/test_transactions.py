"""A unit of work is one transaction on both databases: what it did before a rollback is gone,
including rows written inside a savepoint (the 'insert once' claims)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.storage import Database
from bot.storage.schema import JobRun


async def _job_runs(db: Database) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(JobRun)) or 0)


async def test_a_claim_made_in_a_savepoint_is_rolled_back_with_its_transaction(db: Database) -> None:
    async with db.uow() as uow:
        assert await uow.jobs.claim("publicity", "branch:1", "2026-11")
        await uow.rollback()
    assert await _job_runs(db) == 0


async def test_a_unit_of_work_left_without_commit_keeps_nothing(db: Database) -> None:
    async with db.uow() as uow:
        assert await uow.jobs.claim("publicity", "branch:1", "2026-11")
        assert not await uow.jobs.claim("publicity", "branch:1", "2026-11")  # the transaction goes on
    assert await _job_runs(db) == 0


async def test_a_committed_claim_holds_across_units_of_work(db: Database) -> None:
    async with db.uow() as uow:
        assert await uow.jobs.claim("publicity", "branch:1", "2026-11")
        await uow.commit()
    async with db.uow() as uow:
        assert not await uow.jobs.claim("publicity", "branch:1", "2026-11")
    assert await _job_runs(db) == 1
