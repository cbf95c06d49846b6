"""记分, 更正 and 积分明细: what the recorder and the secretary record for members, the correction
of an entry, and a member's entries with their numbers.

Recording and correcting happen in a private chat with the bot, so that nobody's deduction is
posted in the group; each member concerned is told privately, with the rule and how to object.
``积分明细`` asked in the group is answered privately too.

``记分 志愿服务 张三 李四 3月12日 清理河道`` names the item, the members, the date, the points (for
an item with a range) and the reason in any order. What it cannot settle is asked with buttons:
an item that several match, and the members when none (or a name shared by two) is given — a
roster to tick, then 确认. Each press uses up the card it pressed and shows the next one, so a
second press of the same button changes nothing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from bot.handlers.cards import claim_card, number, short_name
from bot.handlers.context import Deps, located
from bot.handlers.parse import arabic, match_item, parse_date, vague_date
from bot.handlers.types import (
    ORIGIN,
    Action,
    Card,
    Choice,
    Incoming,
    Reply,
    Send,
    Show,
    ToMember,
    ToOrigin,
    ToRoles,
)
from bot.i18n import t
from bot.scoring.model import Item, Scheme
from bot.services.chat import Person
from bot.services.common import Source
from bot.services.errors import Invalid
from bot.services.ledger import Batch, Correction, EntryLine, RecordBatch, Replacement
from bot.services.policy import approvers
from bot.storage.schema import Branch

#: How many entries ``积分明细`` shows (the latest).
ENTRIES_SHOWN = 40
_SPLIT = re.compile(r"[\s,，、;；]+")
_POINTS = re.compile(r"^(扣|减|加)?([+\-－]?\d+(?:\.\d+)?)分?$")
_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月份?$")
_NAMEISH = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


@dataclass
class Reading:
    """What a ``记分`` message says, as far as the text settles it."""

    item_text: str = ""
    members: list[int] = field(default_factory=list)
    #: Names the roster holds more than once: name -> the members of that name.
    ambiguous: dict[str, list[int]] = field(default_factory=dict)
    #: Words in the place of a name that are on no roster line, with the closest name if any.
    unknown: list[tuple[str, str | None]] = field(default_factory=list)
    day: date | None = None
    bad_date: str = ""
    points: float | None = None
    reason: str = ""


def _date_of(token: str, today: date) -> tuple[bool, date | None]:
    """Whether ``token`` is a date, and which (None: a date that does not exist, or no single
    day). A month alone (``3月``, ``三月``, ``2026年3月份``) is its first day: a recorded item
    of a month (dues) is dated so."""
    token = arabic(token)
    month = _MONTH.match(token)
    if month:
        year, m = int(month.group(1) or today.year), int(month.group(2))
        return True, date(year, m, 1) if 1 <= m <= 12 else None
    if vague_date(token) == token:
        return True, None
    day, rest = parse_date(token, today)
    if rest == token and day == today:  # parse_date found no date in it
        return False, None
    return (True, day) if not rest else (False, None)


def _points_of(token: str) -> float | None:
    found = _POINTS.match(token)
    if found is None:
        return None
    value = float(found.group(2).replace("－", "-"))
    return -abs(value) if found.group(1) in ("扣", "减") else value


def read_record(text: str, roster: list[tuple[int, str]], today: date) -> Reading:
    """Read a ``记分`` message: the item words first (or after the names), the members by their
    names on the roster, a date, points, and the rest as the reason."""
    by_name: dict[str, list[int]] = {}
    for member_id, name in roster:
        by_name.setdefault(name, []).append(member_id)
    reading = Reading()
    kinds: list[tuple[str, str]] = []
    for token in (tok for tok in _SPLIT.split(text.strip()) if tok):
        if token in by_name:
            kinds.append(("name", token))
            continue
        is_date, day = _date_of(token, today)
        if is_date:
            reading.day, reading.bad_date = (day, "") if day else (None, token)
            kinds.append(("date", token))
            continue
        points = _points_of(token)
        if points is not None and reading.points is None:
            reading.points = points
            kinds.append(("points", token))
            continue
        kinds.append(("text", token))
    names = [i for i, (kind, _) in enumerate(kinds) if kind == "name"]
    first, last = (names[0], names[-1]) if names else (len(kinds), -1)
    lead = [tok for kind, tok in kinds[:first] if kind == "text"]
    others = [(i, tok) for i, (kind, tok) in enumerate(kinds) if kind == "text" and i >= first]
    reading.item_text = lead[0] if lead else (others.pop(0)[1] if others else "")
    if len(lead) > 1:  # a name written before the others but off the roster
        others = [(first - len(lead) + 1 + k, tok) for k, tok in enumerate(lead[1:])] + others
    next_stop = next(
        (i for i, (kind, _) in enumerate(kinds) if kind in ("date", "points") and i > last), len(kinds)
    )
    reason: list[str] = []
    for i, token in others:
        close = difflib.get_close_matches(token, list(by_name), n=1, cutoff=0.5)
        between = first < i < last
        before_stop = last < i < next_stop and bool(names) and len(token) <= 3
        if _NAMEISH.match(token) and (between or before_stop or (close and len(token) <= 3)):
            reading.unknown.append((token, close[0] if close else None))
        else:
            reason.append(token)
    for _, name in (kinds[i] for i in names):
        ids = by_name[name]
        if len(ids) > 1:
            reading.ambiguous[name] = ids
        elif ids[0] not in reading.members:
            reading.members.append(ids[0])
    reading.reason = " ".join(reason)
    return reading


def _closest(text: str, items: tuple[Item, ...], top: int = 5) -> tuple[Item, ...]:
    """The items whose names share most characters with ``text`` (党费未按时交纳 → 不按时交纳党费),
    best first; all of them when none shares half of its name."""

    def share(item: Item) -> float:
        return max(
            len(set(text) & set(label)) / len(set(label)) for label in (item.name, *item.aliases) if label
        )

    close = sorted((i for i in items if share(i) >= 0.5), key=share, reverse=True)
    return tuple(close[:top]) or items


def recordable(scheme: Scheme) -> list[Item]:
    """The items a recorder may record: members' items and the recorder's own (vetoes among them)."""
    return [i for i in scheme.items if i.enterable]


async def record(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``记分 党费 张三 3月`` (or ``/record``), privately: record an item for one or many members."""
    if not inc.private:
        return [Send(ORIGIN, t("recording.private_only"))]
    person, branch = await located(inc, deps)
    roster = await deps.ledger.roster(branch.id, person.actor)
    if not args.strip():
        return [Send(ORIGIN, t("recording.usage"))]
    today = deps.today()
    reading = read_record(args, roster, today)
    if reading.bad_date:
        return [Send(ORIGIN, t("recording.bad_date", date=reading.bad_date))]
    if reading.unknown:
        return [Send(ORIGIN, _unknown_names(reading.unknown))]
    day = reading.day or today
    await deps.chat.check_period(branch.id, day, today, deps.now())
    scheme = deps.chat.scheme(branch)
    match = match_item(reading.item_text, recordable(scheme)) if reading.item_text else None
    draft: dict[str, object] = {
        "item": match.item.code if match and match.item else None, "members": reading.members,
        "date": day.isoformat(), "points": reading.points, "reason": reading.reason,
        "platform": inc.platform, "chat": inc.chat, "message": inc.message,
    }  # fmt: skip
    if match is None or match.item is None:
        candidates = _closest(reading.item_text, match.candidates) if match else tuple(recordable(scheme))
        return [Send(ORIGIN, await _item_card(deps, person, draft, candidates, bool(reading.item_text)))]
    if not reading.members or reading.ambiguous:
        return [Send(ORIGIN, await _members_card(deps, person, roster, draft, reading.ambiguous))]
    return await _write(deps, person, branch, draft)


async def _item_card(
    deps: Deps, person: Person, draft: dict[str, object], items: tuple[Item, ...], named: bool
) -> Card:
    offer = await deps.chat.offer("record", person.branch_id, person.member_id, {**draft, "stage": "item"})
    options = (
        *(Action(short_name(i), f"ri:{offer}:{i.code}") for i in items),
        Action(t("recording.cancel"), f"ri:{offer}:-"),
    )
    prompt = t("recording.pick_item" if named else "recording.which_item")
    return Card(prompt, choice=Choice(prompt, options))


async def _members_card(
    deps: Deps,
    person: Person,
    roster: list[tuple[int, str]],
    draft: dict[str, object],
    ambiguous: dict[str, list[int]],
) -> Card:
    """The roster to tick: each press shows the card again with the member ticked or unticked."""
    offer = await deps.chat.offer("record", person.branch_id, person.member_id, {**draft, "stage": "members"})
    chosen = {int(m) for m in draft["members"]}  # type: ignore[attr-defined]
    options = [
        Action(
            ("☑ " if member_id in chosen else "") + _label(member_id, name, roster), f"rm:{offer}:{member_id}"
        )
        for member_id, name in roster
    ]
    options += [
        Action(t("recording.confirm", count=len(chosen)), f"rm:{offer}:ok"),
        Action(t("recording.cancel"), f"rm:{offer}:-"),
    ]
    names = "、".join(name for member_id, name in roster if member_id in chosen) or t("recording.nobody")
    prompt = t("recording.pick_members", names=names)
    if ambiguous:
        prompt = t("recording.same_name", names="、".join(ambiguous)) + "\n" + prompt
    return Card(prompt, choice=Choice(prompt, tuple(options)))


def _label(member_id: int, name: str, roster: list[tuple[int, str]]) -> str:
    """A member's name on a button; with the roster number where two share the name."""
    twins = sum(1 for _, other in roster if other == name)
    return name if twins == 1 else t("recording.twin", name=name, id=member_id)


async def _pressed(inc: Incoming, deps: Deps, args: str) -> tuple[Person, Branch, dict[str, object], str]:
    """The presser, the branch, the draft of the card pressed (used up) and the choice made."""
    offer_id, _, choice = args.partition(":")
    person, draft = await deps.chat.take(
        "record", int(offer_id), inc.platform, inc.user, "recording.not_yours"
    )
    return person, await deps.chat.branch(person.branch_id), draft, choice


async def pick_item(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``ri:<offer>:<item>``: the recorder picked the item (``-``: cancelled)."""
    person, branch, draft, code = await _pressed(inc, deps, args)
    if code == "-":
        return [Show(t("recording.cancelled"))]
    draft["item"] = code
    if not draft["members"]:
        roster = await deps.ledger.roster(branch.id, person.actor)
        return [Show(await _members_card(deps, person, roster, draft, {}))]
    return _shown(await _write(deps, person, branch, draft))


async def pick_member(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``rm:<offer>:<member>`` ticks or unticks a member; ``ok`` records; ``-`` cancels."""
    person, branch, draft, choice = await _pressed(inc, deps, args)
    if choice == "-":
        return [Show(t("recording.cancelled"))]
    chosen = [int(m) for m in draft["members"]]  # type: ignore[attr-defined]
    if choice == "ok":
        if not chosen:
            raise Invalid("recording.no_members")
        return _shown(await _write(deps, person, branch, draft))
    member_id = int(choice)
    draft["members"] = [m for m in chosen if m != member_id] if member_id in chosen else [*chosen, member_id]
    roster = await deps.ledger.roster(branch.id, person.actor)
    return [Show(await _members_card(deps, person, roster, draft, {}))]


def _shown(replies: list[Reply]) -> list[Reply]:
    """What would have answered the message now takes the place of the card pressed."""
    return [Show(r.body) if isinstance(r, Send) and isinstance(r.to, ToOrigin) else r for r in replies]


async def _write(deps: Deps, person: Person, branch: Branch, draft: dict[str, object]) -> list[Reply]:
    source = Source(
        *(None if draft.get(k) is None else str(draft[k]) for k in ("platform", "chat", "message"))
    )
    points, code = draft.get("points"), str(draft["item"])
    item = deps.chat.scheme(branch).item(code)
    reason = str(draft["reason"]) or (item.name if item else code)  # no reason written: the item's name
    cmd = RecordBatch(
        branch.id, tuple(int(m) for m in draft["members"]), code,  # type: ignore[attr-defined]
        date.fromisoformat(str(draft["date"])), reason,
        None if points is None else float(points),  # type: ignore[arg-type]
        source,
    )  # fmt: skip
    batch = await deps.ledger.record_batch(cmd, person.actor)
    roster = dict(await deps.ledger.roster(branch.id, person.actor))
    replies = _told(person, batch, cmd.reason, roster)
    deciding = ToRoles(branch.id, approvers(deps.chat.scheme(branch)), exclude=person.member_id)
    for _member, claim_id in batch.pending:  # privately: a deduction is never posted in the group
        replies.append(Send(deciding, claim_card(await deps.chat.claim(claim_id))))
    return replies


def _told(person: Person, batch: Batch, reason: str, roster: dict[int, str]) -> list[Reply]:
    item, when, points = batch.item, batch.date.isoformat(), _signed(batch.points, batch.item)
    name = short_name(item)
    if batch.pending:
        who = "、".join(t("recording.who", name=roster.get(m, str(m)), id=c) for m, c in batch.pending)
        return [Send(ORIGIN, t("recording.pending", item=name, points=points, date=when, count=len(batch.pending),
                               who=who, reason=reason))]  # fmt: skip
    who = "、".join(t("recording.who", name=roster.get(m, str(m)), id=e) for m, e in batch.entries)
    replies: list[Reply] = [Send(ORIGIN, t("recording.done", item=name, points=points, date=when,
                                           count=len(batch.entries), who=who, reason=reason))]  # fmt: skip
    rule = t("recording.rule", clause=item.clause) if item.clause else ""
    for member_id, entry_id in batch.entries:
        replies.append(Send(ToMember(member_id), t("recording.told", by=person.name, item=name, points=points,
                                                   date=when, reason=reason, rule=rule, id=entry_id)))  # fmt: skip
    return replies


def _signed(points: float, item: Item) -> str:
    if item.kind == "veto":
        return t("recording.veto")
    return t("recording.points", points=("+" if points > 0 else "") + number(points))


def _unknown_names(unknown: list[tuple[str, str | None]]) -> str:
    lines = [
        t("recording.unknown_close", name=name, close=close) if close else t("recording.unknown", name=name)
        for name, close in unknown
    ]
    return "\n".join([*lines, t("recording.nothing_recorded")])


# 更正 -------------------------------------------------------------------------------------------


def read_correction(text: str, items: list[Item], today: date) -> tuple[int | None, Replacement | None, str]:
    """``12 改为 2分 原因`` (or ``#12 原因``): the entry, what the right one changes, the reason."""
    head, marker, tail = text.partition("改为")
    tokens = [tok for tok in _SPLIT.split(head.strip()) if tok]
    entry = int(tokens[0].lstrip("#＃")) if tokens and tokens[0].lstrip("#＃").isdigit() else None
    reason = tokens[1:] if entry is not None else tokens
    if not marker:
        return entry, None, " ".join(reason)
    item: str | None = None
    points: float | None = None
    day: date | None = None
    for token in (tok for tok in _SPLIT.split(tail.strip()) if tok):
        is_date, when = _date_of(token, today)
        value = _points_of(token)
        if is_date and day is None:
            day = when
        elif value is not None and points is None:
            points = value
        elif item is None and (found := match_item(token, items).item) is not None:
            item = found.code
        else:
            reason.append(token)
    return entry, Replacement(item, points, day), " ".join(reason)


async def correct(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``更正 12 原因`` or ``更正 12 改为 2分 原因`` (``/correct``, ``/reverse``), privately."""
    if not inc.private:
        return [Send(ORIGIN, t("correct.private_only"))]
    person, branch = await located(inc, deps)
    entry, change, reason = read_correction(args, recordable(deps.chat.scheme(branch)), deps.today())
    if entry is None:
        return [Send(ORIGIN, t("correct.usage"))]
    if not reason:
        return [Send(ORIGIN, t("correct.reason_required", entry=entry))]
    if change is not None and change == Replacement():
        return [Send(ORIGIN, t("correct.what", entry=entry))]
    source = Source(inc.platform, inc.chat, inc.message)
    done = await deps.ledger.correct(entry, person.actor, reason, change, source, branch.id)
    return _corrected(person, done, reason)


def _line(line: EntryLine) -> str:
    value = ("+" if line.points > 0 else "") + number(line.points)
    return t("entries.brief", id=line.id, date=line.day.isoformat(), name=line.name, points=value)


def _corrected(person: Person, done: Correction, reason: str) -> list[Reply]:
    was = done.original
    new = t("correct.new", line=_line(done.replacement)) if done.replacement else t("correct.no_new")
    text = t(
        "correct.done", member=was.member, line=_line(was), reversal=done.reversal_id, new=new, reason=reason
    )
    told = t("correct.told", by=person.name, line=_line(was), new=new, reason=reason)
    return [Send(ORIGIN, text), Send(ToMember(was.member_id), told)]


# 积分明细 -----------------------------------------------------------------------------------------


async def entries(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``积分明细`` (``/entries``): one's own entries of the year with their numbers; ``积分明细 张三``
    shows a member's to the recorder and the secretary. Answered privately."""
    person, branch = await located(inc, deps)
    member_id, name = person.member_id, person.name
    wanted = args.strip()
    if wanted and wanted != person.name:
        roster = await deps.ledger.roster(branch.id, person.actor)
        found = [(m, n) for m, n in roster if n == wanted or str(m) == wanted.lstrip("#＃")]
        if not found:
            close = difflib.get_close_matches(wanted, [n for _, n in roster], n=1, cutoff=0.5)
            return [
                Send(
                    ORIGIN,
                    t(
                        "entries.unknown",
                        name=wanted,
                        hint=t("entries.close", close=close[0]) if close else "",
                    ),
                )
            ]
        if len(found) > 1:
            ids = "、".join(t("recording.twin", name=n, id=m) for m, n in found)
            return [Send(ORIGIN, t("entries.twins", name=wanted, ids=ids))]
        member_id, name = found[0]
    year = deps.today().year
    lines = await deps.ledger.entries(branch.id, member_id, person.actor, year)
    text = _entries_text(name, year, lines)
    if inc.private:
        return [Send(ORIGIN, text)]
    return [Send(ToMember(person.member_id), text), Send(ORIGIN, t("entries.sent", name=person.name))]


def _entries_text(name: str, year: int, lines: list[EntryLine]) -> str:
    if not lines:
        return t("entries.none", name=name, year=year)
    shown = lines[-ENTRIES_SHOWN:]
    out = [t("entries.head", name=name, year=year, count=len(lines))]
    if len(lines) > len(shown):
        out.append(t("entries.more", shown=len(shown)))
    for line in shown:
        value = ("+" if line.points > 0 else "") + number(line.points)
        if line.reverses is not None:
            out.append(t("entries.reversal", id=line.id, date=line.day.isoformat(), original=line.reverses,
                         points=value, by=line.by, reason=line.reason))  # fmt: skip
            continue
        how = t("entries.approved" if line.claim_id is not None else "entries.recorded", by=line.by)
        mark = t("entries.reversed", reversal=line.reversed_by) if line.reversed_by is not None else ""
        out.append(t("entries.line", id=line.id, date=line.day.isoformat(), name=line.name, points=value,
                     how=how, mark=mark))  # fmt: skip
    out.append(t("entries.foot"))
    return "\n".join(out)
