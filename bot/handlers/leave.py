"""请假 on a sign-in card: the member picks a reason, an approver approves or refuses.

``l:<meeting>`` (the card's 请假) offers the presser the reasons; ``v:<offer>:<n>`` files the
request with reason n (only by the member it was offered to, once); ``y:<request>:1`` approves
and ``y:<request>:0`` refuses. Only approved leave is attendance; the meeting's card shows who
is waiting for a decision.
"""

from __future__ import annotations

from bot.handlers.cards import as_approver
from bot.handlers.context import Deps, located
from bot.handlers.meetings import already, as_said, sheet_card
from bot.handlers.types import (
    ORIGIN,
    Action,
    Answer,
    Card,
    Choice,
    Field,
    Incoming,
    Refresh,
    Reply,
    Send,
    Show,
    ToGroup,
    ToMember,
    ToRoles,
)
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.meetings import LeaveView
from bot.services.policy import approvers, settings_of
from bot.storage.timeutil import to_local

#: Reasons offered when a member presses 请假 (catalog keys, in button order).
LEAVE_REASONS = ("meeting.reason.ill", "meeting.reason.work", "meeting.reason.family", "meeting.reason.other")


def leave_key(request_id: int) -> str:
    """The key every copy of a leave request's card is posted under."""
    return f"leave:{request_id}"


def leave_card(view: LeaveView, *, buttons: bool = True, note: str = "") -> Card:
    meeting = t("leave.card.meeting_value", name=MEETING_TYPES.get(view.kind, view.kind), date=view.held_on)
    fields = (
        Field(t("leave.card.member"), view.member),
        Field(t("leave.card.meeting"), meeting),
        Field(t("leave.card.reason"), view.reason),
    )
    actions = (
        (
            Action(t("leave.button.approve"), f"y:{view.id}:1"),
            Action(t("leave.button.refuse"), f"y:{view.id}:0"),
        )
        if view.status == "pending" and buttons
        else ()
    )
    status = t(f"leave.status.{view.status}", by=view.decider or "")
    key = leave_key(view.id) if buttons else None
    return Card(t("leave.card.title", id=view.id), fields, note, status=status, actions=actions, key=key)


async def ask_typed(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``请假`` typed while the branch's sign-in is open: the same as its 请假 button."""
    person, branch = await located(inc, deps)
    sheet = await deps.meetings.open_sheet(branch.id, deps.now())
    if sheet is None:
        return [Send(ORIGIN, t("newuser.no_sign_in"))]
    return as_said(await ask(inc, deps, str(sheet.meeting_id)), person.name)


async def ask(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``l:<meeting>``: the reasons for the presser to pick from (nothing is filed before the pick)."""
    sheet = await deps.meetings.sheet(int(args), deps.now())
    person = await deps.chat.person(inc.platform, inc.user, sheet.branch_id)
    if sheet.closed:
        return [Answer(t("meeting.closed", name=MEETING_TYPES.get(sheet.kind, sheet.kind)), alert=True)]
    earlier = await deps.meetings.recorded(sheet.meeting_id, person.member_id)
    if earlier is not None:
        return [Answer(already(earlier), alert=True)]
    offer = await deps.chat.offer(
        "leave_reason", sheet.branch_id, person.member_id, {"meeting": sheet.meeting_id}
    )
    options = tuple(Action(t(key), f"v:{offer}:{n}") for n, key in enumerate(LEAVE_REASONS))
    prompt = t("meeting.leave_pick", name=person.name)
    return [Send(ORIGIN, Card(prompt, choice=Choice(prompt, options)))]


async def file(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``v:<offer>:<n>``: the member the reasons were offered to files the request with reason n."""
    offer_id, _, pick = args.partition(":")
    reason = t(LEAVE_REASONS[int(pick)])
    person, payload = await deps.chat.take(
        "leave_reason", int(offer_id), inc.platform, inc.user, "leave.not_yours"
    )
    meeting_id = int(str(payload["meeting"]))
    view, earlier = await deps.meetings.request_leave(meeting_id, person.actor, reason, deps.now())
    if view is None or earlier is not None:
        return [Answer(already(earlier or "requested"), alert=True)]
    sheet = await deps.meetings.sheet(meeting_id, deps.now())
    branch = await deps.chat.branch(sheet.branch_id)
    card = leave_card(view)
    if settings_of(branch).approvals == "group":
        to: ToGroup | ToRoles = ToGroup(branch.id)
    else:
        to = ToRoles(branch.id, approvers(deps.chat.scheme(branch)), exclude=person.member_id)
    return [
        Show(t("meeting.leave_sent", name=person.name, reason=reason)),
        Refresh(sheet_card(sheet)),
        Send(to, card),
    ]


async def decide(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``y:<request>:1|0``: approve or refuse (approvers only, never one's own; once)."""
    request_id, _, choice = args.partition(":")
    if choice not in ("0", "1"):
        raise ValueError(choice)
    view = await deps.meetings.leave(int(request_id))
    person = await deps.chat.person(inc.platform, inc.user, view.branch_id)
    with as_approver():
        view, changed = await deps.meetings.decide_leave(view.id, person.actor, choice == "1", deps.now())
    if not changed:
        return [
            Answer(t("leave.already", status=t(f"leave.word.{view.status}")), alert=True),
            Refresh(leave_card(view)),
        ]
    sheet = await deps.meetings.sheet(view.meeting_id, deps.now())
    return [
        Answer(t(f"leave.done.{view.status}")),
        Refresh(leave_card(view)),
        Refresh(sheet_card(sheet)),
        Send(ToMember(view.member_id), leave_card(view, buttons=False, note=_next_step(view, deps))),
    ]


def _next_step(view: LeaveView, deps: Deps) -> str:
    """What a member refused leave can still do: sign in while the window is open, else absent."""
    if view.status != "rejected":
        return ""
    if deps.now() < view.closes:
        return t("newuser.leave_refused_open", time=to_local(view.closes).strftime("%H:%M"))
    return t("newuser.leave_refused_closed")
