"""Queries of what a branch records for its members: sheets of meetings held offline (补录签到),
dues marks (党费) and the imported sheets they came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.schema import (
    AttendanceRow,
    DuesPayment,
    ImportRun,
    LedgerEntry,
    Meeting,
    Offer,
    held_meetings,
)

_later = aliased(DuesPayment)
_reversal = aliased(LedgerEntry)


class RecordedQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def meeting_on(self, branch_id: int, kind: str, day: Any) -> Meeting | None:
        """The branch's meeting of this type on that day, by sign-in or recorded afterwards."""
        query = select(Meeting).where(
            Meeting.branch_id == branch_id, Meeting.kind == kind, Meeting.held_on == day, held_meetings()
        )
        return (await self.session.scalars(query.order_by(Meeting.id))).first()

    async def add_sheet(self, meeting: Meeting, rows: Sequence[AttendanceRow]) -> int:
        """Add a meeting held offline with its whole sheet; the meeting's id."""
        self.session.add(meeting)
        await self.session.flush()
        for row in rows:
            row.meeting_id = meeting.id
        self.session.add_all(rows)
        await self.session.flush()
        return meeting.id

    async def dues_in_force(self, branch_id: int, year: int, month: int) -> dict[int, DuesPayment]:
        """The mark in force of each member for the month: the newest row, superseded by none."""
        superseded = select(_later.id).where(_later.supersedes_id == DuesPayment.id)
        query = select(DuesPayment).where(
            DuesPayment.branch_id == branch_id,
            DuesPayment.year == year,
            DuesPayment.month == month,
            ~superseded.exists(),
        )
        return {
            row.member_id: row for row in (await self.session.scalars(query.order_by(DuesPayment.id))).all()
        }

    async def add_dues(self, row: DuesPayment) -> DuesPayment:
        self.session.add(row)
        await self.session.flush()
        return row

    async def entries_of_mark(self, member_id: int, tag: str) -> list[LedgerEntry]:
        """The member's ledger entries written for a dues mark (their reason ends with ``tag``)
        that are not reversed yet."""
        reversed_ = select(_reversal.id).where(_reversal.reverses_id == LedgerEntry.id)
        query = select(LedgerEntry).where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.reverses_id.is_(None),
            LedgerEntry.reason.endswith(tag, autoescape=True),
            ~reversed_.exists(),
        )
        return list((await self.session.scalars(query.order_by(LedgerEntry.id))).all())

    async def imported(self, branch_id: int, kind: str, sha256: str) -> ImportRun | None:
        query = select(ImportRun).where(
            ImportRun.branch_id == branch_id, ImportRun.kind == kind, ImportRun.sha256 == sha256
        )
        return (await self.session.scalars(query)).first()

    async def add_import(self, run: ImportRun) -> None:
        self.session.add(run)
        await self.session.flush()

    async def keep_offer(self, offer: Offer, payload: dict[str, Any]) -> None:
        """The offer's state changes (a sheet being filled in button by button)."""
        offer.payload = payload
        await self.session.flush()
