"""What ``/healthz`` and ``/metrics`` read from the database: cheap queries (the outbox's pending
rows through its ``ix_outbox_due`` index; the claims counted per state)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import ClaimRow, OutboxRow


class HealthQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def outbox(self, now: datetime) -> dict[str, tuple[int, float]]:
        """Per platform: rows waiting to be sent, and the seconds the oldest one due has waited
        (0 when none is due: rows waiting for a retry or a rate limit are not late)."""
        pending = OutboxRow.state == "pending"
        counts = select(OutboxRow.platform, func.count()).where(pending).group_by(OutboxRow.platform)
        due = (
            select(OutboxRow.platform, func.min(OutboxRow.next_at))
            .where(pending, OutboxRow.next_at <= now)
            .group_by(OutboxRow.platform)
        )
        oldest = dict((await self.session.execute(due)).tuples().all())
        return {
            p: (int(n), (now - oldest[p]).total_seconds() if p in oldest else 0.0)
            for p, n in (await self.session.execute(counts)).tuples()
        }

    async def claims(self) -> dict[str, int]:
        """Claims per state (pending, approved, rejected, withdrawn)."""
        query = select(ClaimRow.status, func.count()).group_by(ClaimRow.status)
        return {s: int(n) for s, n in (await self.session.execute(query)).tuples()}
