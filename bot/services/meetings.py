"""Sign-in (签到) for a meeting: the secretary opens a window, members sign in or ask for leave,
and when the window closes everyone else is recorded absent.

Attendance rows are the record the scoring engine reads for the scheme's attendance items
(缺席/请假 deductions, migrant returns); no ledger entry is written for them. Closing is
claimed once per meeting (a job-run row), so it happens once across replicas, and a window
that closed while the bot was down is closed at the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.scoring.model import MEETING_TYPES
from bot.services.common import Actor, Context, branch_of, member_of, require_role
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.services.policy import OPENERS, approvers, settings_of
from bot.storage.chat import CLOSE_JOB, ChatQueries
from bot.storage.schema import LeaveRequest, Meeting
from bot.storage.timeutil import to_local
from bot.storage.uow import UnitOfWork

MAX_MINUTES = 24 * 60
#: How far back a tick looks for windows that closed while the bot was down.
CATCH_UP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A meeting's sign-in sheet: who is present, on leave and (once closed) absent."""

    meeting_id: int
    branch_id: int
    kind: str
    held_on: str
    closes: datetime
    closed: bool
    platform: str
    chat: str
    present: tuple[str, ...]
    leave: tuple[str, ...]
    absent: tuple[str, ...]
    #: Of ``present``, those who joined online (migrant members away from home).
    online: tuple[str, ...] = ()
    #: Whether the branch lets its migrant members sign in online (branch setting ``online``).
    online_open: bool = False
    #: Members whose leave request awaits a decision.
    requested: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LeaveView:
    """A leave request (请假) as its card shows it."""

    id: int
    meeting_id: int
    branch_id: int
    member_id: int
    member: str
    kind: str
    held_on: str
    reason: str
    status: str
    decider: str | None
    #: When the meeting's sign-in window closes.
    closes: datetime


def meeting_kind(text: str) -> str | None:
    """A meeting type from its code or its Chinese name."""
    text = text.strip()
    return text if text in MEETING_TYPES else next((k for k, v in MEETING_TYPES.items() if v == text), None)


class MeetingService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def open(
        self, branch_id: int, actor: Actor, kind: str, minutes: int, now: datetime, platform: str, chat: str
    ) -> Sheet:
        if kind not in MEETING_TYPES:
            raise Invalid("meeting.unknown_type", kind=kind, known="、".join(MEETING_TYPES.values()))
        if not 1 <= minutes <= MAX_MINUTES:
            raise Invalid("meeting.bad_minutes", minutes=minutes, most=MAX_MINUTES)
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, OPENERS)
            closes = now + timedelta(minutes=minutes)
            meeting = Meeting(
                branch_id=branch.id, kind=kind, held_on=to_local(now).date(), title=MEETING_TYPES[kind],
                opened_by=actor.member_id, closes_at=closes, platform=platform, chat_id=chat,
            )  # fmt: skip
            meeting_id = await ChatQueries(uow.session).open_meeting(meeting)
            window = {"closes": closes.isoformat(), "platform": platform, "chat": chat}
            await uow.audit.record(
                actor.label,
                "meeting.open",
                branch_id=branch.id,
                subject=f"meeting:{meeting_id}",
                details=window,
            )
            await uow.commit()
        return await self.sheet(meeting_id, now)

    async def earlier_today(self, branch_id: int, kind: str, now: datetime) -> list[Sheet]:
        """The branch's sign-ins of this meeting type already opened today (before a second one)."""
        async with self.ctx.uow(read_only=True) as uow:
            held = await ChatQueries(uow.session).meetings_held(branch_id, kind, to_local(now).date())
        return [await self.sheet(m.id, now) for m in held]

    async def open_sheet(self, branch_id: int, now: datetime) -> Sheet | None:
        """The branch's sign-in whose window is open now (the latest), or None."""
        async with self.ctx.uow(read_only=True) as uow:
            meeting = await ChatQueries(uow.session).open_meeting_of(branch_id, now)
        return None if meeting is None else await self.sheet(meeting.id, now)

    async def attend(
        self, meeting_id: int, member_id: int, status: str, now: datetime, *, online: bool = False
    ) -> tuple[Sheet, str | None]:
        """Sign in (``present``, ``online`` for a migrant member joining from afar) or ask for
        leave; the earlier status (and no change) when already recorded."""
        async with self.ctx.uow() as uow:
            meeting, closes = await _meeting(uow, meeting_id)
            if now >= closes:
                raise Invalid("meeting.closed", name=MEETING_TYPES.get(meeting.kind, meeting.kind))
            member = await member_of(uow, meeting.branch_id, member_id)
            if online:
                branch = await branch_of(uow, meeting.branch_id)
                if not settings_of(branch).online:
                    raise Invalid("meeting.online_off")
                if not member.migrant:
                    raise Invalid("meeting.online_migrants_only")
            earlier = await ChatQueries(uow.session).attend(meeting.id, member_id, status, online)
            await uow.commit()
        return await self.sheet(meeting_id, now), earlier

    async def request_leave(
        self, meeting_id: int, actor: Actor, reason: str, now: datetime
    ) -> tuple[LeaveView | None, str | None]:
        """Ask for leave from a meeting whose window is open. Returns the new request and None;
        or, changing nothing, (the earlier request, "requested") or (None, the attendance
        status already recorded, e.g. "present")."""
        async with self.ctx.uow() as uow:
            meeting, closes = await _meeting(uow, meeting_id)
            if now >= closes:
                raise Invalid("meeting.closed", name=MEETING_TYPES.get(meeting.kind, meeting.kind))
            member_id = (await member_of(uow, meeting.branch_id, actor.member_id or 0)).id
            queries = ChatQueries(uow.session)
            recorded = {m: s for m, _, s, _ in await queries.attendance(meeting.id)}
            if member_id in recorded:
                return None, recorded[member_id]
            earlier = await queries.leave_of(meeting.id, member_id)
            if earlier is not None:
                return await self._leave_view(uow, earlier.id), "requested"
            request = LeaveRequest(
                meeting_id=meeting.id, member_id=member_id, reason=reason, status="pending"
            )
            request_id = await queries.ask_leave(request)
            if request_id is None:  # a twin request got in first
                return None, "requested"
            await uow.audit.record(
                actor.label, "leave.request", branch_id=meeting.branch_id,
                subject=f"leave:{request_id}", details={"meeting": meeting.id, "reason": reason},
            )  # fmt: skip
            await uow.commit()
            return await self._leave_view(uow, request_id), None

    async def recorded(self, meeting_id: int, member_id: int) -> str | None:
        """What the member already has for the meeting: an attendance status (``present``, ...),
        ``requested`` for a leave request awaiting its decision, or None."""
        async with self.ctx.uow() as uow:
            queries = ChatQueries(uow.session)
            status = {m: st for m, _, st, _ in await queries.attendance(meeting_id)}.get(member_id)
            if status is not None:
                return status
            request = await queries.leave_of(meeting_id, member_id)
            return "requested" if request is not None and request.status == "pending" else None

    async def decide_leave(
        self, request_id: int, actor: Actor, approve: bool, now: datetime
    ) -> tuple[LeaveView, bool]:
        """Approve or refuse a leave request (an approver of the scheme, never one's own); the
        request afterwards and whether this call decided it. Approved leave is attendance
        ``leave``; a refusal after the window closed records the member absent."""
        async with self.ctx.uow() as uow:
            view = await self._leave_view(uow, request_id)
            if actor.member_id == view.member_id:
                raise Forbidden("leave.self_approval")
            branch = await branch_of(uow, view.branch_id)
            await require_role(uow, actor, branch, approvers(self.ctx.schemes(branch.scheme)))
            queries = ChatQueries(uow.session)
            status = "approved" if approve else "rejected"
            if not await queries.decide_leave(request_id, status, actor.member_id, now):
                return view, False
            if approve:
                await queries.attend(view.meeting_id, view.member_id, "leave")
            elif now >= view.closes:
                await queries.attend(view.meeting_id, view.member_id, "absent")
            await uow.commit()
            return await self._leave_view(uow, request_id), True

    async def leave(self, request_id: int) -> LeaveView:
        async with self.ctx.uow() as uow:
            return await self._leave_view(uow, request_id)

    async def pending_leaves(self, branch_id: int, limit: int = 10) -> list[LeaveView]:
        """The branch's undecided leave requests, oldest first."""
        async with self.ctx.uow() as uow:
            ids = await ChatQueries(uow.session).pending_leaves(branch_id, limit)
            return [await self._leave_view(uow, i) for i in ids]

    @staticmethod
    async def _leave_view(uow: UnitOfWork, request_id: int) -> LeaveView:
        found = await ChatQueries(uow.session).leave(request_id)
        if found is None:
            raise NotFound("leave.unknown", request=request_id)
        request, member, decider = found
        meeting, closes = await _meeting(uow, request.meeting_id)
        return LeaveView(
            request.id, meeting.id, meeting.branch_id, request.member_id, member, meeting.kind,
            meeting.held_on.isoformat(), request.reason, request.status, decider, closes,
        )  # fmt: skip

    async def sheet(self, meeting_id: int, now: datetime) -> Sheet:
        async with self.ctx.uow() as uow:
            meeting, closes = await _meeting(uow, meeting_id)
            rows = await ChatQueries(uow.session).attendance(meeting.id)
            requested = tuple(name for _, name in await ChatQueries(uow.session).pending_leave(meeting.id))
            branch = await uow.branches.get(meeting.branch_id)
        by = {
            status: tuple(name for _, name, s, _ in rows if s == status)
            for status in ("present", "leave", "absent")
        }
        online = tuple(name for _, name, s, o in rows if s == "present" and o)
        return Sheet(
            meeting.id, meeting.branch_id, meeting.kind, meeting.held_on.isoformat(), closes, now >= closes,
            meeting.platform or "", meeting.chat_id or "", by["present"], by["leave"], by["absent"], online,
            branch is not None and settings_of(branch).online, requested,
        )  # fmt: skip

    async def due(self, now: datetime) -> list[int]:
        """Meetings whose sign-in window has ended and that are not closed yet (looking back
        ``CATCH_UP``: a window that ended while the bot was down is closed when it is back)."""
        async with self.ctx.uow(read_only=True) as uow:
            return await ChatQueries(uow.session).due_meetings(now, now - CATCH_UP)

    async def close(self, meeting_id: int, now: datetime) -> Sheet | None:
        """Close the window: everyone expected and not recorded is absent. Claimed once per
        meeting (``meeting.close`` / ``meeting-<id>``) in the same transaction, so it happens
        once across replicas; None when it was closed before."""
        async with self.ctx.uow() as uow:
            meeting, _ = await _meeting(uow, meeting_id)
            if not await uow.jobs.claim(CLOSE_JOB, f"meeting-{meeting.id}", "close", now):
                return None  # closed already (by another replica, or early by the secretary)
            queries = ChatQueries(uow.session)
            recorded = {m for m, _, _, _ in await queries.attendance(meeting.id)}
            # an undecided leave request waits for its decision (refused: absent, approved: leave)
            recorded |= {m for m, _ in await queries.pending_leave(meeting.id)}
            for member in await uow.members.list(meeting.branch_id):
                if member.id not in recorded and _expected(
                    member.exempt, member.joined, member.left, meeting
                ):
                    await queries.attend(meeting.id, member.id, "absent")
            await uow.commit()
        return await self.sheet(meeting_id, now)

    async def close_now(self, branch_id: int, actor: Actor, now: datetime) -> Sheet:
        """The secretary closes the branch's open sign-in before its time (结束签到)."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, OPENERS)
            meeting = await ChatQueries(uow.session).open_meeting_of(branch.id, now)
            if meeting is None:
                raise Invalid("meeting.none_open")
            await ChatQueries(uow.session).end_window(meeting.id, now)
            await uow.audit.record(
                actor.label, "meeting.close", branch_id=branch.id, subject=f"meeting:{meeting.id}"
            )
            await uow.commit()
        sheet = await self.close(meeting.id, now)
        if sheet is None:
            raise Invalid("meeting.none_open")
        return sheet


def _expected(exempt: bool, joined: date | None, left: date | None, meeting: Meeting) -> bool:
    """Whether a member is expected at the meeting: not exempt, already in and not yet gone."""
    held = meeting.held_on
    return not exempt and (joined is None or joined <= held) and (left is None or left > held)


async def _meeting(uow: UnitOfWork, meeting_id: int) -> tuple[Meeting, datetime]:
    """The meeting and when its sign-in window closes (NotFound: no such sign-in)."""
    found = await ChatQueries(uow.session).meeting(meeting_id)
    if found is None or found.closes_at is None:
        raise NotFound("meeting.unknown", meeting=meeting_id)
    return found, found.closes_at
