"""Queries of the township committee's branch star rating (党支部评星定级): the scores it gives
its branches (append-only, the newest of each kind and code in force), its published results,
and what the bot's own data says about a branch's points management (``member_management``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.schema import (
    AttendanceRow,
    BranchScore,
    ClaimRow,
    Committee,
    CommitteeResult,
    LedgerEntry,
    Meeting,
    MemberRow,
    MonthlyRating,
    Objection,
    PublicityWindow,
    RoleRow,
)


class CommitteeQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def committee(self, committee_id: int) -> Committee | None:
        return await self.session.get(Committee, committee_id)

    async def committees(self) -> Sequence[Committee]:
        return (await self.session.scalars(select(Committee).order_by(Committee.id))).all()

    async def staff_of(self, member_id: int) -> list[int]:
        """The committees the member is staff of (``roles.role = 'committee'``)."""
        query = (
            select(RoleRow.committee_id)
            .where(RoleRow.member_id == member_id, RoleRow.role == "committee", RoleRow.committee_id.is_not(None))
            .order_by(RoleRow.committee_id)
        )  # fmt: skip
        return [c for c in (await self.session.scalars(query)).all() if c is not None]

    # -- scores ----------------------------------------------------------------------------

    async def in_force(self, branch_ids: Sequence[int], year: int) -> list[BranchScore]:
        """The scores in force (superseded by none) of the branches for the year, oldest first."""
        if not branch_ids:
            return []
        later = aliased(BranchScore)
        query = (
            select(BranchScore)
            .where(BranchScore.branch_id.in_(list(branch_ids)), BranchScore.year == year,
                   ~exists().where(later.supersedes_id == BranchScore.id))
            .order_by(BranchScore.id)
        )  # fmt: skip
        return list((await self.session.scalars(query)).all())

    async def current(self, branch_id: int, year: int, kind: str, code: str) -> BranchScore | None:
        for row in await self.in_force([branch_id], year):
            if row.kind == kind and row.code == code:
                return row
        return None

    async def add(self, rows: Sequence[BranchScore]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    # -- results ---------------------------------------------------------------------------

    async def result(self, committee_id: int, year: int) -> CommitteeResult | None:
        query = select(CommitteeResult).where(
            CommitteeResult.committee_id == committee_id, CommitteeResult.year == year
        )
        return (await self.session.scalars(query)).first()

    async def add_result(self, row: CommitteeResult) -> CommitteeResult:
        self.session.add(row)
        await self.session.flush()
        return row

    # -- evidence of points management -----------------------------------------------------

    async def record_days(self, branch_id: int, first: date, last: date) -> list[tuple[int, date]]:
        """(member, day) of every ledger entry, sign-in and monthly rating in the branch between
        the two days (distinct)."""
        ledger = select(LedgerEntry.member_id, LedgerEntry.effective_date).where(
            LedgerEntry.branch_id == branch_id, LedgerEntry.effective_date.between(first, last)
        )
        attended = (
            select(AttendanceRow.member_id, Meeting.held_on)
            .join(Meeting, Meeting.id == AttendanceRow.meeting_id)
            .where(Meeting.branch_id == branch_id, Meeting.held_on.between(first, last))
        )
        out = set((await self.session.execute(ledger.distinct())).tuples().all())
        out |= set((await self.session.execute(attended.distinct())).tuples().all())
        rated = (
            select(MonthlyRating.member_id, MonthlyRating.year, MonthlyRating.month)
            .join(MemberRow, MemberRow.id == MonthlyRating.member_id)
            .where(MemberRow.branch_id == branch_id, MonthlyRating.year.between(first.year, last.year))
        )
        for member, y, m in (await self.session.execute(rated.distinct())).tuples().all():
            day = date(y, m, 1)
            if first <= day <= last:
                out.add((member, day))
        return sorted(out)

    async def windows(self, branch_id: int, first: date, last: date) -> list[PublicityWindow]:
        """The branch's publicity windows of periods ending between the two days."""
        query = (
            select(PublicityWindow)
            .where(PublicityWindow.branch_id == branch_id, PublicityWindow.ends.between(first, last))
            .order_by(PublicityWindow.ends)
        )  # fmt: skip
        return list((await self.session.scalars(query)).all())

    async def objections(self, window_ids: Sequence[int]) -> list[Objection]:
        if not window_ids:
            return []
        query = select(Objection).where(Objection.window_id.in_(list(window_ids)))
        return list((await self.session.scalars(query)).all())

    async def claims(self, branch_id: int, first: date, last: date) -> list[ClaimRow]:
        """The branch's claims dated between the two days."""
        query = select(ClaimRow).where(
            ClaimRow.branch_id == branch_id, ClaimRow.effective_date.between(first, last)
        )
        return list((await self.session.scalars(query)).all())
