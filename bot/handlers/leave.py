"""请假 on a sign-in card: the member picks a reason, an approver approves or refuses.

``l:<meeting>`` (the card's 请假) offers reasons; ``v:<meeting>:<n>`` files the request with
reason n; ``y:<request>:1`` approves and ``y:<request>:0`` refuses. Only approved leave is
attendance; the card of the meeting shows who is waiting for a decision.
"""

from __future__ import annotations

from bot.handlers.cards import as_approver
from bot.handlers.context import Deps
from bot.handlers.meetings import sheet_copies
from bot.handlers.types import ALERT, EDIT, NOTICE, Button, Incoming, Reply, cards, quoting, rows, to_chat
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.common import approvals_mode
from bot.services.errors import NotFound
from bot.services.meetings import LeaveView

#: Reasons offered when a member presses 请假 (catalog keys, in button order).
LEAVE_REASONS = ("meeting.reason.ill", "meeting.reason.work", "meeting.reason.family", "meeting.reason.other")


def leave_key(request_id: int) -> str:
    """The key every copy of a leave request's card is posted under."""
    return f"leave:{request_id}"


def leave_text(view: LeaveView) -> str:
    lines = [
        t("leave.card.title", id=view.id),
        t("leave.card.member", name=view.member),
        t("leave.card.meeting", name=MEETING_TYPES.get(view.kind, view.kind), date=view.held_on),
        t("leave.card.reason", reason=view.reason),
        t(f"leave.status.{view.status}", by=view.decider or ""),
    ]
    return "\n".join(lines)


def leave_buttons(view: LeaveView) -> tuple[tuple[Button, ...], ...]:
    if view.status != "pending":
        return ()
    return (
        (
            Button(t("leave.button.approve"), f"y:{view.id}:1"),
            Button(t("leave.button.refuse"), f"y:{view.id}:0"),
        ),
    )


async def ask(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``l:<meeting>``: the reasons to pick from (nothing is filed before the pick)."""
    sheet = await deps.meetings.sheet(int(args), deps.now())
    person = await deps.chat.person(inc.platform, inc.user, sheet.branch_id)
    if person is None:
        return [Reply(t("chat.not_linked"), to=ALERT)]
    if sheet.closed:
        return [Reply(t("meeting.closed", name=MEETING_TYPES.get(sheet.kind, sheet.kind)), to=ALERT)]
    picks = [Button(t(key), f"v:{sheet.meeting_id}:{n}") for n, key in enumerate(LEAVE_REASONS)]
    return [Reply(t("meeting.leave_pick", name=person.name), rows(picks), quoting(inc.message))]


async def file(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``v:<meeting>:<n>``: whoever presses files their own request with reason n."""
    meeting_id, _, pick = args.partition(":")
    sheet = await deps.meetings.sheet(int(meeting_id), deps.now())
    person = await deps.chat.person(inc.platform, inc.user, sheet.branch_id)
    if person is None:
        return [Reply(t("chat.not_linked"), to=ALERT)]
    reason = t(LEAVE_REASONS[int(pick)])
    view, earlier = await deps.meetings.request_leave(sheet.meeting_id, person.actor, reason, deps.now())
    if view is None or earlier is not None:
        said = (
            t("meeting.leave_asked")
            if earlier == "requested"
            else t("meeting.already", status=t(f"meeting.status.{earlier}"))
        )
        return [Reply(said, to=ALERT)]
    sheet = await deps.meetings.sheet(sheet.meeting_id, deps.now())
    replies = [
        Reply(t("meeting.leave_sent", name=person.name, reason=reason), to=EDIT),
        sheet_copies(sheet),
    ]
    branch = await deps.chat.branch(sheet.branch_id)
    text, buttons, key = leave_text(view), leave_buttons(view), leave_key(view.id)
    if approvals_mode(branch.settings) == "group" and sheet.chat:
        return [*replies, Reply(text, buttons, to_chat(sheet.chat), key)]
    approvers = await deps.chat.approvers(branch, inc.platform)
    return [*replies, *(Reply(text, buttons, to_chat(a), key) for a in approvers if a != inc.user)]


async def decide(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``y:<request>:1|0``: approve or refuse (approvers only, never one's own; once)."""
    request_id, _, choice = args.partition(":")
    if choice not in ("0", "1"):
        raise ValueError(choice)
    view = await deps.meetings.leave(int(request_id))
    person = await deps.chat.person(inc.platform, inc.user, view.branch_id)
    if person is None:
        raise NotFound("chat.not_linked_press")
    with as_approver():
        view, changed = await deps.meetings.decide_leave(view.id, person.actor, choice == "1", deps.now())
    card = Reply(leave_text(view), leave_buttons(view), EDIT if inc.pressed else quoting(inc.message))
    if not changed:
        return [card, Reply(t("leave.already", status=t(f"leave.word.{view.status}")), to=ALERT)]
    sheet = await deps.meetings.sheet(view.meeting_id, deps.now())
    accounts = await deps.chat.accounts([view.member_id], inc.platform)
    told = (
        [Reply(leave_text(view), to=to_chat(accounts[view.member_id]))] if view.member_id in accounts else []
    )
    return [
        card,
        Reply(card.text, to=cards(leave_key(view.id))),
        Reply(t(f"leave.done.{view.status}"), to=NOTICE),
        sheet_copies(sheet),
        *told,
    ]
