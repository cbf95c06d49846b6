"""述职评议 by anonymous ballot: the branch secretary reports to the township committee and the
branch's general meeting, and is rated (seed 004, 评议项: 考核结果按百分制折算评议分).

Committee staff open a ballot for one of their branches with a deadline (the last day of voting).
The branch's members (the secretary excepted: nobody rates their own report) and the committee's
staff rate the report privately on the 测评票 scale, 好 / 较好 / 一般 / 差 (``GRADES``: 100 / 80 / 60 /
40 points), or type a score of 0 to 100; one ballot each, changeable until submitted.

It is an evaluation of the democratic-evaluation machinery (``bot/services/evaluation.py``,
``bot/storage/evaluation.py``) whose subject is ``report``: one result (the secretary, item
``report``), receipts that hold the voter and the day only, the sum and the count, drafts deleted
with ``secure_delete`` and the messages that showed a choice scrubbed. Committee staff see how many
have voted, never a ballot.

At the deadline (the bot's clock, ``review.close``, once; or staff with 述职评议 结束) the average
becomes the branch's 述职评议 score: a ``branch_scores`` row recorded by ``system:clock`` with the
ballot as its source and the count of raters as its reason, superseding a typed one (a later typed
one supersedes it in turn). Fewer raters than half of the branch's members (rounded up, at least
one) close it 数据不全: no score, and the committee is told so (never scored as 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import t
from bot.services.chat import member_of_account
from bot.services.committee import EVALUATION, EVALUATION_MAX, CommitteeService, rating_year
from bot.services.common import Actor, Context, branch_of
from bot.services.errors import Duplicate, Forbidden, Invalid, NotFound
from bot.services.evaluation import CLOSE_JOB as EVALUATION_CLOSE
from bot.services.evaluation import REMIND_JOB as EVALUATION_REMIND
from bot.services.evaluation import Due, EvaluationService, voter_of_member
from bot.storage.committee import CommitteeQueries
from bot.storage.evaluation import REPORT, EvaluationQueries
from bot.storage.schema import BallotDraft, Branch, Committee, EvaluationRow, MemberRow
from bot.storage.uow import UnitOfWork

#: The 测评票 scale and the points of each choice (of 100).
GRADES: tuple[tuple[str, int], ...] = (("好", 100), ("较好", 80), ("一般", 60), ("差", 40))
ITEM = "report"
CLOSE_JOB, REMIND_JOB = "review.close", "review.remind"
CLOCK = Actor(None, "system:clock")


@dataclass(frozen=True, slots=True)
class ReviewBallot:
    """A rater's ballot as it stands: whose report, and the points chosen so far (None: none)."""

    draft_id: int
    evaluation_id: int
    branch: str
    secretary: str
    year: int
    deadline: date
    points: int | None


@dataclass(frozen=True, slots=True)
class ReviewState:
    """A 述职评议 ballot's participation (counts only) and, once closed, its score."""

    evaluation_id: int
    branch_id: int
    branch: str
    secretary: str
    year: int
    deadline: date
    members: int
    members_voted: int
    staff_voted: int
    needed: int
    closed: bool = False
    incomplete: bool = False
    score: float | None = None
    #: The branch's members who have not rated (for the reminder; never shown to staff).
    not_voted_ids: tuple[int, ...] = ()

    @property
    def raters(self) -> int:
        return self.members_voted + self.staff_voted


def grade_points(word: str) -> int | None:
    """好 / 较好 / 一般 / 差, or a score typed (0 to 100); None: neither."""
    word = word.strip().removesuffix("分")
    found = dict(GRADES).get(word)
    if found is not None:
        return found
    return int(word) if word.isdigit() else None


class ReviewService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    @property
    def committees(self) -> CommitteeService:
        return CommitteeService(self.ctx)

    @property
    def evaluations(self) -> EvaluationService:
        return EvaluationService(self.ctx)

    # -- committee staff -----------------------------------------------------------------

    async def open(self, actor: Actor, committee_id: int | None, branch: str, deadline: date,
                   today: date) -> ReviewState:  # fmt: skip
        """Open the ballot on the branch secretary's report for the year rated, until ``deadline``."""
        if deadline < today:
            raise Invalid("evaluation.deadline_past", deadline=deadline.isoformat())
        async with self.ctx.uow() as uow:
            committee = await self.committees.committee_for(uow, actor, committee_id)
            target = await self.committees.branch_in(uow, committee, branch)
            secretary = await _secretary(uow, target)
            queries = EvaluationQueries(uow.session)
            running = await queries.open_of(target.id, REPORT)
            if running is not None:
                raise Duplicate("review.already_open", running.id, branch=target.name, deadline=_day(running))
            year = rating_year(today)
            earlier = await queries.results_exist(target.id, year, REPORT)
            if earlier is not None:
                raise Duplicate("review.year_done", earlier, branch=target.name, year=year)
            raters = len(await _members(uow, target, secretary.id))
            row = EvaluationRow(
                branch_id=target.id, year=year, title=t("review.title", year=year), deadline=deadline,
                opened_by=actor.member_id, items=[ITEM], min_masses=max(1, math.ceil(raters / 2)), subject=REPORT,
            )  # fmt: skip
            await queries.open(row, [secretary.id], [ITEM])
            await uow.audit.record(actor.label, "review.open", branch_id=target.id, subject=f"evaluation:{row.id}",
                                   details={"deadline": deadline.isoformat(), "year": year})  # fmt: skip
            state = await _state(uow, queries, target, row)
            await uow.commit()
            return state

    async def status(self, actor: Actor, committee_id: int | None, branch: str) -> ReviewState:
        """The branch's open ballot (else its latest): counts only."""
        async with self.ctx.uow(read_only=True) as uow:
            committee = await self.committees.committee_for(uow, actor, committee_id)
            target = await self.committees.branch_in(uow, committee, branch)
            queries = EvaluationQueries(uow.session)
            row = await queries.open_of(target.id, REPORT) or await queries.latest(target.id, REPORT)
            if row is None:
                raise NotFound("review.none", branch=target.name)
            return await _state(uow, queries, target, row, await self._score_of(uow, committee, row))

    async def close(self, actor: Actor, committee_id: int | None, branch: str) -> ReviewState:
        """Close the branch's open ballot now (staff): scored as at the deadline."""
        async with self.ctx.uow() as uow:
            committee = await self.committees.committee_for(uow, actor, committee_id)
            target = await self.committees.branch_in(uow, committee, branch)
            queries = EvaluationQueries(uow.session)
            row = await queries.open_of(target.id, REPORT)
            if row is None:
                raise NotFound("review.none_open", branch=target.name)
            state = await self._close(uow, queries, target, row, actor.label)
            await uow.commit()
            return state

    async def close_due(self, evaluation_id: int) -> ReviewState | None:
        """The clock closes a ballot whose deadline has passed (once: None if it is closed)."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row = await queries.get(evaluation_id)
            if row is None or row.closed or row.subject != REPORT:
                return None
            state = await self._close(uow, queries, await branch_of(uow, row.branch_id), row, CLOCK.label)
            await uow.commit()
            return state

    async def due(self, now: datetime) -> list[Due]:
        """Ballots to close (their deadline has passed) or to remind of (the evening before), as
        the members' evaluation does."""
        jobs = {EVALUATION_CLOSE: CLOSE_JOB, EVALUATION_REMIND: REMIND_JOB}
        return [Due(jobs[d.job], d.evaluation_id, d.period) for d in await self.evaluations.due(now, REPORT)]

    async def reminder(self, evaluation_id: int) -> ReviewState | None:
        """Participation of a ballot still open, for the reminder before its deadline."""
        async with self.ctx.uow(read_only=True) as uow:
            queries = EvaluationQueries(uow.session)
            row = await queries.get(evaluation_id)
            if row is None or row.closed or row.subject != REPORT:
                return None
            return await _state(uow, queries, await branch_of(uow, row.branch_id), row)

    async def _close(
        self, uow: UnitOfWork, queries: EvaluationQueries, branch: Branch, row: EvaluationRow, by: str
    ) -> ReviewState:
        await self.evaluations.close_held(
            uow, queries, branch, row, by
        )  # drafts deleted, their messages scrubbed
        if row.incomplete:
            return await _state(uow, queries, branch, row)
        [(_secretary_id, _item, total, count)] = await queries.results(row.id)
        committee = await CommitteeQueries(uow.session).committee(branch.committee_id or 0)
        if committee is None:
            raise NotFound("review.no_committee", branch=branch.name)
        score = round(total / count, 2)
        await self.committees.write_score(
            uow, Actor(None, by), committee, branch, row.year, EVALUATION, EVALUATION, t("cm.evaluation"), score,
            t("review.reason", id=row.id, count=count), f"evaluation:{row.id}",
        )  # fmt: skip
        return await _state(uow, queries, branch, row, score)

    async def _score_of(self, uow: UnitOfWork, committee: Committee, row: EvaluationRow) -> float | None:
        """The 述职评议 score this ballot gave, if it is the one in force."""
        current = await CommitteeQueries(uow.session).current(row.branch_id, row.year, EVALUATION, EVALUATION)
        if current is not None and current.source == f"evaluation:{row.id}":
            return float(current.points)
        return None

    # -- a rater -------------------------------------------------------------------------

    async def ballot(self, platform: str, account: str, branch: str = "") -> ReviewBallot:
        """The rater's ballot (started now, or as they left it)."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, voter = await self._voter(uow, queries, platform, account, branch)
            draft = await queries.draft(row.id, voter) or await queries.start_draft(row.id, voter)
            ballot = await _view(uow, queries, row, draft)
            await uow.commit()
            return ballot

    async def choose(self, platform: str, account: str, pressed: tuple[int, int] | None, points: int,
                     branch: str = "") -> ReviewBallot:  # fmt: skip
        """The choice (a button's points, or typed), changeable until submitted."""
        if not 0 <= points <= EVALUATION_MAX:
            raise Invalid("review.range", points=points)
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, draft = await self._draft(uow, queries, platform, account, pressed, branch)
            secretary = await _ratee(queries, row)
            await queries.keep_draft(draft, 0, {str(secretary): {ITEM: points}})
            ballot = await _view(uow, queries, row, draft)
            await uow.commit()
            return ballot

    async def submit(self, platform: str, account: str, pressed: tuple[int, int] | None, today: date,
                     branch: str = "") -> str:  # fmt: skip
        """Cast the ballot; the branch whose secretary's report it rated."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, draft = await self._draft(uow, queries, platform, account, pressed, branch)
            ballot = await _view(uow, queries, row, draft)
            if ballot.points is None:
                raise Invalid("review.no_choice")
            secretary = await _ratee(queries, row)
            if not await queries.cast(row.id, draft.voter, today, {(secretary, ITEM): float(ballot.points)}):
                raise Duplicate("review.voted", row.id, branch=ballot.branch)
            await queries.delete_drafts(row.id, draft.id)
            await queries.scrub([draft.id], t("review.scrubbed"))
            await uow.commit()
            return ballot.branch

    async def _draft(self, uow: UnitOfWork, queries: EvaluationQueries, platform: str, account: str,
                     pressed: tuple[int, int] | None, branch: str) -> tuple[EvaluationRow, BallotDraft]:  # fmt: skip
        """The rater's draft: the one pressed (``pressed``: the draft and its evaluation, as a draft's
        id may come again once it is deleted), else that of their only open ballot."""
        if pressed is None:
            current, voter = await self._voter(uow, queries, platform, account, branch)
            draft = await queries.draft(current.id, voter) or await queries.start_draft(current.id, voter)
            return current, draft
        found = await queries.draft_by_id(pressed[0])
        row = await queries.get(found.evaluation_id) if found is not None else None
        if found is None or row is None or row.closed or row.id != pressed[1]:
            raise Invalid("review.stale")
        target = await branch_of(uow, row.branch_id)
        _row, voter = await self._voter(uow, queries, platform, account, target.name)
        if found.voter != voter:
            raise Forbidden("review.stale")
        return row, found

    async def _voter(self, uow: UnitOfWork, queries: EvaluationQueries, platform: str, account: str,
                     branch: str) -> tuple[EvaluationRow, str]:  # fmt: skip
        """The open ballot this member rates in (the one of ``branch`` when named) and their voter key."""
        member = await member_of_account(uow, platform, account)
        if member is None:
            raise NotFound("review.not_voter")
        staff = set(await CommitteeQueries(uow.session).staff_of(member.id))
        voter, own, named = voter_of_member(member.id), False, False
        candidates: list[tuple[EvaluationRow, Branch]] = []
        for row in await queries.open_all(REPORT):
            target = await branch_of(uow, row.branch_id)
            if branch and branch not in (target.name, str(target.id)):
                continue
            named = True
            if await _ratee(queries, row) == member.id:
                own = own or row.branch_id == member.branch_id
                continue
            if row.branch_id == member.branch_id or target.committee_id in staff:
                candidates.append((row, target))
        if branch and not named:  # a word that is neither a grade nor a branch being rated
            raise Invalid("review.unknown_word", word=branch)
        if not candidates:
            raise Forbidden("review.own") if own else NotFound("review.none_for_you")
        if len(candidates) > 1:
            raise Invalid("review.which", names="、".join(b.name for _r, b in candidates))
        chosen, target = candidates[0]
        if voter in await queries.voted(chosen.id):
            raise Duplicate("review.voted", chosen.id, branch=target.name)
        return chosen, voter


def _day(row: EvaluationRow) -> str:
    return row.deadline.isoformat() if row.deadline is not None else ""


async def _secretary(uow: UnitOfWork, branch: Branch) -> MemberRow:
    for member in await uow.members.list(branch.id):
        if member.left is None and "secretary" in await uow.members.roles(member.id, branch):
            return member
    raise NotFound("review.no_secretary", branch=branch.name)


async def _members(uow: UnitOfWork, branch: Branch, secretary_id: int) -> list[MemberRow]:
    """The branch's members who rate the report: on the roster, the secretary excepted."""
    return [m for m in await uow.members.list(branch.id) if m.left is None and m.id != secretary_id]


async def _ratee(queries: EvaluationQueries, row: EvaluationRow) -> int:
    """The secretary whose report the ballot rates (its one result's member)."""
    return (await queries.results(row.id))[0][0]


async def _view(
    uow: UnitOfWork, queries: EvaluationQueries, row: EvaluationRow, draft: BallotDraft
) -> ReviewBallot:
    branch = await branch_of(uow, row.branch_id)
    secretary = await uow.members.get(await _ratee(queries, row))
    scores: dict[str, dict[str, int]] = dict(draft.scores or {})
    chosen = next(iter(scores.values()), {}).get(ITEM)
    assert row.deadline is not None
    name = secretary.name if secretary is not None else ""
    return ReviewBallot(
        draft.id,
        row.id,
        branch.name,
        name,
        row.year,
        row.deadline,
        int(chosen) if chosen is not None else None,
    )


async def _state(uow: UnitOfWork, queries: EvaluationQueries, branch: Branch, row: EvaluationRow,
                 score: float | None = None) -> ReviewState:  # fmt: skip
    secretary_id = await _ratee(queries, row)
    secretary = await uow.members.get(secretary_id)
    voted = await queries.voted(row.id)
    members = await _members(uow, branch, secretary_id)
    members_voted = sum(1 for m in members if voter_of_member(m.id) in voted)
    assert row.deadline is not None
    return ReviewState(
        row.id, branch.id, branch.name, secretary.name if secretary is not None else "", row.year, row.deadline,
        len(members), members_voted, len(voted) - members_voted, row.min_masses, row.closed, row.incomplete, score,
        tuple(m.id for m in members if voter_of_member(m.id) not in voted),
    )  # fmt: skip
