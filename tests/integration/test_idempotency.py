"""Job runs, processed updates and evaluation ballots: each happens once."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from handlers.chatworld import ALICE, BOB, RECORDER, SECRETARY
from sqlalchemy import inspect, select

from bot.services.errors import Duplicate
from bot.storage import Database
from bot.storage.schema import EvaluationResult, EvaluationRow
from integration.test_evaluation_anonymity import OPERATOR, evaluation_world


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


async def test_ballots_stop_double_voting_and_keep_no_voter_score_link(db: Database) -> None:
    """Ballots cast through the chat's ballot path (``EvaluationService``): each voter once, the
    scores folded into sums and counts, and no column of the results that could name a voter."""
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    opened = await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    for account, scores in ((ALICE, [9, 8]), (BOB, [7, 6])):
        ballot = await service.ballot("telegram", account)
        for _ratee in ballot.ratees:
            ballot = await service.rate_all("telegram", account, scores)
        assert await service.submit("telegram", account, None, date(2026, 3, 11)) == 3
    with pytest.raises(Duplicate):  # a second ballot of the same voter records nothing
        await service.submit("telegram", ALICE, None, date(2026, 3, 12))
    with pytest.raises(Duplicate):
        await service.ballot("telegram", ALICE)
    names = {world.ids[a]: a for a in (SECRETARY, RECORDER, ALICE, BOB)}
    async with db.uow() as uow:
        query = select(EvaluationResult).where(EvaluationResult.evaluation_id == opened.evaluation_id)
        results = (await uow.session.scalars(query)).all()
        evaluation = await uow.session.get(EvaluationRow, opened.evaluation_id)
        assert evaluation is not None
    sums = sorted((names[r.member_id], r.item, r.total, r.count) for r in results)
    first, second = evaluation.items  # the scores typed at once are the items in this order
    assert sums == sorted([
        (SECRETARY, first, 16, 2), (SECRETARY, second, 14, 2), (RECORDER, first, 16, 2), (RECORDER, second, 14, 2),
        (ALICE, first, 7, 1), (ALICE, second, 6, 1), (BOB, first, 9, 1), (BOB, second, 8, 1),
    ])  # fmt: skip
    async with db.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("evaluation_results")}
        )
    assert "voter" not in columns
