"""The SQL of what a branch records from sheets and by hand: monthly ratings, the results of a
democratic evaluation held on paper, stars given directly to exempt members. The imports themselves (one per file content, ``imports``) are
``recorded.RecordedQueries``', shared with the other sheets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.evaluation import MEMBERS
from bot.storage.schema import DirectGrade, EvaluationResult, EvaluationRow, MonthlyRating


class SheetQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ratings_of(
        self, member_ids: Iterable[int], year: int, month: int
    ) -> dict[tuple[int, str], MonthlyRating]:
        """The ratings already recorded for these members in a month, by (member, item)."""
        query = select(MonthlyRating).where(
            MonthlyRating.member_id.in_(sorted(set(member_ids))),
            MonthlyRating.year == year,
            MonthlyRating.month == month,
        )
        return {(r.member_id, r.item): r for r in (await self.session.scalars(query)).all()}

    async def add_all(self, rows: Sequence[object]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def evaluation_results_of(
        self, branch_id: int, year: int, member_ids: Iterable[int]
    ) -> dict[tuple[int, str], tuple[EvaluationResult, EvaluationRow]]:
        """The evaluation results already recorded for these members in the year, by (member, item)."""
        query = (
            select(EvaluationResult, EvaluationRow)
            .join(EvaluationRow, EvaluationRow.id == EvaluationResult.evaluation_id)
            .where(
                EvaluationRow.branch_id == branch_id,
                EvaluationRow.year == year,
                EvaluationRow.incomplete.is_(False),  # one closed 数据不全 gives way to paper ballots
                EvaluationRow.subject == MEMBERS,  # not a 述职评议 of the secretary's report
                EvaluationResult.member_id.in_(sorted(set(member_ids))),
            )
        )
        return {(r.member_id, r.item): (r, e) for r, e in (await self.session.execute(query)).tuples()}

    async def add_evaluation(
        self, evaluation: EvaluationRow, results: Sequence[EvaluationResult]
    ) -> EvaluationRow:
        self.session.add(evaluation)
        await self.session.flush()
        for result in results:
            result.evaluation_id = evaluation.id
        await self.add_all(results)
        return evaluation

    async def grade_in_force(self, member_id: int, year: int) -> DirectGrade | None:
        """The member's direct grade for the year that no later one supersedes."""
        superseded = select(DirectGrade.supersedes_id).where(DirectGrade.supersedes_id.is_not(None))
        query = (
            select(DirectGrade)
            .where(
                DirectGrade.member_id == member_id,
                DirectGrade.year == year,
                DirectGrade.id.not_in(superseded),
            )
            .order_by(DirectGrade.id.desc())
        )
        return (await self.session.scalars(query)).first()
