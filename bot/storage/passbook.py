"""Queries of the red passbook (红色存折): the catalog, the requests to redeem and the
append-only passbook entries, and the final yearly results the balance is earned from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import (
    MemberRow,
    PassbookEntry,
    PassbookGoods,
    PassbookRequest,
    PublicityWindow,
)


def _changed(result: Any) -> bool:
    return isinstance(result, CursorResult) and result.rowcount == 1


class PassbookQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- the catalog ---------------------------------------------------------------------------

    async def catalog(self, branch_id: int, *, withdrawn: bool = False) -> Sequence[PassbookGoods]:
        query = select(PassbookGoods).where(PassbookGoods.branch_id == branch_id)
        if not withdrawn:
            query = query.where(PassbookGoods.active.is_(True))
        return (await self.session.scalars(query.order_by(PassbookGoods.id))).all()

    async def goods(self, goods_id: int) -> PassbookGoods | None:
        return await self.session.get(PassbookGoods, goods_id)

    async def goods_named(self, branch_id: int, name: str) -> PassbookGoods | None:
        query = select(PassbookGoods).where(PassbookGoods.branch_id == branch_id, PassbookGoods.name == name)
        return (await self.session.scalars(query)).first()

    async def add_goods(self, goods: PassbookGoods) -> PassbookGoods:
        self.session.add(goods)
        await self.session.flush()
        return goods

    async def take_stock(self, goods_id: int, quantity: int) -> bool:
        """Take ``quantity`` from the stock, only if that many are left: a conditional update, so
        of two confirmations at once for the last one exactly one gets it."""
        result = await self.session.execute(
            update(PassbookGoods)
            .where(PassbookGoods.id == goods_id, PassbookGoods.stock >= quantity)
            .values(stock=PassbookGoods.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def put_back(self, goods_id: int, quantity: int) -> None:
        await self.session.execute(
            update(PassbookGoods)
            .where(PassbookGoods.id == goods_id)
            .values(stock=PassbookGoods.stock + quantity)
            .execution_options(synchronize_session=False)
        )

    # -- requests ------------------------------------------------------------------------------

    async def add_request(self, request: PassbookRequest) -> PassbookRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def request(self, request_id: int) -> PassbookRequest | None:
        return await self.session.get(PassbookRequest, request_id)

    async def pending(self, member_id: int) -> Sequence[PassbookRequest]:
        query = select(PassbookRequest).where(
            PassbookRequest.member_id == member_id, PassbookRequest.status == "pending"
        )
        return (await self.session.scalars(query.order_by(PassbookRequest.id))).all()

    async def decide(self, request_id: int, status: str, by: int | None, at: datetime) -> bool:
        """Decide a pending request, once (a second press, or another replica's, gets False)."""
        result = await self.session.execute(
            update(PassbookRequest)
            .where(PassbookRequest.id == request_id, PassbookRequest.status == "pending")
            .values(status=status, decided_by=by, decided_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def lock_member(self, member_id: int) -> None:
        """Hold the member's row until the commit (PostgreSQL ``FOR UPDATE``; SQLite writers are
        one at a time already), so that two redemptions of one member are checked one after the other."""
        await self.session.execute(select(MemberRow.id).where(MemberRow.id == member_id).with_for_update())

    # -- entries -------------------------------------------------------------------------------

    async def add_entry(self, entry: PassbookEntry) -> PassbookEntry:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def entry(self, entry_id: int) -> PassbookEntry | None:
        return await self.session.get(PassbookEntry, entry_id)

    async def reversal_of(self, entry_id: int) -> PassbookEntry | None:
        query = select(PassbookEntry).where(PassbookEntry.reverses_id == entry_id)
        return (await self.session.scalars(query)).first()

    async def entries(self, member_id: int) -> Sequence[PassbookEntry]:
        query = select(PassbookEntry).where(PassbookEntry.member_id == member_id)
        return (await self.session.scalars(query.order_by(PassbookEntry.id))).all()

    async def spent(self, member_id: int) -> float:
        """The signed sum of the member's passbook entries (redemptions negative)."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(PassbookEntry.points), 0)).where(
                PassbookEntry.member_id == member_id
            )
        )
        return float(total or 0)

    async def names(self, ids: Sequence[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(MemberRow.id, MemberRow.name).where(MemberRow.id.in_(wanted))
        )
        return {i: n for i, n in rows.tuples()}

    # -- what the balance is earned from -------------------------------------------------------

    async def final_years(self, branch_id: int) -> list[tuple[str, dict[str, Any]]]:
        """(year, final results) of each yearly publicity of the branch that became final, oldest
        first: the results of its last final state (a year reopened keeps them until final again)."""
        query = select(PublicityWindow.period, PublicityWindow.report).where(
            PublicityWindow.branch_id == branch_id, PublicityWindow.kind == "year"
        )
        rows = (await self.session.execute(query.order_by(PublicityWindow.period))).tuples()
        return [(period, dict(report["final"])) for period, report in rows if (report or {}).get("final")]
