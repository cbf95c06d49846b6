"""Claims (申报): submit, approve (optionally with adjusted points), reject, withdraw.

An approval changes the claim and writes its ledger entry in one transaction; deciding a
claim that is already decided changes nothing and says so (a second button press).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.i18n import t
from bot.scoring.eligibility import entry_refusal
from bot.scoring.model import Item, Scheme
from bot.services.common import (
    NO_SOURCE,
    Actor,
    Context,
    Source,
    branch_of,
    checked_points,
    item_of,
    member_of,
    require_role,
)
from bot.services.errors import Duplicate, Forbidden, Invalid, NotFound
from bot.services.ledger import RECORDABLE, dedupe_key, new_entry
from bot.services.periods import refuse_final
from bot.services.policy import approvers
from bot.storage.chat import ChatQueries
from bot.storage.schema import ClaimRow, MemberRow
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SubmitClaim:
    branch_id: int
    member_id: int
    item: str
    date: date
    points: float | None = None
    lead: bool = False
    note: str = ""
    evidence: Sequence[str] = field(default_factory=tuple)
    source: Source = NO_SOURCE


@dataclass(frozen=True, slots=True)
class Submitted:
    claim_id: int
    points: float


@dataclass(frozen=True, slots=True)
class Decision:
    """The claim's status after the command; ``changed`` False means it was decided before."""

    claim_id: int
    status: str
    changed: bool
    entry_id: int | None = None
    points: float | None = None


class ClaimService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def submit(self, cmd: SubmitClaim) -> Submitted:
        """A member declares an item; the same member+item+date or the same evidence file is refused."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, cmd.branch_id)
            member = await member_of(uow, branch.id, cmd.member_id)
            if member.exempt:
                raise Invalid("claim.member_exempt", name=member.name)
            scheme = self.ctx.schemes(branch.scheme)
            item = item_of(scheme, cmd.item, ("claim",))
            _refuse_ineligible(scheme, item, member, cmd.date)
            await refuse_final(uow, branch.id, cmd.date)
            points = checked_points(item, cmd.points)
            key = dedupe_key(member.id, cmd.item, cmd.date)
            await self._refuse_duplicate(uow, key, cmd.evidence)
            claim = ClaimRow(
                branch_id=branch.id,
                member_id=member.id,
                item=cmd.item,
                effective_date=cmd.date,
                points=points,
                lead=cmd.lead,
                note=cmd.note,
                status="pending",
                dedupe_key=key,
                source_platform=cmd.source.platform,
                source_chat=cmd.source.chat,
                source_message=cmd.source.message,
            )
            # A concurrent twin that got in first makes this insert fail on the unique key; the
            # router then handles the update again from the start, and the check above refuses it.
            await uow.claims.add(claim, cmd.evidence)
            await uow.commit()
            return Submitted(claim.id, points)

    @staticmethod
    async def _refuse_duplicate(uow: UnitOfWork, key: str, evidence: Sequence[str]) -> None:
        earlier = await uow.claims.active_duplicate(key, evidence)
        if earlier is not None:
            raise Duplicate("claim.duplicate", earlier=earlier.id, status=earlier.status)

    async def approve(
        self, claim_id: int, actor: Actor, points: float | None = None, *, lead: bool | None = None
    ) -> Decision:
        """Approve, optionally with points adjusted inside the item's range; writes the ledger entry.
        A leading role the member marked is confirmed, unless ``lead`` is False: the approver did
        not confirm it, and the claim and its entry count without it (recorded in the audit log)."""
        async with self.ctx.uow() as uow:
            claim, scheme_id = await self._decidable(uow, claim_id, actor)
            scheme = self.ctx.schemes(scheme_id)
            item = item_of(scheme, claim.item, ("claim",) if claim.recorded_by is None else RECORDABLE)
            value = checked_points(item, claim.points if points is None else points)
            if claim.status == "pending":
                _refuse_ineligible(
                    scheme, item, await member_of(uow, claim.branch_id, claim.member_id), claim.effective_date
                )
            declined = lead is False and claim.lead and claim.status == "pending"
            if declined:
                claim.lead = False
                await uow.session.flush()
            if not await uow.claims.decide(claim.id, "approved", actor.member_id):
                return Decision(claim.id, await uow.claims.status(claim.id), changed=False)
            if declined:
                await uow.audit.record(
                    actor.label, "claim.lead_declined", branch_id=claim.branch_id, subject=f"claim:{claim.id}"
                )
            entry = await uow.ledger.add(
                new_entry(
                    branch_id=claim.branch_id,
                    member_id=claim.member_id,
                    item=claim.item,
                    points=value,
                    lead=claim.lead,
                    day=claim.effective_date,
                    actor=actor,
                    reason=claim.note or t("newuser.ledger_claim", claim=claim.id),  # why, never empty
                    claim_id=claim.id,
                    source=Source(claim.source_platform, claim.source_chat, claim.source_message),
                )
            )
            await uow.commit()
            return Decision(claim.id, "approved", changed=True, entry_id=entry.id, points=value)

    async def check_decider(self, claim_id: int, actor: Actor) -> None:
        """Refuse unless ``actor`` may decide the claim (before offering them a choice of reasons or points)."""
        async with self.ctx.uow() as uow:
            await self._decidable(uow, claim_id, actor)

    async def queue(self, branch_id: int, actor: Actor, limit: int = 10) -> list[int]:
        """The branch's pending claims for an approver to review, oldest first (approvers only)."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, approvers(self.ctx.schemes(branch.scheme)))
            return await ChatQueries(uow.session).pending(branch.id, limit)

    async def reject(self, claim_id: int, actor: Actor, reason: str) -> Decision:
        if not reason.strip():
            raise Invalid("ledger.reason_required")
        async with self.ctx.uow() as uow:
            claim, _ = await self._decidable(uow, claim_id, actor)
            return await self._move(uow, claim, "rejected", actor, reason)

    async def withdraw(self, claim_id: int, actor: Actor) -> Decision:
        """The claimant takes a pending claim back."""
        async with self.ctx.uow() as uow:
            claim = await self._claim(uow, claim_id)
            if actor.member_id != claim.member_id:
                raise Forbidden("claim.not_yours", claim=claim_id)
            return await self._move(uow, claim, "withdrawn", actor, None)

    @staticmethod
    async def _move(
        uow: UnitOfWork, claim: ClaimRow, status: str, actor: Actor, reason: str | None
    ) -> Decision:
        if not await uow.claims.decide(claim.id, status, actor.member_id, reason):
            return Decision(claim.id, await uow.claims.status(claim.id), changed=False)
        await uow.commit()
        return Decision(claim.id, status, changed=True)

    @staticmethod
    async def _claim(uow: UnitOfWork, claim_id: int) -> ClaimRow:
        claim = await uow.claims.get(claim_id)
        if claim is None:
            raise NotFound("claim.unknown", claim=claim_id)
        return claim

    async def _decidable(self, uow: UnitOfWork, claim_id: int, actor: Actor) -> tuple[ClaimRow, str]:
        """The claim, if the actor may decide it: an approver role of the scheme, never one's own claim."""
        claim = await self._claim(uow, claim_id)
        if actor.member_id == claim.member_id:
            raise Forbidden("claim.self_approval")
        if claim.recorded_by is not None and actor.member_id == claim.recorded_by:
            raise Forbidden("recording.self_confirmation")
        branch = await branch_of(uow, claim.branch_id)
        await require_role(uow, actor, branch, approvers(self.ctx.schemes(branch.scheme)))
        return claim, branch.scheme


def _refuse_ineligible(scheme: Scheme, item: Item, member: MemberRow, day: date) -> None:
    """Whatever the scheme would refuse for this member is refused here, with its reason (e.g. an
    item meant only for community members, claimed by a rural member)."""
    refusal = entry_refusal(scheme, item, member, day)
    if refusal is not None:
        raise Invalid(refusal.key, **refusal.params)
