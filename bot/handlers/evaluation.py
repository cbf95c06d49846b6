"""测评 (democratic evaluation, anonymous), in a private chat with the bot.

The secretary: ``测评 开始 12月20日`` opens it (the deadline: the last day of voting),
``测评 邀请 10`` makes one-time codes for masses representatives, ``测评 情况`` shows who has
voted (counts and the names of members who have not; never a score), ``测评 结束`` closes it.
A voter: ``测评`` shows (or resumes) the ballot, one card per member rated, a score button per
value of the item asked; ``8 9 7 10 ...`` (or ``测评 8 9 7 ...``) rates every item of the member
on screen at once; ``测评 ABCD2345`` is a masses representative's code; ``测评 提交`` or 提交 casts it.
Buttons: ``evs:<draft>:<member>:<item>:<score>``, ``evm:<draft>:<position>`` (上一位/下一位),
``evc:<draft>:<member>`` (重评此人), ``evok:<draft>`` (提交). Every answer to a voter goes to
the chat they wrote in; a score is never answered in a toast and never logged.
"""

from __future__ import annotations

import re

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.parse import SCORES, parse_date
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
    ToGroup,
    ToMember,
    ToRoles,
)
from bot.i18n import t
from bot.services.evaluation import Ballot, EvaluationService, Participation
from bot.services.invites import ALPHABET, CODE_LENGTH

CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_SPLIT = re.compile(r"[\s,，、]+")
OPEN, INVITE, STATUS, CLOSE, SUBMIT = ("开始", "发起"), ("邀请",), ("情况", "进度"), ("结束",), ("提交",)


def _service(deps: Deps) -> EvaluationService:
    assert deps.evaluation is not None
    return deps.evaluation


async def evaluation(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``测评 [开始 日期 | 邀请 N | 情况 | 结束 | 提交 | CODE | 8 9 7 ...]``, privately only."""
    if not inc.private:
        return [Send(ORIGIN, t("evaluation.in_private"))]
    text, service = args.strip(), _service(deps)
    word = next((w for w in (*SUBMIT, *OPEN, *INVITE, *STATUS, *CLOSE) if text.startswith(w)), "")
    if CODE.match(text.upper()):
        return [Send(ORIGIN, ballot_card(await service.redeem(inc.platform, inc.user, text.upper())))]
    if SCORES.match(text):
        return await typed(inc, deps, text)
    if word in SUBMIT:
        count = await service.submit(inc.platform, inc.user, None, deps.today())
        return [Send(ORIGIN, t("evaluation.submitted", count=count))]
    if word:
        return await _secretary(inc, deps, word, text[len(word) :].strip())
    if text:
        return [Send(ORIGIN, t("evaluation.usage"))]
    return [Send(ORIGIN, ballot_card(await service.ballot(inc.platform, inc.user)))]


async def typed(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``8 9 7 10 ...``: every item of the member on screen, in the card's order."""
    if not inc.private:
        return []
    numbers = [int(n) for n in _SPLIT.split(args.strip()) if n]
    return [Send(ORIGIN, ballot_card(await _service(deps).rate_all(inc.platform, inc.user, numbers)))]


async def _secretary(inc: Incoming, deps: Deps, word: str, rest: str) -> list[Reply]:
    person, branch = await located(inc, deps)
    service = _service(deps)
    if word in OPEN:
        day, _left = parse_date(rest, deps.today())
        if day is None:
            return [Send(ORIGIN, t("evaluation.open_usage"))]
        opened = await service.open(person.actor, branch.id, day, deps.today())
        masses = t("evaluation.opened_masses", masses=opened.masses_needed) if opened.masses_needed else ""
        text = t("evaluation.opened", year=opened.year, deadline=opened.deadline.isoformat(),
                 count=opened.ratees, items="、".join(opened.items), masses=masses)  # fmt: skip
        notice = t("evaluation.opened_group", year=opened.year, deadline=opened.deadline.isoformat())
        return [Send(ORIGIN, text), Send(ToGroup(branch.id), notice)]
    if word in INVITE:
        if not rest.isdigit():
            return [Send(ORIGIN, t("evaluation.invite_usage"))]
        invited = await service.invite(person.actor, branch.id, int(rest))
        text = t("evaluation.invited", count=len(invited.codes), codes="\n".join(invited.codes),
                 deadline=invited.deadline.isoformat(), issued=invited.issued, masses=invited.masses_needed)  # fmt: skip
        return [Send(ORIGIN, text)]
    if word in STATUS:
        return [Send(ORIGIN, participation_card(await service.status(person.actor, branch.id)))]
    done = await service.close(person.actor, branch.id)
    return closed(done)


def closed(done: Participation) -> list[Reply]:
    """The secretary told privately (participation, who has not voted); the group that it ended."""
    notice = t("evaluation.closed_group", year=done.year, voted=done.members_voted + done.masses_voted)
    to_secretary = Send(ToRoles(done.branch_id, ("secretary",)), participation_card(done))
    return [to_secretary, Send(ToGroup(done.branch_id), notice)]


def reminded(due: Participation) -> list[Reply]:
    """The evening before the deadline: each member who has not voted, and the secretary."""
    text = t("evaluation.remind_member", year=due.year, deadline=due.deadline.isoformat())
    told = [Send(ToMember(m), text) for m in due.not_voted_ids]
    return [Send(ToRoles(due.branch_id, ("secretary",)), participation_card(due)), *told]


def participation_card(p: Participation) -> Card:
    """Counts and the names of members who have not voted; never a score."""
    state = "closed" if p.closed else "open"
    title = t(f"evaluation.card.{state}", year=p.year, deadline=p.deadline.isoformat(), branch=p.branch)
    fields = [
        Field(t("evaluation.card.members"), t("evaluation.card.of", done=p.members_voted, total=p.members)),
        Field(t("evaluation.card.masses"), t("evaluation.card.masses_value", done=p.masses_voted,
                                             least=p.masses_needed, issued=p.codes_issued, used=p.codes_used)),
        Field(t("evaluation.card.not_voted"), "、".join(p.not_voted) or t("evaluation.card.nobody")),
    ]  # fmt: skip
    note = ""
    if p.closed and p.incomplete:
        note = t("evaluation.card.incomplete", missing=p.masses_missing)
    elif p.closed:
        note = t("evaluation.card.results")
    elif p.masses_missing:
        note = t("evaluation.card.masses_missing", missing=p.masses_missing)
    return Card(title, tuple(fields), note)


def ballot_card(ballot: Ballot) -> Card:
    """The member on screen: each item's score so far, the next item's score buttons, paging, 提交."""
    who = ballot.current
    rated = ballot.rated(who.member_id)
    fields = tuple(
        Field(i.name, str(rated[i.code]) if i.code in rated else t("evaluation.card.unrated"))
        for i in ballot.items
    )
    d = f"{ballot.draft_id}:{ballot.evaluation_id}"  # draft first (the scrub finds cards by it); a draft id may come again
    actions = []
    if ballot.position > 0:
        actions.append(Action(t("evaluation.button.previous"), f"evm:{d}:{ballot.position - 1}"))
    if ballot.position < len(ballot.ratees) - 1:
        actions.append(Action(t("evaluation.button.next"), f"evm:{d}:{ballot.position + 1}"))
    if rated:
        actions.append(Action(t("evaluation.button.again"), f"evc:{d}:{who.member_id}"))
    actions.append(Action(t("evaluation.button.submit"), f"evok:{d}"))
    nxt = ballot.next_item()
    choice = None
    if nxt is not None:
        item = ballot.items[nxt]
        scores = range(int(item.max), -1, -1)  # highest first: where buttons are few, 0 comes last
        options = tuple(Action(str(s), f"evs:{d}:{who.member_id}:{nxt}:{s}") for s in scores)
        choice = Choice(t("evaluation.card.ask", item=item.name, most=number(item.max)), options)
    title = t("evaluation.card.title", year=ballot.year, position=ballot.position + 1,
              count=len(ballot.ratees), name=who.name)  # fmt: skip
    example = " ".join(str(int(i.max) - n % 3) for n, i in enumerate(ballot.items))
    note = t("evaluation.card.typed", count=len(ballot.items), example=example)
    status = t("evaluation.card.progress", done=ballot.done, count=len(ballot.ratees),
               deadline=ballot.deadline.isoformat())  # fmt: skip
    return Card(title, fields, note, status, tuple(actions), choice)


def _ints(args: str) -> list[int]:
    return [int(p) for p in args.split(":")]


async def rate(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evs:<draft>:<evaluation>:<member>:<item>:<score>``: the card anew, in place (no toast with a score)."""
    draft, evaluation, member, item, score = _ints(args)
    ballot = await _service(deps).rate(inc.platform, inc.user, (draft, evaluation), member, item, score)
    return [Answer(""), Show(ballot_card(ballot))]


async def move(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evm:<draft>:<evaluation>:<position>``: 上一位 / 下一位."""
    draft, evaluation, position = _ints(args)
    moved = await _service(deps).move(inc.platform, inc.user, (draft, evaluation), position)
    return [Answer(""), Show(ballot_card(moved))]


async def again(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evc:<draft>:<evaluation>:<member>``: 重评此人 (the member on screen's scores cleared)."""
    draft, evaluation, member = _ints(args)
    cleared = await _service(deps).clear(inc.platform, inc.user, (draft, evaluation), member)
    return [Answer(""), Show(ballot_card(cleared))]


async def submit(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evok:<draft>:<evaluation>``: cast the ballot; the card becomes a receipt without any score."""
    draft, evaluation = _ints(args)
    count = await _service(deps).submit(inc.platform, inc.user, (draft, evaluation), deps.today())
    done = t("evaluation.submitted", count=count)
    return [Answer(t("evaluation.submitted_toast")), Show(done)]
