"""公示 and 异议 in the chat: the publicity post and each member's own result (posted by the
clock), 有异议 / ``异议 原因``, the secretary's objection card (维持 / 更正), ``异议处理``,
``重新开放`` and ``/calendar`` (日程). Every check is in ``bot/services/publicity.py``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.parse import parse_date
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
from bot.scoring.model import MEETING_TYPES, Publicity
from bot.services.common import Actor
from bot.services.ledger import EntryLine
from bot.services.meetings import meeting_kind
from bot.services.policy import BranchSettings, correctors, settings_of
from bot.services.publicity import (
    ObjectionView,
    Period,
    PublicityService,
    Window,
    period_containing,
    scheduled,
)
from bot.services.reminders import LAPSE_MONTHS, Reminder
from bot.services.schedule import Scheduled, ScheduleService
from bot.storage.timeutil import local_zone, show, to_local


def service(deps: Deps) -> PublicityService:
    return PublicityService(deps.chat.ctx)


def period_label(period: Period) -> str:
    year, kind = period.starts.year, period.kind
    if kind == "half":
        return t("pub.period.half1" if period.starts.month == 1 else "pub.period.half2", year=year)
    n = period.starts.month if kind == "month" else (period.starts.month - 1) // 3 + 1
    return t(f"pub.period.{kind}", year=year, n=n)


def closing_of(window: Window) -> str:
    """The window's last moment as people read it (the day before midnight, 24:00)."""
    return to_local(window.closes_at - timedelta(minutes=1)).strftime("%Y-%m-%d 24:00")


def grade_of(member: dict[str, Any]) -> str | None:
    if member.get("exempt"):
        return t("pub.exempt")
    if member.get("stars") is not None:
        return t("pub.stars", stars=member["stars"])
    grade = member.get("grade")
    return str(grade) if grade else None


def _board_value(window: Window, member: dict[str, Any]) -> str:
    if window.show == "grades":
        return grade_of(member) or t("pub.no_grade")
    if member.get("exempt"):
        return t("pub.exempt")
    score = number(member.get("score"))
    if window.ranks and member.get("rank") is not None:
        return t("pub.score_rank", score=score, rank=member["rank"])
    return t("pub.score", score=score)


def post_card(window: Window, final: bool = False) -> Card:
    """The group's post: what the branch's ``publicity`` setting shows, when it closes, how to object."""
    members = (window.report.get("final", window.report) if final else window.report).get("members", [])
    fields = [Field(t("pub.count", count=len(members)), "")]
    if window.show in ("grades", "scores"):
        fields = [Field(m["name"], _board_value(window, m)) for m in members]
    stars = window.report.get("stars_of_period")
    if stars and window.show != "notice":
        fields.append(Field(t("pub.stars_of_period"), "、".join(stars)))
    lines = [t("pub.late", due=show(_due(window)))] if window.late else []
    lines += [t("pub.closes", time=closing_of(window)), t("pub.how_to_object")]
    if window.show == "notice":
        lines.append(t("pub.private_only"))
    actions = (Action(t("pub.button.object"), f"pb:{window.id}"),)
    return Card(t("pub.title", period=period_label(window.period)), tuple(fields), "\n".join(lines), actions=actions,
                key=f"publicity:{window.id}")  # fmt: skip


def _due(window: Window) -> datetime:
    due = window.report.get("due")
    return datetime.fromisoformat(str(due)) if due else window.opens_at


def posted(window: Window, board: Sequence[Reply] = ()) -> list[Reply]:
    """The publicity post in the group, the pages of its board (``board``, drawn before), and each
    member's own result privately."""
    replies: list[Reply] = [Send(ToGroup(window.branch_id), post_card(window)), *board]
    label, closing = period_label(window.period), closing_of(window)
    for m in window.report.get("members", []):
        grade = grade_of(m)
        part = t("pub.grade_part", grade=grade) if grade else ""
        if window.period.kind == "year":
            text = t("pub.mine_year", period=label, score=number(m.get("score")), grade=part, time=closing)
        else:
            text = t("pub.mine", period=label, score=number(m.get("score")), ytd=number(m.get("ytd")), grade=part,
                     time=closing)  # fmt: skip
        replies.append(Send(ToMember(int(m["id"])), text))
    return replies


def finalized(window: Window) -> list[Reply]:
    count = len(window.report.get("final", {}).get("members", []))
    return [Send(ToGroup(window.branch_id), t("pub.final", period=period_label(window.period), count=count))]


# -- objections ------------------------------------------------------------------------------


def _entry_text(e: EntryLine) -> str:
    return t("pub.card.entry", id=e.id, date=e.day.isoformat(), name=e.name, points=number(e.points))


def objection_card(view: ObjectionView, *, buttons: bool = True) -> Card:
    entries = "\n".join(_entry_text(e) for e in view.entries) or t("pub.card.no_entries")
    fields = [
        Field(t("pub.card.member"), view.member),
        Field(t("pub.card.period"), period_label(view.window.period)),
        Field(t("pub.card.text"), view.text),
        Field(t("pub.card.entries"), entries),
        Field(t("pub.card.status"), _status(view)),
    ]
    open_ = view.status == "open"
    actions = (
        (Action(t("pub.button.uphold"), f"pk:{view.id}"), Action(t("pub.button.fix"), f"pf:{view.id}"))
        if open_ and buttons
        else ()
    )
    title = t("pub.objection_title", id=view.id, member=view.member, period=period_label(view.window.period))
    note = t("pub.card.note", id=view.id) if open_ and buttons else ""
    return Card(title, tuple(fields), note, actions=actions, key=f"objection:{view.id}" if buttons else None)


def _status(view: ObjectionView) -> str:
    if view.status == "open":
        return t("pub.status.open")
    if view.status == "upheld":
        return t("pub.status.upheld", by=view.decider or "", reason=view.resolution or "")
    return t("pub.status.corrected", entry=view.entry_id, by=view.decider or "", reason=view.resolution or "")


async def object_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``pb:<window>`` (有异议): tell the presser privately how to state the objection."""
    window = await service(deps).window(int(args))
    person = await deps.chat.person(inc.platform, inc.user, window.branch_id)
    prompt = t("pub.object_prompt", period=period_label(window.period), time=closing_of(window))
    return [Answer(t("pub.object_toast")), Send(ToMember(person.member_id), prompt)]


async def object_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``异议 [期间] 原因``: an objection to one's own result; the secretary gets the card."""
    person, branch = await located(inc, deps)
    first, _, rest = args.partition(" ")
    period = first if first[:4].isdigit() and rest.strip() else None
    text = rest if period else args
    view = await service(deps).object(branch.id, person.member_id, text, deps.now(), period=period)
    roles = correctors(deps.chat.scheme(branch))
    return [
        Send(
            ToMember(person.member_id) if not inc.private else ORIGIN,
            t("pub.objected", id=view.id, text=view.text),
        ),
        Send(ToRoles(branch.id, roles, exclude=person.member_id), objection_card(view)),
    ]


async def uphold_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``pk:<objection>`` (维持): the result stands, with the preset reason."""
    return await _decide(inc, deps, int(args), t("pub.upheld_reason"), None)


async def fix_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``pf:<objection>`` shows the member's entries of the period; ``pf:<objection>:<entry>``
    reverses that entry and decides the objection (corrected)."""
    objection_id, _, entry = args.partition(":")
    if entry:
        return await _decide(inc, deps, int(objection_id), t("pub.fixed_reason"), int(entry))
    view = await _checked(inc, deps, int(objection_id))
    if view.status != "open":
        return [Refresh(objection_card(view)), Answer(t("pub.already_decided", id=view.id), alert=True)]
    standing = [e for e in view.entries if e.reverses is None and e.reversed_by is None]
    options = tuple(Action(_entry_text(e), f"pf:{view.id}:{e.id}") for e in standing)
    options = (*options, Action(t("pub.button.back"), f"pv:{view.id}"))
    return [Show(Card(objection_card(view).title, choice=Choice(t("pub.pick_entry"), options)))]


async def back_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``pv:<objection>``: show the objection card again."""
    return [Show(objection_card(await _checked(inc, deps, int(args))))]


async def decide_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``异议处理 编号 维持 理由`` or ``异议处理 编号 更正 记分编号 理由``."""
    parts = args.split(maxsplit=2)
    if len(parts) < 2 or not parts[0].isdigit() or parts[1] not in ("维持", "更正", "keep", "fix"):
        return [Send(ORIGIN, t("pub.decide_usage"))]
    if parts[1] in ("维持", "keep"):
        reason = parts[2] if len(parts) > 2 else ""
        return await _decide(inc, deps, int(parts[0]), reason, None)
    entry, _, reason = (parts[2] if len(parts) > 2 else "").partition(" ")
    if not entry.lstrip("#").isdigit():
        return [Send(ORIGIN, t("pub.decide_usage"))]
    return await _decide(inc, deps, int(parts[0]), reason, int(entry.lstrip("#")))


async def _checked(inc: Incoming, deps: Deps, objection_id: int) -> ObjectionView:
    view = await service(deps).objection(objection_id)
    person = await deps.chat.person(inc.platform, inc.user, view.window.branch_id)
    return await service(deps).check_decider(objection_id, person.actor)


async def _decide(
    inc: Incoming, deps: Deps, objection_id: int, reason: str, entry: int | None
) -> list[Reply]:
    view = await service(deps).objection(objection_id)
    person = await deps.chat.person(inc.platform, inc.user, view.window.branch_id)
    decided = await service(deps).decide(objection_id, person.actor, reason, deps.now(), entry)
    card = objection_card(decided)
    if not decided.changed:
        said = t("pub.already_decided", id=decided.id)
        return [Refresh(card), Answer(said, alert=True) if inc.pressed else Send(ORIGIN, said)]
    label = period_label(decided.window.period)
    if decided.status == "upheld":
        told = t("pub.told.upheld", period=label, id=decided.id, reason=decided.resolution)
    else:
        name = next((e.name for e in decided.entries if e.id == decided.entry_id), "")
        told = t("pub.told.corrected", period=label, id=decided.id, entry=decided.entry_id, name=name,
                 reason=decided.resolution)  # fmt: skip
    done = t("pub.decided", id=decided.id)
    return [
        Refresh(card),
        Answer(done) if inc.pressed else Send(ORIGIN, done),
        Send(ToMember(decided.member_id), told),
    ]


# -- the secretary's calendar ----------------------------------------------------------------


async def reopen_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``重新开放 期间 理由`` (/reopen): the secretary reopens a final period."""
    person, branch = await located(inc, deps)
    period, _, reason = args.partition(" ")
    if not period[:4].isdigit():
        return [Send(ORIGIN, t("pub.reopen_usage"))]
    window = await service(deps).reopen(person.actor, branch.id, period, reason, deps.now())
    label, closing = period_label(window.period), closing_of(window)
    return [
        Send(ORIGIN, t("pub.reopened", period=label, time=closing)),
        Send(ToGroup(branch.id), t("pub.reopened_group", period=label, reason=reason.strip(), time=closing)),
    ]


#: ``日程 <what> <value>``: the setting each word changes, and the words for its values.
CALENDAR_WORDS = {"公示": "publicity", "主题党日": "theme_day", "党费": "dues_day", "待审核": "pending_days",
                  "脱党审查": "review_alerts", "回村提醒": "returns_alerts", "整改提醒": "followup_alerts"}  # fmt: skip
VALUE_WORDS: dict[str, object] = {
    "通知": "notice",
    "等次": "grades",
    "得分": "scores",
    "开": True,
    "关": None,
}


def _calendar_change(args: str) -> dict[str, object] | None:
    """The change ``日程 主题党日 5`` asks for (``0`` or ``关`` turns a reminder off); None if unreadable."""
    parts = args.split()
    if len(parts) != 2 or parts[0] not in CALENDAR_WORDS:
        return None
    key, word = CALENDAR_WORDS[parts[0]], parts[1]
    value: object = (int(word) or None) if word.isdigit() else VALUE_WORDS.get(word, word)
    if key in ("review_alerts", "returns_alerts", "followup_alerts"):
        value = value is True
    return {key: value}


async def calendar_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/calendar`` (日程): the branch's publicity periods, the next posting, its windows and its
    reminders; ``日程 主题党日 5`` and the like change them (the secretary)."""
    person, branch = await located(inc, deps)
    settings = settings_of(branch)
    if args.split()[:1] == ["会议"]:
        return await _schedule_meeting(inc, deps, person.actor, branch.id, args.split()[1:])
    if args.strip():
        change = _calendar_change(args)
        if change is None:
            return [Send(ORIGIN, t("pub.calendar_usage"))]
        settings = await service(deps).set_calendar(person.actor, branch.id, change)
    windows = await service(deps).windows(branch.id)
    meetings = await ScheduleService(deps.chat.ctx).upcoming(branch.id, deps.now())
    evaluation = await deps.evaluation.running(branch.id) if deps.evaluation is not None else None
    card = calendar_card(
        branch.name, deps.chat.scheme(branch).publicity, windows, deps.now(), settings, meetings, evaluation
    )
    return [Send(ORIGIN, card)]


_CLOCK = re.compile(r"^(\d{1,2})[:：点](\d{2})?分?$")


def _meeting_time(words: list[str], today: date) -> tuple[str | None, datetime | None]:
    """``支部党员大会 3月15日 19:00``: the meeting type and when it begins (None where unreadable)."""
    kind = meeting_kind(words[0]) if words else None
    clock = _CLOCK.match(words[-1]) if len(words) >= 3 else None
    day, _rest = parse_date(" ".join(words[1:-1]), today) if clock else (None, "")
    if clock is None or day is None or int(clock.group(1)) > 23:
        return kind, None
    at = datetime.combine(day, time(int(clock.group(1)), int(clock.group(2) or 0)), tzinfo=local_zone())
    return kind, at


async def _schedule_meeting(
    inc: Incoming, deps: Deps, actor: Actor, branch_id: int, words: list[str]
) -> list[Reply]:
    """``日程 会议 支部党员大会 3月15日 19:00``: schedule a meeting; the group is told and reminded."""
    kind, at = _meeting_time(words, deps.today())
    if kind is None or at is None:
        return [Send(ORIGIN, t("sched.usage", known="、".join(MEETING_TYPES.values())))]
    meeting = await ScheduleService(deps.chat.ctx).schedule(actor, branch_id, kind, at, deps.now())
    said = t("sched.done", name=meeting.title, time=show(meeting.at))
    return [
        Send(ORIGIN, said),
        Send(ToGroup(branch_id), t("sched.group", name=meeting.title, time=show(meeting.at))),
    ]


def calendar_card(
    name: str,
    rules: Publicity,
    windows: list[Window],
    now: datetime,
    settings: BranchSettings,
    meetings: Sequence[Scheduled] = (),
    evaluation: tuple[int, date] | None = None,
) -> Card:
    """The branch's calendar: what it publishes and for how long, the next posting, the latest
    windows, its reminders, the meetings to come and the democratic evaluation being held (its
    year and deadline)."""
    periods = "、".join(t(f"pub.kind.{k}") for k in dict.fromkeys(rules.periods))
    working = t("pub.calendar_working") if rules.working_days else ""
    fields = [
        Field(t("pub.calendar_publicity", periods=periods, days=rules.window_days, working=working), "")
    ]
    today = to_local(now).date()
    upcoming = min((period_containing(k, today) for k in rules.periods), key=scheduled, default=None)
    if upcoming is not None:
        fields.append(Field(t("pub.calendar_next"), f"{period_label(upcoming)} {show(scheduled(upcoming))}"))
    lines = []
    for w in windows[-8:]:
        if w.final_at is not None:
            state = t("pub.calendar_final", time=show(w.final_at))
        elif w.closes_at > now:
            state = t("pub.calendar_open", time=closing_of(w))
        else:
            state = t("pub.calendar_waiting")
        lines.append(t("pub.calendar_window", period=period_label(w.period), state=state))
    fields.append(Field(t("pub.calendar_windows"), "\n".join(lines) or t("pub.calendar_none")))
    fields.append(reminders_field(settings))
    coming = [t("sched.line", name=m.title, time=show(m.at)) for m in meetings]
    fields.append(Field(t("sched.calendar"), "\n".join(coming) or t("sched.none")))
    if evaluation is not None:
        year, deadline = evaluation
        line = t("pub.calendar_evaluation_line", deadline=deadline.isoformat())
        fields.append(Field(t("pub.calendar_evaluation", year=year), line))
    return Card(t("pub.calendar_title", branch=name), tuple(fields))


# -- reminders -------------------------------------------------------------------------------


def reminded(reminder: Reminder, pending_days: int | None = None) -> list[Reply]:
    """A reminder: to the group, or (claims pending too long) to the approvers privately."""
    if reminder.kind == "pending":
        text = t("remind.pending", count=reminder.count, days=pending_days)
        return [Send(ToRoles(reminder.branch_id, reminder.roles), text)]
    if reminder.kind == "dues_missed":
        text = t(
            "alert.dues_missed",
            month=f"{reminder.day:%Y-%m}",
            count=reminder.count,
            names="、".join(reminder.names),
        )
        return [Send(ToRoles(reminder.branch_id, reminder.roles), text)]
    if reminder.kind in ("warning", "rectify", "two_cycles"):
        text = t(f"alert.{reminder.kind}", year=reminder.count, names="、".join(reminder.names))
        return [Send(ToRoles(reminder.branch_id, reminder.roles), text)]
    if reminder.kind == "returns":
        text = t("alert.returns", required=reminder.count, names="、".join(reminder.names))
        return [Send(ToRoles(reminder.branch_id, reminder.roles), text)]
    if reminder.kind == "lapse":
        lines = [t("alert.lapse", months=LAPSE_MONTHS)]
        if reminder.names:
            lines.append(t("alert.lapse_life", names="、".join(reminder.names)))
        if reminder.names_dues:
            lines.append(t("alert.lapse_dues", names="、".join(reminder.names_dues)))
        return [Send(ToRoles(reminder.branch_id, reminder.roles), "\n".join(lines))]
    if reminder.kind in ("meeting_eve", "meeting_soon") and reminder.at is not None:
        text = t(f"remind.{reminder.kind}", name=reminder.names[0], time=show(reminder.at))
        return [Send(ToGroup(reminder.branch_id), text)]
    if reminder.kind == "dues":
        return [Send(ToGroup(reminder.branch_id), t("remind.dues", month=f"{reminder.day:%Y-%m}"))]
    return [Send(ToGroup(reminder.branch_id), t(f"remind.{reminder.kind}", date=reminder.day.isoformat()))]


def reminders_field(settings: BranchSettings) -> Field:
    def day(value: int | None) -> str:
        return t("remind.day_of_month", day=value) if value else t("remind.off")

    pending = t("remind.days", days=settings.pending_days) if settings.pending_days else t("remind.off")
    review = t("remind.on") if settings.review_alerts else t("remind.off")
    returns = t("remind.on") if settings.returns_alerts else t("remind.off")
    value = t("remind.calendar_value", theme=day(settings.theme_day), dues=day(settings.dues_day), pending=pending,
              review=review, returns=returns)  # fmt: skip
    return Field(t("remind.calendar"), value)
