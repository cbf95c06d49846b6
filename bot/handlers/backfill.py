"""/backfill (补录): the sheet of a meeting held offline, recorded afterwards in a private chat.

``补录 主题党日 3月5日 缺席 张三 李四 请假 王五 线上 赵六`` records it at once (everyone else
expected is present). ``补录 主题党日 3月5日`` alone shows the roster on a card, a page at a
time: pressing a name cycles 到会 → 请假 → 缺席 (→ 线上 for a migrant member), 确认 records the
whole sheet. Buttons: ``bf:<offer>:m:<member>`` (cycle), ``bf:<offer>:p:<page>``, ``bf:<offer>:ok``,
``bf:<offer>:no``. Each member recorded absent is told privately, never in the group.
"""

from __future__ import annotations

import re

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
    Reply,
    Send,
    Show,
    ToMember,
)
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.backfill import PRESENT, Backfilled, Draft, Mark
from bot.services.errors import Invalid
from bot.services.meetings import meeting_kind

#: Members per page of the card.
PAGE = 8
#: The words that start a part of the text form, and the mark they give the names after them.
SECTIONS = {"到会": Mark("present"), "出席": Mark("present"), "请假": Mark("leave"), "缺席": Mark("absent"),
            "线上": Mark("present", True)}  # fmt: skip
_SPLIT = re.compile(r"[\s、,，;；]+")


def source_of(inc: Incoming) -> str:
    """Where a recording came from: the platform, the chat and the message."""
    return ":".join(p for p in (inc.platform, inc.chat, inc.message) if p)


async def backfill(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    person, branch = await located(inc, deps)
    if not inc.private:
        return [Send(ORIGIN, t("backfill.in_private"))]
    day, rest = parse_date(args, deps.today())
    words = [w for w in _SPLIT.split(rest) if w]
    if day is None or rest == args.strip() or not words:
        return [Send(ORIGIN, t("backfill.usage", known="、".join(MEETING_TYPES.values())))]
    kind = meeting_kind(words[0]) or words[0]
    if len(words) == 1:
        draft = await deps.backfill.start(branch.id, person.actor, kind, day, deps.today())
        return [Send(ORIGIN, sheet_card(draft))]
    named = _named(words[1:])
    done = await deps.backfill.record_named(
        branch.id, person.actor, kind, day, named, source_of(inc), deps.today()
    )
    return [Send(ORIGIN, done_card(done)), *absent_notices(done, person.name)]


def _named(words: list[str]) -> dict[str, Mark]:
    """Names by mark from ``缺席 张三 李四 请假 王五``; a name before any mark or under two is refused."""
    named: dict[str, Mark] = {}
    mark: Mark | None = None
    for word in words:
        if word in SECTIONS:
            mark = SECTIONS[word]
        elif mark is None:
            raise Invalid("backfill.no_section", word=word)
        elif named.get(word, mark) != mark:
            raise Invalid("backfill.twice", name=word)
        else:
            named[word] = mark
    return named


def word_of(mark: Mark) -> str:
    return t("backfill.word.online") if mark.online else t(f"backfill.word.{mark.status}")


def _names(names: tuple[str, ...]) -> str:
    return "、".join(names) if names else t("meeting.nobody")


def sheet_card(draft: Draft) -> Card:
    """The card of a sheet being filled in: counts, this page's members as buttons, paging, 确认."""
    name = MEETING_TYPES.get(draft.kind, draft.kind)
    by: dict[str, list[str]] = {}
    for member in draft.roster:
        by.setdefault(word_of(draft.mark(member.member_id)), []).append(member.name)
    fields = tuple(
        Field(
            t("backfill.card.count", word=word, count=len(by.get(word, []))), _names(tuple(by.get(word, [])))
        )
        for word in dict.fromkeys((word_of(PRESENT), word_of(Mark("leave")), word_of(Mark("absent")), *by))
    )
    pages = max(1, -(-len(draft.roster) // PAGE))
    page = min(max(draft.page, 0), pages - 1)
    shown = draft.roster[page * PAGE : (page + 1) * PAGE]
    options = tuple(
        Action(t("backfill.button.member", name=m.name, word=word_of(draft.mark(m.member_id))), f"bf:{draft.id}:m:{m.member_id}")
        for m in shown
    )  # fmt: skip
    actions = []
    if page > 0:
        actions.append(Action(t("backfill.button.previous"), f"bf:{draft.id}:p:{page - 1}"))
    if page < pages - 1:
        actions.append(Action(t("backfill.button.next"), f"bf:{draft.id}:p:{page + 1}"))
    actions += [
        Action(t("backfill.button.confirm"), f"bf:{draft.id}:ok"),
        Action(t("backfill.button.cancel"), f"bf:{draft.id}:no"),
    ]
    prompt = t("backfill.card.prompt", page=page + 1, pages=pages)
    title = t("backfill.card.title", name=name, date=draft.day.isoformat())
    return Card(
        title, fields, t("backfill.card.note"), actions=tuple(actions), choice=Choice(prompt, options)
    )


def done_card(done: Backfilled) -> Card:
    present = tuple(t("meeting.online_name", name=n) if n in done.online else n for n in done.present)
    fields = (
        Field(t("meeting.present", count=len(present)), _names(present)),
        Field(t("meeting.leave", count=len(done.leave)), _names(done.leave)),
        Field(t("meeting.absent", count=len(done.absent)), _names(done.absent)),
    )
    note = t("backfill.told") if done.absent else ""
    return Card(
        t("backfill.done", name=done.name, date=done.day.isoformat(), id=done.meeting_id), fields, note
    )


def absent_notices(done: Backfilled, by: str) -> list[Reply]:
    """Each member recorded absent is told privately, with the rule that scores it and how to object."""
    rules = "；".join(
        t("records.rule", name=i.name, points=number(i.default_points), clause=i.clause or i.code)
        for i in done.rules
    )
    text = t("backfill.told_absent", name=done.name, date=done.day.isoformat(), by=by)
    text += ("\n" + t("records.rule_line", rules=rules) if rules else "") + "\n" + t("records.object")
    return [Send(ToMember(m), text) for m in done.absent_ids]


def _next(draft: Draft, member_id: int) -> Mark:
    """The mark after the member's present one: 到会 → 请假 → 缺席 (→ 线上 for a migrant member)."""
    cycle = [PRESENT, Mark("leave"), Mark("absent")]
    member = next((m for m in draft.roster if m.member_id == member_id), None)
    if member is None:
        raise ValueError(member_id)  # a button not made for this sheet
    if member.migrant and draft.online_open:
        cycle.append(Mark("present", True))
    here = draft.mark(member_id)
    return cycle[(cycle.index(here) + 1) % len(cycle)] if here in cycle else PRESENT


async def press(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``bf:<offer>:<m|p|ok|no>[:<arg>]``: only the person who started the sheet may press."""
    offer_text, op, *rest = args.split(":")
    offer_id = int(offer_text)
    backfills = deps.backfill
    person = await deps.chat.person(inc.platform, inc.user, await backfills.branch_of_sheet(offer_id))
    if op == "ok":
        done = await backfills.confirm(offer_id, person.actor, source_of(inc), deps.today())
        return [Answer(t("backfill.recorded")), Show(done_card(done)), *absent_notices(done, person.name)]
    if op == "no":
        await backfills.cancel(offer_id, person.member_id)
        return [Answer(""), Show(t("backfill.cancelled"))]
    draft = await backfills.draft(offer_id, person.member_id)
    if op == "m":
        member_id = int(rest[0])
        marks = {**draft.marks, member_id: _next(draft, member_id)}
        draft = await backfills.keep(offer_id, person.member_id, marks, draft.page)
    elif op == "p":
        draft = await backfills.keep(offer_id, person.member_id, draft.marks, int(rest[0]))
    else:
        raise ValueError(op)
    return [Answer(""), Show(sheet_card(draft))]
