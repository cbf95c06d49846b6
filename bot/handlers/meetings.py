"""/meeting TYPE [minutes] (发起签到): a sign-in card with 签到 / 请假 (and 线上参加); when the
window closes (on the bot's clock, or early with /close 结束签到), the branch's group is told who
was present, on leave and absent. Leave itself is asked for and decided in ``leave.py``."""

from __future__ import annotations

import re

from bot.handlers.context import Deps, located
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
)
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.meetings import MAX_MINUTES, Sheet, meeting_kind
from bot.storage.timeutil import to_local

DEFAULT_MINUTES = 30
_MINUTES = re.compile(r"^(\d+)\s*(分钟|分|min|mins|minutes)?$|^(\d+)\s*(个)?小时$")


def minutes_of(word: str) -> int | None:
    """``30``, ``30分钟`` or ``1小时`` as minutes; None for anything else."""
    found = _MINUTES.match(word.strip())
    if found is None:
        return None
    return int(found.group(1)) if found.group(1) else int(found.group(3)) * 60


def _names(names: tuple[str, ...]) -> str:
    return "、".join(names) if names else t("meeting.nobody")


def sheet_key(meeting_id: int) -> str:
    """The key every copy of a meeting's sign-in card is posted under."""
    return f"meeting:{meeting_id}"


def sheet_card(sheet: Sheet, *, keyed: bool = True) -> Card:
    """The sign-in sheet as it stands; ``keyed`` False for the closing report (a message of its own)."""
    name = MEETING_TYPES.get(sheet.kind, sheet.kind)
    present = tuple(t("meeting.online_name", name=n) if n in sheet.online else n for n in sheet.present)
    fields = [
        Field(t("meeting.present", count=len(present)), _names(present)),
        Field(t("meeting.leave", count=len(sheet.leave)), _names(sheet.leave)),
    ]
    if sheet.requested:
        fields.append(Field(t("meeting.requested", count=len(sheet.requested)), _names(sheet.requested)))
    actions: tuple[Action, ...] = ()
    if sheet.closed:
        fields.append(Field(t("meeting.absent", count=len(sheet.absent)), _names(sheet.absent)))
        title, note = t("meeting.report", name=name, date=sheet.held_on), ""
    else:
        title = t("meeting.card", name=name, date=sheet.held_on)
        note = t("meeting.closes", time=to_local(sheet.closes).strftime("%H:%M"))
        actions = sheet_actions(sheet)
    return Card(
        title, tuple(fields), note, actions=actions, key=sheet_key(sheet.meeting_id) if keyed else None
    )


def sheet_actions(sheet: Sheet) -> tuple[Action, ...]:
    buttons = (
        Action(t("meeting.button.present"), f"s:{sheet.meeting_id}"),
        Action(t("meeting.button.leave"), f"l:{sheet.meeting_id}"),
    )
    if not sheet.online_open:
        return buttons
    return (*buttons, Action(t("meeting.button.online"), f"o:{sheet.meeting_id}"))


def already(earlier: str) -> str:
    """What a member is told who already has something for the meeting: an attendance status
    (``present``, ...) or ``requested`` (a leave request awaiting its decision)."""
    if earlier == "requested":
        return t("meeting.leave_asked")
    return t("meeting.already", status=t(f"meeting.status.{earlier}"))


def closed(sheet: Sheet) -> list[Reply]:
    """A closed sheet: every copy of its card shows the outcome, and the branch's group is told."""
    return [Refresh(sheet_card(sheet)), Send(ToGroup(sheet.branch_id), sheet_card(sheet, keyed=False))]


async def open_meeting(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if inc.private:
        return [Send(ORIGIN, t("meeting.in_group"))]
    person, branch = await located(inc, deps)
    words = args.split()
    if not words:
        return [Send(ORIGIN, t("meeting.usage", known="、".join(MEETING_TYPES.values())))]
    minutes = minutes_of(" ".join(words[1:])) if len(words) > 1 else DEFAULT_MINUTES
    if minutes is None:  # never a silent 30 minutes in place of what was written
        return [Send(ORIGIN, t("newuser.bad_minutes", value=" ".join(words[1:]), most=MAX_MINUTES))]
    kind = meeting_kind(words[0]) or words[0]
    earlier = await deps.meetings.earlier_today(branch.id, kind, deps.now()) if kind in MEETING_TYPES else []
    if earlier:  # the same meeting twice on one day is more often a slip than a second meeting
        last = earlier[-1]
        prompt = t(
            "newuser.meeting_again", count=len(earlier), name=MEETING_TYPES[kind], id=last.meeting_id,
            time=to_local(last.closes).strftime("%H:%M"),
        )  # fmt: skip
        options = (
            Action(t("newuser.meeting_again_yes"), f"m:{kind}:{minutes}"), Action(t("newuser.meeting_again_no"), "m:-"),
        )  # fmt: skip
        return [Send(ORIGIN, Card(prompt, choice=Choice(prompt, options)))]
    sheet = await deps.meetings.open(
        branch.id, person.actor, kind, minutes, deps.now(), inc.platform, inc.chat
    )
    return [Send(ORIGIN, sheet_card(sheet))]


async def open_again(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``m:<type>:<minutes>``: open a second sign-in of a type on the same day, confirmed;
    ``m:-`` cancels. The service checks who may open one."""
    kind, _, minutes = args.partition(":")
    if kind == "-":
        return [Show(t("newuser.meeting_cancelled"))]
    person, branch = await located(inc, deps)
    sheet = await deps.meetings.open(
        branch.id, person.actor, kind, int(minutes), deps.now(), inc.platform, inc.chat
    )
    return [
        Show(t("newuser.meeting_again_done", name=MEETING_TYPES.get(kind, kind))),
        Send(ORIGIN, sheet_card(sheet)),
    ]


async def close_meeting(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/close`` (结束签到): close the branch's open sign-in now, as the clock would at its end."""
    person, branch = await located(inc, deps)
    sheet = await deps.meetings.close_now(branch.id, person.actor, deps.now())
    return closed(sheet)


async def _attend(inc: Incoming, deps: Deps, args: str, status: str, *, online: bool = False) -> list[Reply]:
    sheet = await deps.meetings.sheet(int(args), deps.now())
    person = await deps.chat.person(inc.platform, inc.user, sheet.branch_id)
    sheet, earlier = await deps.meetings.attend(
        sheet.meeting_id, person.member_id, status, deps.now(), online=online
    )
    if earlier is not None:
        return [Answer(already(earlier), alert=True)]
    done = "meeting.done.online" if online else f"meeting.done.{status}"
    return [Answer(t(done)), Refresh(sheet_card(sheet))]


def as_said(replies: list[Reply], name: str) -> list[Reply]:
    """A button's replies for the same thing typed: its answer becomes a message naming the writer."""
    return [
        Send(ORIGIN, t("newuser.said", name=name, text=r.text)) if isinstance(r, Answer) else r
        for r in replies
    ]


async def sign_in_typed(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``签到`` typed while the branch's sign-in is open: the same as its 签到 button."""
    person, branch = await located(inc, deps)
    sheet = await deps.meetings.open_sheet(branch.id, deps.now())
    if sheet is None:
        return [Send(ORIGIN, t("newuser.no_sign_in"))]
    return as_said(await _attend(inc, deps, str(sheet.meeting_id), "present"), person.name)


async def sign_in(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``s:<meeting>``: 签到."""
    return await _attend(inc, deps, args, "present")


async def sign_in_online(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``o:<meeting>``: 线上参加, for a migrant member away from home (when the branch allows it);
    it does not count as a return (回村/回居参加组织生活)."""
    return await _attend(inc, deps, args, "present", online=True)
