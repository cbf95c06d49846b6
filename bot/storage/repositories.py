"""Repositories: the SQL of each aggregate. They flush when they need ids, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.schema import (
    ACTIVE_STATES,
    AuditRow,
    BoundChat,
    Branch,
    ClaimEvidence,
    ClaimRow,
    Committee,
    Identity,
    JobRun,
    LedgerEntry,
    MemberRow,
    RoleRow,
)
from bot.storage.timeutil import UTCDateTime, utcnow

#: ``status IN ('pending', 'approved')`` written literally: the condition of the partial index.
_ACTIVE = ClaimRow.status.in_(bindparam("active", list(ACTIVE_STATES), expanding=True, literal_execute=True))


#: Where a session keeps the roles it has read (``Members.roles``).
_ROLES = "partybot_roles"


# Statements every update runs, built once: building one costs more than running it.
_BRANCH_OF_CHAT = (
    select(Branch)
    .join(BoundChat)
    .where(BoundChat.platform == bindparam("platform"), BoundChat.chat_id == bindparam("chat"))
)
_ROLES_OVER = select(RoleRow.role).where(
    RoleRow.member_id == bindparam("member"),
    (RoleRow.branch_id == bindparam("branch"))
    | ((RoleRow.committee_id == bindparam("committee")) & (RoleRow.committee_id.is_not(None))),
)
_ACTIVE_BY_KEY = select(ClaimRow).where(ClaimRow.dedupe_key == bindparam("key"), _ACTIVE)
_ACTIVE_BY_FILE = (
    select(ClaimRow)
    .where(
        ClaimRow.id.in_(
            select(ClaimEvidence.claim_id).where(
                ClaimEvidence.file_id.in_(bindparam("files", expanding=True))
            )
        ),
        _ACTIVE,
    )
    .order_by(ClaimRow.id)
    .limit(1)
)


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class Branches(_Repo):
    async def committee(self, name: str, *, create: bool = False) -> Committee | None:
        found = await self.session.scalar(select(Committee).where(Committee.name == name))
        if found is None and create:
            found = Committee(name=name)
            self.session.add(found)
            await self.session.flush()
        return found

    async def add(self, name: str, scheme: str, committee_id: int | None = None) -> Branch:
        branch = Branch(name=name, scheme=scheme, committee_id=committee_id, settings={})
        self.session.add(branch)
        await self.session.flush()
        return branch

    async def update_settings(self, branch: Branch, changes: dict[str, Any]) -> None:
        """Merge ``changes`` into the branch's settings (a new dict, so the JSON column is written)."""
        branch.settings = {**(branch.settings or {}), **changes}
        await self.session.flush()

    async def get(self, branch_id: int) -> Branch | None:
        return await self.session.get(Branch, branch_id)

    async def list(self, committee_id: int | None = None) -> Sequence[Branch]:
        query = select(Branch).order_by(Branch.id)
        if committee_id is not None:
            query = query.where(Branch.committee_id == committee_id)
        return (await self.session.scalars(query)).all()

    async def bind_chat(self, branch_id: int, platform: str, chat_id: str) -> BoundChat:
        chat = BoundChat(branch_id=branch_id, platform=platform, chat_id=chat_id)
        self.session.add(chat)
        await self.session.flush()
        return chat

    async def for_chat(self, platform: str, chat_id: str) -> Branch | None:
        return (await self.session.scalars(_BRANCH_OF_CHAT, {"platform": platform, "chat": chat_id})).first()


class Members(_Repo):
    async def add(self, member: MemberRow) -> MemberRow:
        self.session.add(member)
        await self.session.flush()
        return member

    async def get(self, member_id: int) -> MemberRow | None:
        return await self.session.get(MemberRow, member_id)

    async def list(self, branch_id: int) -> Sequence[MemberRow]:
        query = select(MemberRow).where(MemberRow.branch_id == branch_id).order_by(MemberRow.id)
        return (await self.session.scalars(query)).all()

    async def count(self, branch_id: int) -> int:
        query = select(func.count()).select_from(MemberRow).where(MemberRow.branch_id == branch_id)
        return int(await self.session.scalar(query) or 0)

    async def find(self, branch_id: int, key: str) -> MemberRow | None:
        """A member of the branch by database id, roster number (编号) or exact name."""
        query = select(MemberRow).where(MemberRow.branch_id == branch_id)
        by_key = (MemberRow.code == key) | (MemberRow.name == key)
        if key.isdigit():
            by_key = by_key | (MemberRow.id == int(key))
        return (await self.session.scalars(query.where(by_key).order_by(MemberRow.id))).first()

    async def on_roster(self, branch_id: int, code: str | None, name: str) -> MemberRow | None:
        """The member a roster line names: same 编号 when it has one, else the same name."""
        same = MemberRow.code == code if code else MemberRow.name == name
        query = select(MemberRow).where(MemberRow.branch_id == branch_id, same).order_by(MemberRow.id)
        return (await self.session.scalars(query)).first()

    async def set_exempt(self, member_id: int, exempt: bool) -> None:
        await self.session.execute(update(MemberRow).where(MemberRow.id == member_id).values(exempt=exempt))

    async def link(self, member_id: int, platform: str, external_id: str) -> Identity:
        identity = Identity(member_id=member_id, platform=platform, external_id=external_id)
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def identity(self, member_id: int, platform: str) -> str | None:
        """The member's account on the platform, if linked."""
        query = select(Identity.external_id).where(
            Identity.member_id == member_id, Identity.platform == platform
        )
        return (await self.session.scalars(query)).first()

    async def grant(
        self, member_id: int, role: str, *, branch_id: int | None = None, committee_id: int | None = None
    ) -> None:
        self.session.add(
            RoleRow(member_id=member_id, role=role, branch_id=branch_id, committee_id=committee_id)
        )
        await self.session.flush()
        self.session.info.pop(_ROLES, None)

    async def revoke(
        self, member_id: int, role: str, *, branch_id: int | None = None, committee_id: int | None = None
    ) -> bool:
        """Take a role back; False when the member did not hold it there."""
        result = await self.session.execute(
            delete(RoleRow).where(
                RoleRow.member_id == member_id,
                RoleRow.role == role,
                RoleRow.branch_id.is_(None) if branch_id is None else RoleRow.branch_id == branch_id,
                RoleRow.committee_id.is_(None)
                if committee_id is None
                else RoleRow.committee_id == committee_id,
            )
        )
        self.session.info.pop(_ROLES, None)
        return bool(getattr(result, "rowcount", 0))

    async def roles(self, member_id: int, branch: Branch) -> set[str]:
        """The member's roles that reach ``branch``: its own, or committee staff over it (read once
        per unit of work: an update asks for them in several places)."""
        known: dict[tuple[int, int], set[str]] = self.session.info.setdefault(_ROLES, {})
        if (member_id, branch.id) not in known:
            params = {"member": member_id, "branch": branch.id, "committee": branch.committee_id}
            known[(member_id, branch.id)] = set((await self.session.scalars(_ROLES_OVER, params)).all())
        return set(known[(member_id, branch.id)])


class Claims(_Repo):
    async def add(self, claim: ClaimRow, evidence: Sequence[str]) -> ClaimRow:
        self.session.add(claim)
        await self.session.flush()
        self.session.add_all(ClaimEvidence(claim_id=claim.id, file_id=f) for f in evidence)
        await self.session.flush()
        return claim

    async def get(self, claim_id: int) -> ClaimRow | None:
        return await self.session.get(ClaimRow, claim_id)

    async def active_duplicate(self, dedupe_key: str, evidence: Sequence[str]) -> ClaimRow | None:
        """The earliest active (pending or approved) claim with the same key or any of the same
        evidence files. Two look-ups, each on an index: the statuses are written into the SQL,
        so the partial unique index on active keys serves the first (with them as bound
        parameters, or with the two tests joined by OR, the whole table was scanned)."""
        found = [await self.session.scalar(_ACTIVE_BY_KEY, {"key": dedupe_key})]
        if evidence:
            found.append(await self.session.scalar(_ACTIVE_BY_FILE, {"files": list(evidence)}))
        return min((c for c in found if c is not None), key=lambda c: c.id, default=None)

    async def evidence(self, claim_id: int) -> list[str]:
        query = (
            select(ClaimEvidence.file_id).where(ClaimEvidence.claim_id == claim_id).order_by(ClaimEvidence.id)
        )
        return list((await self.session.scalars(query)).all())

    async def status(self, claim_id: int) -> str:
        """The claim's status as committed now (not the session's cached copy)."""
        return str(await self.session.scalar(select(ClaimRow.status).where(ClaimRow.id == claim_id)))

    async def decide(self, claim_id: int, status: str, by: int | None, reason: str | None = None) -> bool:
        """Move a pending claim to ``status``; False when it was already decided (nothing changes)."""
        result = await self.session.execute(
            update(ClaimRow)
            .where(ClaimRow.id == claim_id, ClaimRow.status == "pending")
            .values(status=status, decided_at=utcnow(), decided_by=by, decision_reason=reason)
            .execution_options(synchronize_session=False)
        )
        changed = getattr(result, "rowcount", 0) == 1
        if changed:
            await self.session.refresh(await self.session.get_one(ClaimRow, claim_id))
        return changed


class Ledger(_Repo):
    async def add(self, entry: LedgerEntry) -> LedgerEntry:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def get(self, entry_id: int) -> LedgerEntry | None:
        return await self.session.get(LedgerEntry, entry_id)

    async def reversal_of(self, entry_id: int) -> LedgerEntry | None:
        return (
            await self.session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id == entry_id))
        ).first()

    async def standing(self, member_id: int, item: str, day: date) -> int | None:
        """The id of an entry of ``item`` on ``day`` for the member that is not reversed (and is
        no reversal itself), if there is one."""
        reversal = aliased(LedgerEntry)
        query = (
            select(LedgerEntry.id)
            .outerjoin(reversal, reversal.reverses_id == LedgerEntry.id)
            .where(
                LedgerEntry.member_id == member_id, LedgerEntry.item == item, LedgerEntry.effective_date == day,
                LedgerEntry.reverses_id.is_(None), reversal.id.is_(None),
            )
            .limit(1)
        )  # fmt: skip
        found: int | None = await self.session.scalar(query)
        return found

    async def of_member(self, member_id: int) -> Sequence[LedgerEntry]:
        query = select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id)
        return (await self.session.scalars(query)).all()


class Jobs(_Repo):
    """Scheduled runs, each claimed once by (job, scope, period), e.g. publicity / branch-17 / 2026-11."""

    def _upsert(self, values: dict[str, Any]) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(JobRun).values(values)

    async def claim(self, job: str, scope: str, period: str, at: datetime | None = None) -> bool:
        """Claim the run inside the transaction that does its work (one ``INSERT ... ON CONFLICT``):
        True when nobody did it before (or an earlier try failed). A concurrent claimant waits for
        the first to commit, then gets False; if the first rolls back, its claim goes with it."""
        moment = at or utcnow()
        stmt = self._upsert(
            {"job": job, "scope": scope, "period": period, "started_at": moment, "finished_at": moment,
             "state": "done", "attempts": 1}
        )  # fmt: skip
        stmt = stmt.on_conflict_do_update(
            index_elements=[JobRun.job, JobRun.scope, JobRun.period],
            set_={
                "state": "done",
                "attempts": JobRun.attempts + 1,
                "finished_at": moment,
                "last_error": None,
            },
            where=JobRun.state == "failed",
        )
        result = await self.session.execute(stmt)
        return getattr(result, "rowcount", 0) == 1

    async def failed(self, job: str, scope: str, period: str, error: str, at: datetime | None = None) -> None:
        """Record a failed try (its own transaction: the work's was rolled back); tried again later."""
        moment = at or utcnow()
        stmt = self._upsert(
            {"job": job, "scope": scope, "period": period, "started_at": moment, "state": "failed",
             "attempts": 1, "last_error": error[:2000]}
        )  # fmt: skip
        stmt = stmt.on_conflict_do_update(
            index_elements=[JobRun.job, JobRun.scope, JobRun.period],
            set_={"attempts": JobRun.attempts + 1, "last_error": error[:2000]},
            where=JobRun.state == "failed",
        )
        await self.session.execute(stmt)

    async def state(self, job: str, scope: str, period: str) -> tuple[str, int, str | None] | None:
        """(state, attempts, last error) of a run, None when it never ran."""
        query = select(JobRun.state, JobRun.attempts, JobRun.last_error).where(
            JobRun.job == job, JobRun.scope == scope, JobRun.period == period
        )
        row = (await self.session.execute(query)).tuples().first()
        return None if row is None else (row[0], row[1], row[2])


class Updates(_Repo):
    async def first_time(self, platform: str, update_id: str) -> bool:
        """Record a platform update; False when it was processed before (skip it).

        Every update comes through here, so it is one ``INSERT ... ON CONFLICT DO NOTHING`` (both
        databases have it, in the same words), written as text so that it is compiled once."""
        result = await self.session.execute(
            _FIRST_TIME, {"platform": platform, "update_id": update_id, "at": utcnow()}
        )
        return getattr(result, "rowcount", 0) == 1


#: The dialects' ``insert().on_conflict_do_nothing()`` has no cache key (it would be compiled on
#: every update); the same SQL as text is compiled once.
_FIRST_TIME = text(
    "INSERT INTO processed_updates (platform, update_id, created_at) VALUES (:platform, :update_id, :at) "
    "ON CONFLICT DO NOTHING"
).bindparams(bindparam("at", type_=UTCDateTime()))


class Audit(_Repo):
    async def record(
        self,
        actor: str,
        action: str,
        *,
        branch_id: int | None = None,
        subject: str = "",
        details: dict[str, Any] | None = None,
    ) -> AuditRow:
        row = AuditRow(
            actor=actor, action=action, branch_id=branch_id, subject=subject, details=details or {}
        )
        self.session.add(row)
        await self.session.flush()
        return row
