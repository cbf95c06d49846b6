"""Queries the chat use cases need: who is writing, which branch a chat is, the approval queue.

Read-only except ``save_draft`` (an audit row holding a claim message whose item was not
recognised, so a button press can finish it on any replica).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.schema import (
    AttendanceRow,
    AuditRow,
    BoundChat,
    Branch,
    ClaimEvidence,
    ClaimRow,
    Identity,
    JobRun,
    LedgerEntry,
    Meeting,
    MemberRow,
    RoleRow,
)

DRAFT_ACTION = "claim.unmatched"
#: Invite codes are issued as audit rows (subject: the code's digest) and used up by a job-run row.
INVITE_ACTIONS = ("invite.branch", "invite.member")
#: A meeting's sign-in window (chat, closing time) is kept in the audit row that opened it.
MEETING_ACTION = "meeting.open"
#: A message the bot posted under a key (a claim's or a meeting's card), to edit every copy later.
POSTED_ACTION = "chat.posted"


class ChatQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def member_of_identity(self, platform: str, external_id: str) -> MemberRow | None:
        query = (
            select(MemberRow)
            .join(Identity, Identity.member_id == MemberRow.id)
            .where(Identity.platform == platform, Identity.external_id == external_id)
        )
        return (await self.session.scalars(query)).first()

    async def identities(self, member_ids: Sequence[int], platform: str) -> dict[int, str]:
        """Each member's account on ``platform`` (members without one are left out)."""
        query = select(Identity.member_id, Identity.external_id).where(
            Identity.member_id.in_(list(member_ids)), Identity.platform == platform
        )
        return {m: e for m, e in (await self.session.execute(query)).tuples()}

    async def holders(self, branch: Branch, roles: Sequence[str]) -> list[int]:
        """Members holding one of ``roles`` over the branch (its own, or committee staff)."""
        query = select(RoleRow.member_id).where(
            RoleRow.role.in_(list(roles)),
            (RoleRow.branch_id == branch.id)
            | ((RoleRow.committee_id == branch.committee_id) & RoleRow.committee_id.is_not(None)),
        )
        return sorted(set((await self.session.scalars(query)).all()))

    async def chats_of(self, branch_id: int, platform: str) -> list[str]:
        query = select(BoundChat.chat_id).where(
            BoundChat.branch_id == branch_id, BoundChat.platform == platform
        )
        return list((await self.session.scalars(query.order_by(BoundChat.id))).all())

    async def claim_with_names(
        self, claim_id: int
    ) -> tuple[ClaimRow, str, str | None, int, float | None] | None:
        """The claim, its member's name, the decider's name, how many evidence files it has and
        the points its ledger entry granted (None before approval)."""
        decider = aliased(MemberRow)
        files = (
            select(func.count(ClaimEvidence.id))
            .where(ClaimEvidence.claim_id == ClaimRow.id)
            .scalar_subquery()
        )
        granted = select(LedgerEntry.points).where(LedgerEntry.claim_id == ClaimRow.id).scalar_subquery()
        query = (
            select(ClaimRow, MemberRow.name, decider.name, files, granted)
            .join(MemberRow, MemberRow.id == ClaimRow.member_id)
            .outerjoin(decider, decider.id == ClaimRow.decided_by)
            .where(ClaimRow.id == claim_id)
        )
        row = (await self.session.execute(query)).tuples().first()
        if row is None:
            return None
        claim, member, by, count, points = row
        return claim, member, by, int(count or 0), None if points is None else float(points)

    async def pending(self, branch_id: int, limit: int) -> list[int]:
        """Ids of the branch's pending claims, oldest first."""
        query = (
            select(ClaimRow.id)
            .where(ClaimRow.branch_id == branch_id, ClaimRow.status == "pending")
            .order_by(ClaimRow.created_at, ClaimRow.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def save_draft(self, actor: str, branch_id: int, details: dict[str, Any]) -> int:
        row = AuditRow(actor=actor, action=DRAFT_ACTION, branch_id=branch_id, subject="", details=details)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def draft(self, draft_id: int) -> AuditRow | None:
        row = await self.session.get(AuditRow, draft_id)
        return row if row is not None and row.action == DRAFT_ACTION else None

    async def invite(self, digest: str) -> AuditRow | None:
        """The audit row that issued the invite code with this digest."""
        query = select(AuditRow).where(AuditRow.action.in_(INVITE_ACTIONS), AuditRow.subject == digest)
        return (await self.session.scalars(query.order_by(AuditRow.id))).first()

    async def invite_used(self, digest: str) -> bool:
        query = select(JobRun.id).where(
            JobRun.job == "invite", JobRun.scope == digest[:64], JobRun.period == "used"
        )
        return (await self.session.scalar(query)) is not None

    async def open_meeting(self, meeting: Meeting, opened: AuditRow) -> int:
        """Add the meeting and the audit row that holds its sign-in window (``details``)."""
        self.session.add(meeting)
        await self.session.flush()
        opened.subject = f"meeting:{meeting.id}"
        self.session.add(opened)
        await self.session.flush()
        return meeting.id

    async def meeting(self, meeting_id: int) -> tuple[Meeting, AuditRow] | None:
        found = await self.session.get(Meeting, meeting_id)
        query = select(AuditRow).where(
            AuditRow.action == MEETING_ACTION, AuditRow.subject == f"meeting:{meeting_id}"
        )
        opened = (await self.session.scalars(query)).first()
        return None if found is None or opened is None else (found, opened)

    async def meeting_windows(self, since: datetime) -> list[AuditRow]:
        """Sign-in windows opened since ``since`` (their closing is checked by the caller)."""
        query = select(AuditRow).where(AuditRow.action == MEETING_ACTION, AuditRow.at >= since)
        return list((await self.session.scalars(query.order_by(AuditRow.id))).all())

    async def attendance(self, meeting_id: int) -> list[tuple[int, str, str]]:
        """(member id, name, status) of everyone recorded for the meeting, in order of signing."""
        query = (
            select(AttendanceRow.member_id, MemberRow.name, AttendanceRow.status)
            .join(MemberRow, MemberRow.id == AttendanceRow.member_id)
            .where(AttendanceRow.meeting_id == meeting_id)
            .order_by(AttendanceRow.id)
        )
        return [(m, n, s) for m, n, s in (await self.session.execute(query)).tuples()]

    async def attend(self, meeting_id: int, member_id: int, status: str) -> str | None:
        """Record the member's status; the status recorded before instead (nothing changes) when there is one."""
        query = select(AttendanceRow.status).where(
            AttendanceRow.meeting_id == meeting_id, AttendanceRow.member_id == member_id
        )
        earlier = await self.session.scalar(query)
        if earlier is not None:
            return str(earlier)
        self.session.add(AttendanceRow(meeting_id=meeting_id, member_id=member_id, status=status))
        await self.session.flush()
        return None

    async def remember(self, platform: str, key: str, chat: str, message: str) -> None:
        details = {"chat": chat, "message": message}
        self.session.add(
            AuditRow(actor="bot", action=POSTED_ACTION, subject=f"{platform}:{key}", details=details)
        )
        await self.session.flush()

    async def posted(self, platform: str, key: str) -> list[tuple[str, str]]:
        """(chat, message) of every message remembered under the key, oldest first, once each."""
        query = select(AuditRow.details).where(
            AuditRow.action == POSTED_ACTION, AuditRow.subject == f"{platform}:{key}"
        )
        found = [
            (str(d["chat"]), str(d["message"]))
            for d in (await self.session.scalars(query.order_by(AuditRow.id))).all()
        ]
        return list(dict.fromkeys(found))

    async def move_chat(self, platform: str, old: str, new: str) -> bool:
        """A group became a new chat (Telegram: upgraded to a supergroup): its binding follows."""
        result = await self.session.execute(
            update(BoundChat)
            .where(BoundChat.platform == platform, BoundChat.chat_id == old)
            .values(chat_id=new)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1
