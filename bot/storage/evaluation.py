"""The SQL of a democratic evaluation held in the chat (``bot/services/evaluation.py``).

Nothing written here links a voter to a score once a ballot is submitted: the results are sums
and counts, created for every member and item when the evaluation opens (so that neither their
ids nor their order tell whose ballot came first) and updated in place, all of a ballot's rows
in one statement; a receipt holds the voter and the day only; the draft is deleted with SQLite's
``secure_delete`` on (its bytes are overwritten, not left in free pages); and the messages that
showed the voter their scores (outbox rows) are scrubbed. At the close every result and receipt row
is written again (``rewrite``: PostgreSQL's ``xmin`` of all of them the close's) and, after the
commit, the older row versions are dropped (``forget_old_versions``: VACUUM, or a WAL checkpoint).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.storage.schema import (
    BallotDraft,
    BallotReceipt,
    EvaluationCode,
    EvaluationResult,
    EvaluationRow,
    OutboxRow,
)

#: An evaluation's subject: the branch's members (民主测评), or the secretary's report (述职评议).
MEMBERS, REPORT = "members", "report"
log = logging.getLogger(__name__)
#: Every button of a ballot card starts with one of these, followed by ``:<draft id>``.
BALLOT_PREFIXES = ("evs", "evm", "evc", "evok", "evr", "evrok")


class BallotNotRecorded(RuntimeError):
    """A ballot's write failed; what it held (the scores beside the ballot's members) is not in
    the message, so that no log line of the failure links a voter to a score."""


@contextmanager
def _withheld(what: str) -> Iterator[None]:
    """A database error without its statement and parameters (they would hold a ballot's scores)."""
    try:
        yield
    except DBAPIError as err:
        raise BallotNotRecorded(f"{what}: {type(err.orig).__name__}") from None


class EvaluationQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _secure(self) -> None:
        """On SQLite, what this connection deletes or rewrites from now on is overwritten with
        zeros rather than left in free pages (``PRAGMA secure_delete``)."""
        if self.session.bind.dialect.name == "sqlite":
            await self.session.execute(text("PRAGMA secure_delete = ON"))

    # -- evaluations ---------------------------------------------------------------------

    async def open_of(self, branch_id: int, subject: str = MEMBERS) -> EvaluationRow | None:
        """The branch's evaluation being held in the chat (not closed), if any."""
        query = select(EvaluationRow).where(
            EvaluationRow.branch_id == branch_id,
            EvaluationRow.subject == subject,
            EvaluationRow.closed.is_(False),
            EvaluationRow.deadline.is_not(None),
        )
        return (await self.session.scalars(query.order_by(EvaluationRow.id))).first()

    async def get(self, evaluation_id: int) -> EvaluationRow | None:
        return await self.session.get(EvaluationRow, evaluation_id)

    async def results_exist(self, branch_id: int, year: int, subject: str = MEMBERS) -> int | None:
        """The id of an evaluation of the branch and year that holds results (None: none)."""
        query = select(EvaluationRow.id).where(
            EvaluationRow.branch_id == branch_id,
            EvaluationRow.subject == subject,
            EvaluationRow.year == year,
            EvaluationRow.incomplete.is_(False),
        )
        return (await self.session.scalars(query.order_by(EvaluationRow.id))).first()

    async def open(self, row: EvaluationRow, members: Sequence[int], items: Sequence[str]) -> EvaluationRow:
        """The evaluation, with an empty result (0 of 0) for every member and item."""
        self.session.add(row)
        await self.session.flush()
        results = [
            {"evaluation_id": row.id, "member_id": m, "item": i, "total": 0, "count": 0}
            for m in members
            for i in items
        ]
        if results:
            await self.session.execute(insert(EvaluationResult), results)
        return row

    async def close(self, evaluation_id: int, incomplete: bool) -> bool:
        """Close it, once: False when it was closed already (another replica, a second press)."""
        result = await self.session.execute(
            update(EvaluationRow)
            .where(EvaluationRow.id == evaluation_id, EvaluationRow.closed.is_(False))
            .values(closed=True, incomplete=incomplete)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def due(self, before: date) -> list[EvaluationRow]:
        """Open chat evaluations whose deadline is before ``before``."""
        query = select(EvaluationRow).where(
            EvaluationRow.closed.is_(False),
            EvaluationRow.deadline.is_not(None),
            EvaluationRow.deadline < before,
        )
        return list((await self.session.scalars(query.order_by(EvaluationRow.id))).all())

    async def latest(self, branch_id: int, subject: str = MEMBERS) -> EvaluationRow | None:
        """The branch's latest evaluation held in the chat."""
        query = select(EvaluationRow).where(
            EvaluationRow.branch_id == branch_id,
            EvaluationRow.deadline.is_not(None),
            EvaluationRow.subject == subject,
        )
        return (await self.session.scalars(query.order_by(EvaluationRow.id.desc()))).first()

    async def open_all(self, subject: str = MEMBERS) -> list[EvaluationRow]:
        query = select(EvaluationRow).where(
            EvaluationRow.closed.is_(False),
            EvaluationRow.deadline.is_not(None),
            EvaluationRow.subject == subject,
        )
        return list((await self.session.scalars(query.order_by(EvaluationRow.id))).all())

    async def results(self, evaluation_id: int) -> list[tuple[int, str, float, int]]:
        """(member, item, total, count) of every result."""
        query = select(
            EvaluationResult.member_id, EvaluationResult.item, EvaluationResult.total, EvaluationResult.count
        ).where(EvaluationResult.evaluation_id == evaluation_id)
        rows = (
            await self.session.execute(query.order_by(EvaluationResult.member_id, EvaluationResult.item))
        ).tuples()
        return [(m, i, float(t), int(n)) for m, i, t, n in rows]

    # -- voters --------------------------------------------------------------------------

    async def voted(self, evaluation_id: int) -> set[str]:
        query = select(BallotReceipt.voter).where(BallotReceipt.evaluation_id == evaluation_id)
        return set((await self.session.scalars(query)).all())

    async def add_codes(self, evaluation_id: int, digests: Iterable[str]) -> None:
        rows = [{"evaluation_id": evaluation_id, "code_hash": d, "used_by": None} for d in digests]
        await self.session.execute(insert(EvaluationCode), rows)

    async def code(self, digest: str) -> EvaluationCode | None:
        return (
            await self.session.scalars(select(EvaluationCode).where(EvaluationCode.code_hash == digest))
        ).first()

    async def use_code(self, code_id: int, account: str) -> bool:
        """Use the code up for ``account``, once (a conditional update)."""
        result = await self.session.execute(
            update(EvaluationCode)
            .where(EvaluationCode.id == code_id, EvaluationCode.used_by.is_(None))
            .values(used_by=account)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def codes_of(self, account: str) -> list[EvaluationCode]:
        """The codes an account used (a masses representative's, in every evaluation)."""
        query = select(EvaluationCode).where(EvaluationCode.used_by == account)
        return list((await self.session.scalars(query.order_by(EvaluationCode.id))).all())

    async def code_counts(self, evaluation_id: int) -> tuple[int, int]:
        """(codes issued, codes used)."""
        query = select(func.count(), func.count(EvaluationCode.used_by)).where(
            EvaluationCode.evaluation_id == evaluation_id
        )
        issued, used = (await self.session.execute(query)).one()
        return int(issued), int(used)

    # -- drafts --------------------------------------------------------------------------

    async def draft(self, evaluation_id: int, voter: str) -> BallotDraft | None:
        query = select(BallotDraft).where(
            BallotDraft.evaluation_id == evaluation_id, BallotDraft.voter == voter
        )
        return (await self.session.scalars(query)).first()

    async def draft_by_id(self, draft_id: int) -> BallotDraft | None:
        return await self.session.get(BallotDraft, draft_id)

    async def start_draft(self, evaluation_id: int, voter: str) -> BallotDraft:
        draft = BallotDraft(evaluation_id=evaluation_id, voter=voter, position=0, scores={})
        self.session.add(draft)
        await self.session.flush()
        return draft

    async def keep_draft(self, draft: BallotDraft, position: int, scores: dict[str, Any]) -> None:
        await self._secure()  # the row's earlier bytes are overwritten, not left in the page
        draft.position, draft.scores = position, scores
        with _withheld("the ballot was not kept"):
            await self.session.flush()

    async def delete_drafts(self, evaluation_id: int, draft_id: int | None = None) -> list[int]:
        """Delete one draft (or all of the evaluation's), overwriting their bytes; their ids."""
        await self._secure()
        query = select(BallotDraft.id).where(BallotDraft.evaluation_id == evaluation_id)
        if draft_id is not None:
            query = query.where(BallotDraft.id == draft_id)
        ids = list((await self.session.scalars(query)).all())
        if ids:
            await self.session.execute(
                delete(BallotDraft)
                .where(BallotDraft.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        return ids

    # -- a ballot ------------------------------------------------------------------------

    async def cast(
        self, evaluation_id: int, voter: str, day: date, scores: dict[tuple[int, str], float]
    ) -> bool:
        """The receipt (the day only) and every score folded into its sum, in one statement;
        False (nothing recorded) when the voter has a receipt already."""
        await self._secure()
        query = select(BallotReceipt.id).where(
            BallotReceipt.evaluation_id == evaluation_id, BallotReceipt.voter == voter
        )
        if (await self.session.scalars(query)).first() is not None:
            return False
        midnight = datetime.combine(day, time(0), tzinfo=UTC)  # the day, never the moment
        self.session.add(BallotReceipt(evaluation_id=evaluation_id, voter=voter, created_at=midnight))
        try:
            await self.session.flush()
        except IntegrityError as err:  # a concurrent ballot of the same voter: the router starts over
            orig = err.orig if err.orig is not None else Exception("unique key")
            raise IntegrityError("INSERT INTO ballot_receipts", None, orig) from None
        if not scores:
            return True
        keys = sorted(scores)
        added = case(
            *(
                (and_(EvaluationResult.member_id == m, EvaluationResult.item == i), scores[(m, i)])
                for m, i in keys
            ),
            else_=0,
        )
        with _withheld("the ballot's scores were not added"):
            result = await self.session.execute(
                update(EvaluationResult)
                .where(
                    EvaluationResult.evaluation_id == evaluation_id,
                    or_(
                        *(and_(EvaluationResult.member_id == m, EvaluationResult.item == i) for m, i in keys)
                    ),
                )
                .values(total=EvaluationResult.total + added, count=EvaluationResult.count + 1)
                .execution_options(synchronize_session=False)
            )
        if getattr(result, "rowcount", len(keys)) != len(keys):  # a result the opening did not make
            raise BallotNotRecorded("a ballot names a member or item the evaluation has no result for")
        return True

    # -- at close ----------------------------------------------------------------------

    async def rewrite(self, evaluation_id: int) -> None:
        """Write every result and receipt row of the evaluation again, in the close's transaction:
        on PostgreSQL each row's hidden transaction id (``xmin``) is then the close's, for all of
        them, no longer the ballot's that last touched it (which paired a receipt with the sums it
        changed)."""
        await self._secure()
        await self.session.execute(
            update(EvaluationResult)
            .where(EvaluationResult.evaluation_id == evaluation_id)
            .values(total=EvaluationResult.total)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(BallotReceipt)
            .where(BallotReceipt.evaluation_id == evaluation_id)
            .values(created_at=BallotReceipt.created_at)
            .execution_options(synchronize_session=False)
        )

    async def forget_old_versions(self) -> None:
        """After the close committed: drop the rows' older versions. PostgreSQL: ``VACUUM`` of the
        ballots' tables on a connection of its own in autocommit (it cannot run in a transaction),
        so the dead versions (each ballot's) are gone; SQLite: a checkpoint that folds the
        write-ahead log (each ballot's page images) into the file and empties it."""
        bind = self.session.bind
        engine = bind if isinstance(bind, AsyncEngine) else bind.engine
        try:
            async with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await auto.exec_driver_sql("VACUUM evaluation_results, ballot_receipts, ballot_drafts")
                elif engine.dialect.name == "sqlite":  # on the driver's connection: outside any transaction
                    raw = (await conn.get_raw_connection()).driver_connection
                    assert raw is not None
                    await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as err:  # the close stands; the next close (or autovacuum) tidies up
            log.warning("evaluation: the old row versions were not dropped: %s", type(err).__name__)

    # -- messages that showed a ballot ---------------------------------------------------

    async def scrub(self, draft_ids: Sequence[int], text_instead: str) -> int:
        """Replace what outbox rows showing these drafts' ballot cards said by ``text_instead``
        (the rows stay, for delivery and its bookkeeping); how many were scrubbed."""
        if not draft_ids:
            return 0
        wanted = {str(i) for i in draft_ids}
        like = cast(OutboxRow.payload, String).like('%"ev%')
        query = select(OutboxRow.id, OutboxRow.payload).where(OutboxRow.kind.in_(("send", "show")), like)
        scrubbed = 0
        for row_id, payload in (await self.session.execute(query)).tuples():
            if not _shows_ballot(payload, wanted):
                continue
            kept = {k: v for k, v in payload.items() if k not in ("card", "text")}
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id)
                .values(payload={**kept, "text": text_instead})
                .execution_options(synchronize_session=False)
            )
            scrubbed += 1
        return scrubbed


def _shows_ballot(payload: dict[str, Any], drafts: set[str]) -> bool:
    card = payload.get("card")
    if not isinstance(card, dict):
        return False
    data = [a[1] for a in card.get("actions", ())]
    choice = card.get("choice")
    if isinstance(choice, dict):
        data += [o[1] for o in choice.get("options", ())]
    for each in data:
        prefix, _, rest = str(each).partition(":")
        if prefix in BALLOT_PREFIXES and rest.split(":")[0] in drafts:
            return True
    return False
