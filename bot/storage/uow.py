"""The unit of work: one transaction, owned by the service layer.

An update is one use case in one transaction: the channel's router opens a unit of work for
the update (``Database.uow()``) and makes it *current*; every service called while it is
current joins it (``Joined``) instead of opening a transaction of its own, and its ``commit``
only flushes. The router commits once, with the processed mark, the writes and the outgoing
messages together; or rolls everything back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.repositories import Audit, Branches, Claims, Jobs, Ledger, Members, Updates

#: Where a session keeps what runs after its commit (``UnitOfWork.after_commit``).
_AFTER_COMMIT = "partybot_after_commit"
#: The execution option that makes a SQLite transaction ``BEGIN DEFERRED`` (read-only work).
BEGIN_OPTION = "partybot_begin"

_current: ContextVar[UnitOfWork | None] = ContextVar("partybot_unit_of_work", default=None)


class UnitOfWork:
    """``async with db.uow() as uow: ...; await uow.commit()`` — anything not committed is rolled back.

    ``read_only`` work starts its SQLite transaction DEFERRED (it takes no write lock); writers
    start IMMEDIATE, so two writers queue instead of deadlocking."""

    session: AsyncSession
    branches: Branches
    members: Members
    claims: Claims
    ledger: Ledger
    jobs: Jobs
    updates: Updates
    audit: Audit

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, read_only: bool = False) -> None:
        self._sessions = sessions
        self.read_only = read_only

    def _bind(self, session: AsyncSession) -> None:
        self.session = s = session
        self.branches, self.members, self.claims = Branches(s), Members(s), Claims(s)
        self.ledger, self.jobs, self.updates = Ledger(s), Jobs(s), Updates(s)
        self.audit = Audit(s)

    async def __aenter__(self) -> UnitOfWork:
        self._bind(self._sessions())
        if self.read_only:
            await self.session.connection(execution_options={BEGIN_OPTION: "DEFERRED"})
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Closing rolls back whatever was not committed and detaches the loaded rows intact.
        self.session.info.pop(_AFTER_COMMIT, None)
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        for work in self.session.info.pop(_AFTER_COMMIT, []):
            await work()

    async def rollback(self) -> None:
        self.session.info.pop(_AFTER_COMMIT, None)
        await self.session.rollback()

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` once the transaction has committed (the update's, when a service joined
        one); dropped if it rolls back instead. For what cannot run inside a transaction."""
        self.session.info.setdefault(_AFTER_COMMIT, []).append(work)

    @contextmanager
    def current(self) -> Iterator[UnitOfWork]:
        """Make this unit of work the one every service joins until the block ends."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)


class Joined(UnitOfWork):
    """A service's view of the current unit of work: same session, no transaction of its own."""

    def __init__(self, outer: UnitOfWork) -> None:
        self.read_only = outer.read_only
        self._bind(outer.session)

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        """The update's unit of work commits at its end; a service's commit only flushes."""
        await self.session.flush()

    async def rollback(self) -> None:
        raise RuntimeError("a use case cannot roll back the update's unit of work; raise instead")


def current() -> UnitOfWork | None:
    return _current.get()
