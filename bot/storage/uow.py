"""The unit of work: one transaction, owned by the service layer."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.repositories import Audit, Branches, Claims, Evaluations, Jobs, Ledger, Members, Updates


class UnitOfWork:
    """``async with db.uow() as uow: ...; await uow.commit()`` — anything not committed is rolled back."""

    session: AsyncSession
    branches: Branches
    members: Members
    claims: Claims
    ledger: Ledger
    jobs: Jobs
    updates: Updates
    evaluations: Evaluations
    audit: Audit

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        s = self.session
        self.branches, self.members, self.claims = Branches(s), Members(s), Claims(s)
        self.ledger, self.jobs, self.updates = Ledger(s), Jobs(s), Updates(s)
        self.evaluations, self.audit = Evaluations(s), Audit(s)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Closing rolls back whatever was not committed and detaches the loaded rows intact.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
