"""述职评议 by anonymous ballot (``bot/services/review.py``), in a private chat with the bot.

Committee staff: ``述职评议 开始 第一党支部 1月15日`` opens the ballot on the branch secretary's report
(the date: the last day of voting), ``述职评议 情况 第一党支部`` shows how many have voted (never a
ballot), ``述职评议 结束 第一党支部`` closes it now; ``述职评议 第一党支部 88`` is still the typed score
(``bot/handlers/committee.py``). A rater: ``述职评议`` shows the ballot (staff name the branch:
``述职评议 第一党支部``), buttons 好 / 较好 / 一般 / 差 and 提交; ``述职评议 较好`` or ``述职评议 85``
chooses by typing, ``述职评议 提交`` casts it. Buttons: ``evr:<draft>:<evaluation>:<points>``,
``evrok:<draft>:<evaluation>``.
A choice is never answered in a toast and never logged.
"""

from __future__ import annotations

import re
from datetime import date

from bot.handlers import committee
from bot.handlers.context import Deps, located
from bot.handlers.parse import parse_date
from bot.handlers.types import (
    ORIGIN,
    Action,
    Answer,
    Card,
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
from bot.services.review import GRADES, ReviewBallot, ReviewService, ReviewState, grade_points

OPEN, STATUS, CLOSE, SUBMIT = ("开始", "发起"), ("情况", "进度"), ("结束",), ("提交",)
STAFF = ("committee",)
_YEAR = re.compile(r"\d{4}")


def _service(deps: Deps) -> ReviewService:
    return deps.review or ReviewService(deps.chat.ctx)


async def report(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``述职评议 [开始 支部 日期 | 情况 支部 | 结束 支部 | 提交 | 好/较好/一般/差/分数 | 支部 | 支部 分数]``."""
    words = args.split()
    if len(committee._year_and_words(args, deps)[1]) == 2 and words[0] not in (*OPEN, *STATUS, *CLOSE):
        return await committee.evaluation(inc, deps, args)  # the committee's typed score
    if not inc.private:
        return [Send(ORIGIN, t("review.in_private"))]
    service, word = _service(deps), words[0] if words else ""
    if word in (*OPEN, *STATUS, *CLOSE):
        return await _staff(inc, deps, word, words[1:])
    if word in SUBMIT:
        branch = await service.submit(inc.platform, inc.user, None, deps.today())
        return [Send(ORIGIN, t("review.submitted", branch=branch))]
    points = grade_points(word) if len(words) == 1 else None
    if points is not None:
        return [Send(ORIGIN, ballot_card(await service.choose(inc.platform, inc.user, None, points)))]
    if len(words) > 1:
        return [Send(ORIGIN, t("review.usage"))]
    return [Send(ORIGIN, ballot_card(await service.ballot(inc.platform, inc.user, word)))]


async def _staff(inc: Incoming, deps: Deps, word: str, words: list[str]) -> list[Reply]:
    person, _branch = await located(inc, deps)
    service = _service(deps)
    if not words:
        return [Send(ORIGIN, t("review.staff_usage"))]
    branch, rest = words[0], " ".join(words[1:])
    if word in OPEN:
        day = _deadline(rest, deps.today())
        if day is None:
            return [Send(ORIGIN, t("review.open_usage"))]
        state = await service.open(person.actor, None, branch, day, deps.today())
        notice = t("review.opened_group", year=state.year, secretary=state.secretary, deadline=state.deadline)
        return [Send(ORIGIN, t("review.opened", branch=state.branch, secretary=state.secretary, year=state.year,
                               deadline=state.deadline, members=state.members, needed=state.needed)),
                Send(ToGroup(state.branch_id), notice)]  # fmt: skip
    if word in STATUS:
        return [Send(ORIGIN, state_card(await service.status(person.actor, None, branch)))]
    return closed(await service.close(person.actor, None, branch))


def _deadline(text: str, today: date) -> date | None:
    """The day named (``1月15日``, ``2027-01-15``); a month and day already past this year: next year's."""
    if not text.strip():
        return None
    day, _rest = parse_date(text, today)
    if day is not None and day < today and not _YEAR.search(text):
        day = day.replace(year=day.year + 1)
    return day


def closed(state: ReviewState) -> list[Reply]:
    """The committee's staff told privately (the score, or why there is none); the group that it ended."""
    notice = t("review.closed_group", year=state.year, raters=state.raters)
    return [Send(ToRoles(state.branch_id, STAFF), state_card(state)), Send(ToGroup(state.branch_id), notice)]


def reminded(state: ReviewState) -> list[Reply]:
    """The evening before the deadline: each member of the branch who has not rated, privately."""
    text = t("review.remind", year=state.year, secretary=state.secretary, deadline=state.deadline)
    return [Send(ToMember(m), text) for m in state.not_voted_ids]


def state_card(state: ReviewState) -> Card:
    """Counts only: members of the branch who voted, staff who voted, the minimum; once closed, the score."""
    title = t("review.card.closed" if state.closed else "review.card.open", year=state.year, branch=state.branch,
              secretary=state.secretary, deadline=state.deadline)  # fmt: skip
    fields = (
        Field(t("review.card.members"), t("review.card.of", done=state.members_voted, total=state.members)),
        Field(t("review.card.staff"), t("review.card.people", count=state.staff_voted)),
        Field(t("review.card.raters"), t("review.card.least", done=state.raters, least=state.needed)),
    )
    if not state.closed:
        note = t("review.card.open_note")
    elif state.incomplete:
        note = t("review.card.incomplete", least=state.needed, done=state.raters, branch=state.branch)
    elif state.score is not None:
        note = t("review.card.scored", score=f"{state.score:g}", raters=state.raters)
    else:
        note = t("review.card.superseded")
    return Card(title, fields, note)


def ballot_card(ballot: ReviewBallot) -> Card:
    """The rater's ballot: the choice so far, a button per grade, 提交."""
    chosen = next((f"{w} ({p} 分)" for w, p in GRADES if p == ballot.points), None)
    if chosen is None and ballot.points is not None:
        chosen = f"{ballot.points} 分"
    fields = (Field(t("review.card.choice"), chosen or t("review.card.unchosen")),)
    d = f"{ballot.draft_id}:{ballot.evaluation_id}"
    actions = (
        *(Action(w, f"evr:{d}:{p}") for w, p in GRADES),
        Action(t("review.button.submit"), f"evrok:{d}"),
    )
    title = t("review.card.ballot", year=ballot.year, branch=ballot.branch, secretary=ballot.secretary)
    return Card(title, fields, t("review.card.ballot_note"), t("review.card.deadline", deadline=ballot.deadline),
                actions)  # fmt: skip


async def choose(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evr:<draft>:<evaluation>:<points>``: the card anew, in place (no toast with the choice)."""
    draft, evaluation, points = (int(p) for p in args.split(":"))
    ballot = await _service(deps).choose(inc.platform, inc.user, (draft, evaluation), points)
    return [Answer(""), Show(ballot_card(ballot))]


async def submit(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``evrok:<draft>:<evaluation>``: cast the ballot; the card becomes a receipt without the choice."""
    draft, evaluation = (int(p) for p in args.split(":"))
    branch = await _service(deps).submit(inc.platform, inc.user, (draft, evaluation), deps.today())
    return [Answer(t("review.submitted_toast")), Show(t("review.submitted", branch=branch))]
