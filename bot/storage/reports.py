"""What the exports read besides the scoring input and the ledger: the publicity windows of a
year and the claims waiting for a decision, per branch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.storage.schema import ClaimRow, Committee, PublicityWindow
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PostedWindow:
    branch_id: int
    period: str
    kind: str
    opens_at: datetime
    report: dict[str, Any]


async def windows(uow: UnitOfWork, branch_ids: Sequence[int], year: int) -> list[PostedWindow]:
    """The publicity windows posted for periods of ``year`` (keys ``2026``, ``2026-...``)."""
    w = PublicityWindow
    query = (
        select(w.branch_id, w.period, w.kind, w.opens_at, w.report)
        .where(w.branch_id.in_(branch_ids), (w.period == str(year)) | w.period.like(f"{year}-%"))
        .order_by(w.branch_id, w.id)
    )
    rows = (await uow.session.execute(query)).tuples().all()
    return [PostedWindow(b, p, k, at, dict(r or {})) for b, p, k, at, r in rows]


async def pending_claims(uow: UnitOfWork, branch_ids: Sequence[int]) -> dict[int, int]:
    """How many claims wait for a decision in each branch."""
    query = (
        select(ClaimRow.branch_id, func.count())
        .where(ClaimRow.branch_id.in_(branch_ids), ClaimRow.status == "pending")
        .group_by(ClaimRow.branch_id)
    )
    return {b: int(n) for b, n in (await uow.session.execute(query)).tuples().all()}


async def committee(uow: UnitOfWork, key: str | int) -> Committee | None:
    """A committee (township) by its number or its name."""
    if isinstance(key, int) or key.isdigit():
        return await uow.session.get(Committee, int(key))
    return (await uow.session.scalars(select(Committee).where(Committee.name == key))).first()
