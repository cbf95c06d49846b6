"""Queries of the branch calendar: publicity windows and their objections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import exists, select, tuple_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import Objection, PublicityWindow


class CalendarQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def posted(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of (branch, period) have a window already."""
        if not keys:
            return set()
        query = select(PublicityWindow.branch_id, PublicityWindow.period).where(
            tuple_(PublicityWindow.branch_id, PublicityWindow.period).in_(list(keys))
        )
        return {(b, p) for b, p in (await self.session.execute(query)).tuples().all()}

    async def add_window(self, window: PublicityWindow) -> PublicityWindow:
        self.session.add(window)
        await self.session.flush()
        return window

    async def window(self, window_id: int) -> PublicityWindow | None:
        return await self.session.get(PublicityWindow, window_id)

    async def window_of(self, branch_id: int, period: str) -> PublicityWindow | None:
        query = select(PublicityWindow).where(
            PublicityWindow.branch_id == branch_id, PublicityWindow.period == period
        )
        return (await self.session.scalars(query)).first()

    async def open_windows(self, branch_id: int, now: datetime) -> list[PublicityWindow]:
        """The branch's windows open for objections now, newest first."""
        query = (
            select(PublicityWindow)
            .where(PublicityWindow.branch_id == branch_id, PublicityWindow.final_at.is_(None),
                   PublicityWindow.opens_at <= now, PublicityWindow.closes_at > now)
            .order_by(PublicityWindow.opens_at.desc(), PublicityWindow.id.desc())
        )  # fmt: skip
        return list((await self.session.scalars(query)).all())

    async def windows(self, branch_id: int) -> list[PublicityWindow]:
        query = (
            select(PublicityWindow)
            .where(PublicityWindow.branch_id == branch_id)
            .order_by(PublicityWindow.opens_at)
        )
        return list((await self.session.scalars(query)).all())

    async def to_finalize(self, now: datetime) -> list[int]:
        """Windows ended and not final whose objections are all decided."""
        undecided = exists().where(Objection.window_id == PublicityWindow.id, Objection.status == "open")
        query = (
            select(PublicityWindow.id)
            .where(PublicityWindow.final_at.is_(None), PublicityWindow.closes_at <= now, ~undecided)
            .order_by(PublicityWindow.id)
        )
        return list((await self.session.scalars(query)).all())

    async def mark_final(self, window_id: int, at: datetime) -> bool:
        """Make the window final, once (a conditional update: a second process gets False)."""
        query = (
            update(PublicityWindow)
            .where(PublicityWindow.id == window_id, PublicityWindow.final_at.is_(None))
            .values(final_at=at)
        )
        result = await self.session.execute(query)
        return isinstance(result, CursorResult) and result.rowcount == 1

    async def final_covering(self, branch_id: int, day: date) -> PublicityWindow | None:
        """A final window of the branch whose period covers ``day``."""
        query = select(PublicityWindow).where(
            PublicityWindow.branch_id == branch_id, PublicityWindow.final_at.is_not(None),
            PublicityWindow.starts <= day, PublicityWindow.ends >= day,
        ).limit(1)  # fmt: skip
        return (await self.session.scalars(query)).first()

    async def final_years(self, branch_id: int) -> list[PublicityWindow]:
        """The branch's final yearly windows, oldest first (their ``report["final"]`` is the year's
        台账 result)."""
        query = select(PublicityWindow).where(
            PublicityWindow.branch_id == branch_id, PublicityWindow.kind == "year",
            PublicityWindow.final_at.is_not(None),
        )  # fmt: skip
        return list((await self.session.scalars(query.order_by(PublicityWindow.period))).all())

    async def open_covering(self, branch_id: int, day: date, now: datetime) -> PublicityWindow | None:
        """A window of the branch, posted and not final, whose period covers ``day``."""
        query = select(PublicityWindow).where(
            PublicityWindow.branch_id == branch_id, PublicityWindow.final_at.is_(None),
            PublicityWindow.opens_at <= now, PublicityWindow.starts <= day, PublicityWindow.ends >= day,
        ).limit(1)  # fmt: skip
        return (await self.session.scalars(query)).first()

    async def add_objection(self, objection: Objection) -> Objection:
        self.session.add(objection)
        await self.session.flush()
        return objection

    async def objection(self, objection_id: int) -> Objection | None:
        return await self.session.get(Objection, objection_id)

    async def decide(self, objection_id: int, status: str, by: int | None, reason: str, at: datetime,
                     entry_id: int | None = None) -> bool:  # fmt: skip
        """Decide an open objection, once (a second press changes nothing: False)."""
        query = (
            update(Objection)
            .where(Objection.id == objection_id, Objection.status == "open")
            .values(status=status, decided_by=by, resolution=reason, resolved_at=at, entry_id=entry_id)
        )
        result = await self.session.execute(query)
        return isinstance(result, CursorResult) and result.rowcount == 1

    async def objections(self, window_id: int) -> list[Objection]:
        query = select(Objection).where(Objection.window_id == window_id).order_by(Objection.id)
        return list((await self.session.scalars(query)).all())
