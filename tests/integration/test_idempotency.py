"""Job runs, processed updates and evaluation ballots: each happens once."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from bot.storage import Database
from bot.storage.schema import EvaluationRow
from integration.world import World


async def test_a_job_period_is_claimed_once_even_concurrently(db: Database) -> None:
    async def claim() -> bool:
        async with db.uow() as uow:
            won = await uow.jobs.claim("publicity", "branch-17", "2026-11")
            await uow.commit()
            return won

    results = await asyncio.gather(*(claim() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with db.uow() as uow:
        assert await uow.jobs.claim("publicity", "branch-17", "2026-12")


async def test_a_platform_update_is_processed_once(db: Database) -> None:
    async with db.uow() as uow:
        first = await uow.updates.first_time("telegram", "1001")
        again = await uow.updates.first_time("telegram", "1001")
        other = await uow.updates.first_time("wecom", "1001")
        await uow.commit()
    assert (first, again, other) == (True, False, True)


async def test_ballots_stop_double_voting_and_keep_no_voter_score_link(world: World) -> None:
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    async with world.db.uow() as uow:
        evaluation = EvaluationRow(branch_id=world.branch_id, year=2026, title="2026 民主测评")
        uow.session.add(evaluation)
        await uow.session.flush()
        assert await uow.evaluations.cast(
            evaluation.id, "wecom:u1", {(alice, "political"): 9, (bob, "political"): 7}
        )
        assert await uow.evaluations.cast(evaluation.id, "wecom:u2", {(alice, "political"): 8})
        assert not await uow.evaluations.cast(evaluation.id, "wecom:u1", {(alice, "political"): 1})
        await uow.commit()
        results = await uow.evaluations.results(evaluation.id)
    assert sorted((r.member_id, r.total, r.count) for r in results) == [(alice, 17, 2), (bob, 7, 1)]
    async with world.db.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("evaluation_results")}
        )
    assert "voter" not in columns
