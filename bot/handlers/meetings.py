"""/meeting TYPE [minutes] (发起签到): a sign-in card with 签到 / 请假 (and 线上参加); when the
window closes, the tick posts who was present, on leave and absent. Leave itself is asked for
and decided in ``leave.py``."""

from __future__ import annotations

from bot.handlers.context import Deps, located
from bot.handlers.types import ALERT, EDIT, NOTICE, Button, Incoming, Reply, cards, quoting, to_chat
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.meetings import Sheet, meeting_kind
from bot.storage.timeutil import to_local

DEFAULT_MINUTES = 30


def _names(names: tuple[str, ...]) -> str:
    return "、".join(names) if names else t("meeting.nobody")


def sheet_text(sheet: Sheet) -> str:
    name = MEETING_TYPES.get(sheet.kind, sheet.kind)
    if sheet.closed:
        head = [t("meeting.report", name=name, date=sheet.held_on)]
    else:
        head = [
            t("meeting.card", name=name, date=sheet.held_on),
            t("meeting.closes", time=to_local(sheet.closes).strftime("%H:%M")),
        ]
    present = tuple(t("meeting.online_name", name=n) if n in sheet.online else n for n in sheet.present)
    lines = [t("meeting.present", count=len(present), names=_names(present))]
    lines.append(t("meeting.leave", count=len(sheet.leave), names=_names(sheet.leave)))
    if sheet.requested:
        lines.append(t("meeting.requested", count=len(sheet.requested), names=_names(sheet.requested)))
    if sheet.closed:
        lines.append(t("meeting.absent", count=len(sheet.absent), names=_names(sheet.absent)))
    return "\n".join(head + lines)


def sheet_buttons(sheet: Sheet) -> tuple[tuple[Button, ...], ...]:
    if sheet.closed:
        return ()
    buttons = (
        Button(t("meeting.button.present"), f"s:{sheet.meeting_id}"),
        Button(t("meeting.button.leave"), f"l:{sheet.meeting_id}"),
    )
    if not sheet.online_open:
        return (buttons,)
    return (buttons, (Button(t("meeting.button.online"), f"o:{sheet.meeting_id}"),))


def sheet_key(meeting_id: int) -> str:
    """The key every copy of a meeting's sign-in card is posted under."""
    return f"meeting:{meeting_id}"


def sheet_copies(sheet: Sheet) -> Reply:
    """The sheet as it stands now, on every copy of its card."""
    return Reply(sheet_text(sheet), sheet_buttons(sheet), cards(sheet_key(sheet.meeting_id)))


async def open_meeting(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if inc.private:
        return [Reply(t("meeting.in_group"), to=quoting(inc.message))]
    person, branch = await located(inc, deps)
    words = args.split()
    if not words:
        return [Reply(t("meeting.usage", known="、".join(MEETING_TYPES.values())), to=quoting(inc.message))]
    minutes = int(words[1]) if len(words) > 1 and words[1].isdigit() else DEFAULT_MINUTES
    kind = meeting_kind(words[0]) or words[0]
    sheet = await deps.meetings.open(
        branch.id, person.actor, kind, minutes, deps.now(), inc.platform, inc.chat
    )
    return [Reply(sheet_text(sheet), sheet_buttons(sheet), quoting(inc.message), sheet_key(sheet.meeting_id))]


async def _attend(inc: Incoming, deps: Deps, args: str, status: str, *, online: bool = False) -> list[Reply]:
    sheet = await deps.meetings.sheet(int(args), deps.now())
    person = await deps.chat.person(inc.platform, inc.user, sheet.branch_id)
    if person is None:
        return [Reply(t("chat.not_linked"), to=ALERT)]
    sheet, earlier = await deps.meetings.attend(
        sheet.meeting_id, person.member_id, status, deps.now(), online=online
    )
    if earlier is not None:
        return [Reply(t("meeting.already", status=t(f"meeting.status.{earlier}")), to=ALERT)]
    done = "meeting.done.online" if online else f"meeting.done.{status}"
    return [Reply(sheet_text(sheet), sheet_buttons(sheet), EDIT), Reply(t(done), to=NOTICE)]


async def sign_in(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``s:<meeting>``: 签到."""
    return await _attend(inc, deps, args, "present")


async def sign_in_online(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``o:<meeting>``: 线上参加, for a migrant member away from home (when the branch allows it);
    it does not count as a return (回村/回居参加组织生活)."""
    return await _attend(inc, deps, args, "present", online=True)


async def tick(deps: Deps, platform: str) -> list[Reply]:
    """Close the windows that have ended; one report per meeting, to the chat it was opened in."""
    closed = await deps.meetings.close_due(deps.now(), platform)
    replies = []
    for sheet in closed:  # the card shows the outcome, and a new message tells the group
        replies += [
            sheet_copies(sheet),
            Reply(sheet_text(sheet), to=to_chat(sheet.chat)),
        ]
    return replies
