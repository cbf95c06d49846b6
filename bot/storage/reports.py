"""What the exports read besides the scoring input: a branch's ledger for its 台账, the publicity
windows of a year and the claims waiting for a decision, per branch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.storage.schema import ClaimRow, Committee, LedgerEntry, MemberRow, PublicityWindow
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """An entry as the 台账 shows it: the member's and the actor's names, the message or file it
    came from, the entry it reverses and the entry reversing it (None while it stands)."""

    id: int
    day: date
    member: str
    item: str
    points: float
    #: The acting member's name, else the actor as recorded (the system, the command line).
    by: str
    reason: str
    claim_id: int | None
    platform: str | None
    chat: str | None
    message: str | None
    reverses: int | None
    reversed_by: int | None


_BY = aliased(MemberRow)
_REVERSAL = aliased(LedgerEntry)


async def ledger(uow: UnitOfWork, branch_id: int, year: int) -> list[LedgerRow]:
    """Every entry of a branch's ``year`` by date, read as rows (a township's ledger is a hundred
    thousand entries: ORM objects would cost several times the read)."""
    e = LedgerEntry
    columns = (
        e.id, e.effective_date, MemberRow.name, e.item, e.points, _BY.name, e.actor, e.reason, e.claim_id,
        e.source_platform, e.source_chat, e.source_message, e.reverses_id, _REVERSAL.id,
    )  # fmt: skip
    query = (
        select(*columns)
        .join(MemberRow, MemberRow.id == e.member_id)
        .outerjoin(_BY, _BY.id == e.actor_id)
        .outerjoin(_REVERSAL, _REVERSAL.reverses_id == e.id)
        .where(e.branch_id == branch_id, e.effective_date.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(e.effective_date, e.id)
    )
    rows = (await uow.session.execute(query)).tuples()
    return [
        LedgerRow(
            i, day, member, item, float(points), by or actor, reason, claim, platform, chat, message, of, rev
        )
        for i, day, member, item, points, by, actor, reason, claim, platform, chat, message, of, rev in rows
    ]


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
