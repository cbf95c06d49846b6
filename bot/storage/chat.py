"""Queries the chat use cases need: who is writing, which branch a chat is, the approval queue.

Also the chat's own state, each in its table, so any replica can carry on: offers awaiting a
member's pick (an item for a claim, a reason for leave, a join request), invite codes and sign-in
windows (on the meeting). Where each copy of a card was posted is the outbox's (``outbox.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CursorResult, String, bindparam, cast, delete, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.schema import (
    AttendanceRow,
    BoundChat,
    ChatMessage,
    ClaimEvidence,
    ClaimRow,
    Identity,
    Invite,
    JobRun,
    LeaveRequest,
    LedgerEntry,
    Meeting,
    MemberRow,
    Offer,
    OutboxRow,
    ProcessedUpdate,
    RateWindow,
)

#: The job that closes a meeting's sign-in window (scope ``meeting-<id>``).
CLOSE_JOB = "meeting.close"

_decider = aliased(MemberRow)
#: A claim card's data in one statement, built once (an ``aliased`` join costs more to build
#: than to run): the claim, member and decider names, evidence count and the granted points.
CLAIM_WITH_NAMES = (
    select(
        ClaimRow,
        MemberRow.name,
        _decider.name,
        select(func.count(ClaimEvidence.id)).where(ClaimEvidence.claim_id == ClaimRow.id).scalar_subquery(),
        select(LedgerEntry.points).where(LedgerEntry.claim_id == ClaimRow.id).scalar_subquery(),
    )
    .join(MemberRow, MemberRow.id == ClaimRow.member_id)
    .outerjoin(_decider, _decider.id == ClaimRow.decided_by)
    .where(ClaimRow.id == bindparam("claim_id"))
)

#: Who is writing: the member linked to a platform account (every update asks).
MEMBER_OF_IDENTITY = (
    select(MemberRow)
    .join(Identity, Identity.member_id == MemberRow.id)
    .where(Identity.platform == bindparam("platform"), Identity.external_id == bindparam("account"))
)

#: A leave request's card data, built once like the claim's: the request, member and decider names.
LEAVE_WITH_NAMES = (
    select(LeaveRequest, MemberRow.name, _decider.name)
    .join(MemberRow, MemberRow.id == LeaveRequest.member_id)
    .outerjoin(_decider, _decider.id == LeaveRequest.decided_by)
    .where(LeaveRequest.id == bindparam("request_id"))
)


class ChatQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def member_of_identity(self, platform: str, external_id: str) -> MemberRow | None:
        return (
            await self.session.scalars(MEMBER_OF_IDENTITY, {"platform": platform, "account": external_id})
        ).first()

    async def claim_with_names(
        self, claim_id: int
    ) -> tuple[ClaimRow, str, str | None, int, float | None] | None:
        """The claim, its member's name, the decider's name, how many evidence files it has and
        the points its ledger entry granted (None before approval)."""
        row = (await self.session.execute(CLAIM_WITH_NAMES, {"claim_id": claim_id})).tuples().first()
        if row is None:
            return None
        claim, member, by, count, points = row
        return claim, member, by, int(count or 0), None if points is None else float(points)

    async def pending(self, branch_id: int, limit: int, member_id: int | None = None) -> list[int]:
        """Ids of the branch's pending claims (of one member, when given), oldest first."""
        query = select(ClaimRow.id).where(ClaimRow.branch_id == branch_id, ClaimRow.status == "pending")
        if member_id is not None:
            query = query.where(ClaimRow.member_id == member_id)
        query = query.order_by(ClaimRow.created_at, ClaimRow.id).limit(limit)
        return list((await self.session.scalars(query)).all())

    async def prune(
        self, *, updates: datetime, offers: datetime, cards: datetime, sent: datetime
    ) -> dict[str, int]:
        """Delete chat state written before the given moments: processed update ids, offers,
        the places card copies were posted and outbox rows delivered or refused. None of it is
        ledger; how many of each went."""
        counts = {}
        for name, model, before, extra in (
            ("updates", ProcessedUpdate, updates, None),
            ("offers", Offer, offers, None),
            ("cards", ChatMessage, cards, None),
            ("outbox", OutboxRow, sent, OutboxRow.state != "pending"),
        ):
            query = delete(model).where(model.created_at < before)
            result = await self.session.execute(query if extra is None else query.where(extra))
            counts[name] = result.rowcount if isinstance(result, CursorResult) else 0
        result = await self.session.execute(
            delete(RateWindow).where(RateWindow.window < int(sent.timestamp()))
        )
        counts["rate_windows"] = result.rowcount if isinstance(result, CursorResult) else 0
        return counts

    async def add_offer(self, offer: Offer) -> int:
        self.session.add(offer)
        await self.session.flush()
        return offer.id

    async def offer(self, offer_id: int) -> Offer | None:
        return await self.session.get(Offer, offer_id)

    async def use_offer(self, offer_id: int, at: datetime) -> bool:
        """Use the offer up: True for exactly one caller (a conditional update)."""
        result = await self.session.execute(
            update(Offer)
            .where(Offer.id == offer_id, Offer.used_at.is_(None))
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def add_invite(self, invite: Invite) -> Invite:
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def invite(self, digest: str) -> Invite | None:
        """The invite code with this digest."""
        return (await self.session.scalars(select(Invite).where(Invite.code_hash == digest))).first()

    async def use_invite(self, invite_id: int, by: str, at: datetime) -> bool:
        """Use the code up: True for exactly one caller, however many try at once (a conditional
        update: a concurrent one waits for the row, then finds it used)."""
        result = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(used_at=at, used_by=by)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def open_meeting(self, meeting: Meeting) -> int:
        """Add the meeting with its sign-in window (``closes_at``, ``platform``, ``chat_id``)."""
        self.session.add(meeting)
        await self.session.flush()
        return meeting.id

    async def meeting(self, meeting_id: int) -> Meeting | None:
        """The meeting, if it has a sign-in window."""
        found = await self.session.get(Meeting, meeting_id)
        return found if found is not None and found.closes_at is not None else None

    async def due_meetings(self, now: datetime, since: datetime) -> list[int]:
        """Meetings opened since ``since`` whose sign-in window has ended by ``now`` and that
        are not closed yet (no ``meeting.close`` run has been done for them)."""
        closed = select(JobRun.id).where(
            JobRun.job == CLOSE_JOB,
            JobRun.scope == literal("meeting-", String) + cast(Meeting.id, String),
            JobRun.state == "done",
        )
        query = select(Meeting.id).where(
            Meeting.closes_at <= now, Meeting.created_at >= since, ~closed.exists()
        )
        return list((await self.session.scalars(query.order_by(Meeting.id))).all())

    async def open_meeting_of(self, branch_id: int, now: datetime) -> Meeting | None:
        """The branch's most recent meeting whose sign-in window is still open."""
        query = (
            select(Meeting)
            .where(Meeting.branch_id == branch_id, Meeting.closes_at > now)
            .order_by(Meeting.id.desc())
        )
        return (await self.session.scalars(query)).first()

    async def meetings_held(self, branch_id: int, kind: str, held_on: date) -> list[Meeting]:
        """The branch's sign-ins of one meeting type held on a day, oldest first."""
        query = select(Meeting).where(
            Meeting.branch_id == branch_id, Meeting.kind == kind, Meeting.held_on == held_on,
            Meeting.closes_at.is_not(None),
        )  # fmt: skip
        return list((await self.session.scalars(query.order_by(Meeting.id))).all())

    async def end_window(self, meeting_id: int, at: datetime) -> None:
        """The sign-in window ends at ``at`` (closed early)."""
        await self.session.execute(update(Meeting).where(Meeting.id == meeting_id).values(closes_at=at))

    async def attendance(self, meeting_id: int) -> list[tuple[int, str, str, bool]]:
        """(member id, name, status, online) of everyone recorded for the meeting, in order of signing."""
        query = (
            select(AttendanceRow.member_id, MemberRow.name, AttendanceRow.status, AttendanceRow.online)
            .join(MemberRow, MemberRow.id == AttendanceRow.member_id)
            .where(AttendanceRow.meeting_id == meeting_id)
            .order_by(AttendanceRow.id)
        )
        return [(m, n, s, bool(o)) for m, n, s, o in (await self.session.execute(query)).tuples()]

    async def attend(self, meeting_id: int, member_id: int, status: str, online: bool = False) -> str | None:
        """Record the member's status; the status recorded before instead (nothing changes) when there is one."""
        query = select(AttendanceRow.status).where(
            AttendanceRow.meeting_id == meeting_id, AttendanceRow.member_id == member_id
        )
        earlier = await self.session.scalar(query)
        if earlier is not None:
            return str(earlier)
        row = AttendanceRow(meeting_id=meeting_id, member_id=member_id, status=status, online=online)
        self.session.add(row)
        await self.session.flush()
        return None

    async def ask_leave(self, request: LeaveRequest) -> int | None:
        """Add a leave request; None when the member has one for the meeting already."""
        try:
            async with self.session.begin_nested():
                self.session.add(request)
        except IntegrityError:
            return None
        return request.id

    async def leave(self, request_id: int) -> tuple[LeaveRequest, str, str | None] | None:
        """The request, the member's name and the decider's name."""
        row = (await self.session.execute(LEAVE_WITH_NAMES, {"request_id": request_id})).tuples().first()
        return None if row is None else (row[0], row[1], row[2])

    async def leave_of(self, meeting_id: int, member_id: int) -> LeaveRequest | None:
        query = select(LeaveRequest).where(
            LeaveRequest.meeting_id == meeting_id, LeaveRequest.member_id == member_id
        )
        return (await self.session.scalars(query)).first()

    async def decide_leave(self, request_id: int, status: str, by: int | None, at: datetime) -> bool:
        """Move a pending request to ``status``; False when it was decided before (nothing changes)."""
        result = await self.session.execute(
            update(LeaveRequest)
            .where(LeaveRequest.id == request_id, LeaveRequest.status == "pending")
            .values(status=status, decided_by=by, decided_at=at)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def pending_leave(self, meeting_id: int) -> list[tuple[int, str]]:
        """(member id, name) of the meeting's undecided leave requests, oldest first."""
        query = (
            select(LeaveRequest.member_id, MemberRow.name)
            .join(MemberRow, MemberRow.id == LeaveRequest.member_id)
            .where(LeaveRequest.meeting_id == meeting_id, LeaveRequest.status == "pending")
            .order_by(LeaveRequest.id)
        )
        return [(m, n) for m, n in (await self.session.execute(query)).tuples()]

    async def pending_leaves(self, branch_id: int, limit: int) -> list[int]:
        """Ids of the branch's undecided leave requests, oldest first."""
        query = (
            select(LeaveRequest.id)
            .join(Meeting, Meeting.id == LeaveRequest.meeting_id)
            .where(Meeting.branch_id == branch_id, LeaveRequest.status == "pending")
            .order_by(LeaveRequest.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def move_chat(self, platform: str, old: str, new: str) -> bool:
        """A group became a new chat (Telegram: upgraded to a supergroup): its binding follows."""
        result = await self.session.execute(
            update(BoundChat)
            .where(BoundChat.platform == platform, BoundChat.chat_id == old)
            .values(chat_id=new)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1
