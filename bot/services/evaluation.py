"""Democratic evaluation (民主测评) in the chat, anonymous.

The secretary opens an evaluation for the branch (the scheme's ``[rating]`` items, a deadline:
the last day of voting). Every member, and masses representatives (群众代表) invited with
one-time codes, rate each member item by item in a private chat with the bot (0 to the item's
maximum, one member at a time), the voter's own card excepted: a member never rates themselves.
The ballot is a draft until it is submitted: resumable after days, changeable until 提交.

What is kept links no voter to a score once the ballot is submitted (``bot/storage/evaluation.py``):
a receipt (the voter, the day) stops a second ballot; the scores are folded into per member and
item sums and counts; the draft is deleted and the messages that showed it are scrubbed; nothing
about a ballot is logged or put in the audit log. No result is read by the scorer, or shown,
before the evaluation closes (the day after its deadline, by the bot's clock, once; or by the
secretary). It closes 数据不全 (``incomplete``: its results are not used) when fewer masses
representatives voted than the scheme's ``min_mass_raters``.

Voters are ``member:<id>`` (whatever platform the member votes from) and ``mass:<code id>``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.i18n import t
from bot.scoring.model import RatingItem, Scheme
from bot.services.chat import member_of_account
from bot.services.common import Actor, Context, SchemeSource, branch_of, require_role
from bot.services.errors import Duplicate, Forbidden, Invalid, NotFound
from bot.services.invites import ALPHABET, CODE_LENGTH, digest
from bot.services.recorded import on_roster
from bot.storage.evaluation import MEMBERS, REPORT, EvaluationQueries
from bot.storage.schema import BallotDraft, Branch, EvaluationRow, MemberRow
from bot.storage.timeutil import local_zone, to_local
from bot.storage.uow import UnitOfWork

#: Who opens, follows and closes an evaluation and invites masses representatives.
EVALUATORS = ("secretary", "committee")
#: The most codes one request makes.
MAX_CODES = 100
CLOSE_JOB, REMIND_JOB = "evaluation.close", "evaluation.remind"
#: The reminder the day before the deadline, at this hour (local time).
REMIND_HOUR = 18


@dataclass(frozen=True, slots=True)
class Ratee:
    member_id: int
    name: str


#: What a ballot's buttons name: the draft and its evaluation, in that order as 述职评议's do (a
#: deleted draft's id may come again on SQLite, so a card of an earlier evaluation must not reach a
#: later draft with the same id).
Handle = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Ballot:
    """A voter's ballot as it stands: the members to rate, the one on screen, the scores so far."""

    draft_id: int
    evaluation_id: int
    year: int
    deadline: date
    items: tuple[RatingItem, ...]
    ratees: tuple[Ratee, ...]
    position: int
    #: member id -> item code -> score
    scores: dict[int, dict[str, int]]

    @property
    def current(self) -> Ratee:
        return self.ratees[self.position]

    def rated(self, member_id: int) -> dict[str, int]:
        return self.scores.get(member_id, {})

    def complete(self, member_id: int) -> bool:
        return all(i.code in self.rated(member_id) for i in self.items)

    @property
    def done(self) -> int:
        return sum(1 for r in self.ratees if self.complete(r.member_id))

    def next_item(self) -> int | None:
        """The index of the current member's first item not rated yet."""
        rated = self.rated(self.current.member_id)
        return next((n for n, i in enumerate(self.items) if i.code not in rated), None)


@dataclass(frozen=True, slots=True)
class Participation:
    """Who voted, as counts, and who of the members has not (never how anyone voted)."""

    evaluation_id: int
    branch_id: int
    branch: str
    year: int
    deadline: date
    members: int
    members_voted: int
    not_voted: tuple[str, ...]
    masses_voted: int
    masses_needed: int
    codes_issued: int
    codes_used: int
    closed: bool = False
    incomplete: bool = False
    not_voted_ids: tuple[int, ...] = field(default=())

    @property
    def masses_missing(self) -> int:
        return max(0, self.masses_needed - self.masses_voted)


@dataclass(frozen=True, slots=True)
class Opened:
    evaluation_id: int
    branch_id: int
    branch: str
    year: int
    deadline: date
    items: tuple[str, ...]
    ratees: int
    masses_needed: int


@dataclass(frozen=True, slots=True)
class Invited:
    codes: tuple[str, ...]
    deadline: date
    issued: int
    masses_needed: int


@dataclass(frozen=True, slots=True)
class Due:
    """Work of the bot's clock: close an evaluation, or remind of it the day before its deadline."""

    job: str
    evaluation_id: int
    period: str


def voter_of_member(member_id: int) -> str:
    return f"member:{member_id}"


def _items(scheme: Scheme) -> tuple[RatingItem, ...]:
    if scheme.rating is None:
        raise Invalid("evaluation.no_items", scheme=scheme.id)
    return tuple(scheme.rating.items)


def _scores(draft: BallotDraft) -> dict[int, dict[str, int]]:
    return {int(m): {str(i): int(s) for i, s in v.items()} for m, v in (draft.scores or {}).items()}


def _stored(scores: dict[int, dict[str, int]]) -> dict[str, Any]:
    return {str(m): dict(v) for m, v in scores.items() if v}


def closes_at(deadline: date) -> datetime:
    """When an evaluation closes: the start of the day after its deadline, local time."""
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=local_zone())


class EvaluationService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    # -- the secretary -------------------------------------------------------------------

    async def open(
        self, actor: Actor, branch_id: int, deadline: date, today: date, year: int | None = None
    ) -> Opened:
        """Open an evaluation of the branch's members until ``deadline`` (inclusive)."""
        if deadline < today:
            raise Invalid("evaluation.deadline_past", deadline=deadline.isoformat())
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, EVALUATORS)
            scheme = self.ctx.schemes(branch.scheme)
            items = _items(scheme)
            queries = EvaluationQueries(uow.session)
            running = await queries.open_of(branch.id)
            if running is not None:
                raise Duplicate("evaluation.already_open", running.id, deadline=_day(running))
            year = year or today.year
            earlier = await queries.results_exist(branch.id, year)
            if earlier is not None:
                raise Duplicate("evaluation.year_done", earlier, year=year)
            ratees = [m.id for m in await _ratees(uow, branch, deadline)]
            if not ratees:
                raise Invalid("evaluation.nobody", branch=branch.name)
            minimum = scheme.rating.min_mass_raters if scheme.rating is not None else 0
            row = EvaluationRow(
                branch_id=branch.id, year=year, title=f"{year}", deadline=deadline, opened_by=actor.member_id,
                items=[i.code for i in items], min_masses=minimum,
            )  # fmt: skip
            await queries.open(row, ratees, [i.code for i in items])
            await uow.audit.record(actor.label, "evaluation.open", branch_id=branch.id, subject=f"evaluation:{row.id}",
                                   details={"deadline": deadline.isoformat(), "year": year})  # fmt: skip
            await uow.commit()
            return Opened(row.id, branch.id, branch.name, year, deadline, tuple(i.name for i in items),
                          len(ratees), minimum)  # fmt: skip

    async def invite(self, actor: Actor, branch_id: int, count: int) -> Invited:
        """``count`` one-time codes for masses representatives of the branch's open evaluation."""
        if not 1 <= count <= MAX_CODES:
            raise Invalid("evaluation.invite_count", most=MAX_CODES)
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, EVALUATORS)
            queries = EvaluationQueries(uow.session)
            row = await _open_evaluation(queries, branch)
            codes = tuple("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count))
            await queries.add_codes(row.id, (digest(c) for c in codes))
            issued, _used = await queries.code_counts(row.id)
            await uow.audit.record(actor.label, "evaluation.invite", branch_id=branch.id,
                                   subject=f"evaluation:{row.id}", details={"codes": count})  # fmt: skip
            await uow.commit()
            assert row.deadline is not None
            return Invited(codes, row.deadline, issued, row.min_masses)

    async def status(self, actor: Actor, branch_id: int) -> Participation:
        """The branch's open evaluation (else its latest in the chat): participation only."""
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, EVALUATORS)
            queries = EvaluationQueries(uow.session)
            row = await queries.open_of(branch.id) or await _latest(queries, branch.id)
            return await _participation(uow, queries, branch, row)

    async def running(self, branch_id: int) -> tuple[int, date] | None:
        """The year and the deadline of the branch's evaluation being held in the chat, if any
        (the group was told both when it opened; ``日程`` shows them)."""
        async with self.ctx.uow(read_only=True) as uow:
            row = await EvaluationQueries(uow.session).open_of(branch_id)
        if row is None or row.deadline is None:
            return None
        return row.year, row.deadline

    async def close(self, actor: Actor, branch_id: int) -> Participation:
        """Close the branch's open evaluation now (the secretary), before or after its deadline."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, EVALUATORS)
            queries = EvaluationQueries(uow.session)
            row = await _open_evaluation(queries, branch)
            done = await self.close_held(uow, queries, branch, row, actor.label)
            await uow.commit()
            return done

    async def close_due(self, evaluation_id: int) -> Participation | None:
        """The clock closes an evaluation whose deadline has passed (once: None if it is closed)."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row = await queries.get(evaluation_id)
            if row is None or row.closed:
                return None
            branch = await branch_of(uow, row.branch_id)
            done = await self.close_held(uow, queries, branch, row, "system:clock")
            await uow.commit()
            return done

    async def reminder(self, evaluation_id: int) -> Participation | None:
        """Participation of an evaluation still open, for the reminder before its deadline."""
        async with self.ctx.uow(read_only=True) as uow:
            queries = EvaluationQueries(uow.session)
            row = await queries.get(evaluation_id)
            if row is None or row.closed:
                return None
            return await _participation(uow, queries, await branch_of(uow, row.branch_id), row)

    async def due(self, now: datetime, subject: str = MEMBERS) -> list[Due]:
        """Evaluations to close (their deadline has passed) or to remind of (the evening before)."""
        today = to_local(now).date()
        async with self.ctx.uow(read_only=True) as uow:
            rows = await EvaluationQueries(uow.session).open_all(subject)
        out: list[Due] = []
        for row in rows:
            assert row.deadline is not None
            if now >= closes_at(row.deadline):
                out.append(Due(CLOSE_JOB, row.id, row.deadline.isoformat()))
                continue
            eve = row.deadline - timedelta(days=1)
            remind_at = datetime.combine(eve, time(REMIND_HOUR), tzinfo=local_zone())
            if today >= eve and now >= remind_at:
                out.append(Due(REMIND_JOB, row.id, eve.isoformat()))
        return out

    async def close_held(
        self, uow: UnitOfWork, queries: EvaluationQueries, branch: Branch, row: EvaluationRow, by: str
    ) -> Participation:
        voted = await queries.voted(row.id)
        masses = sum(1 for v in voted if v.startswith("mass:"))
        counted = len(voted) if row.subject == REPORT else masses  # 述职评议: every rater counts
        incomplete = counted < row.min_masses
        if not await queries.close(row.id, incomplete):
            raise Invalid("evaluation.closed_already")
        row.closed, row.incomplete = True, incomplete
        drafts = await queries.delete_drafts(row.id)  # ballots never submitted count for nothing
        await queries.scrub(drafts, _scrubbed())
        await queries.rewrite(row.id)  # every row now written by the close, none by a ballot
        uow.after_commit(queries.forget_old_versions)
        await uow.audit.record(by, "evaluation.close", branch_id=branch.id, subject=f"evaluation:{row.id}",
                               details={"ballots": len(voted), "incomplete": incomplete})  # fmt: skip
        return await _participation(uow, queries, branch, row)

    # -- a voter -------------------------------------------------------------------------

    async def redeem(self, platform: str, account: str, code: str) -> Ballot:
        """A masses representative's code: used once, it makes this account a voter."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            found = await queries.code(digest(code))
            if found is None:
                raise Invalid("evaluation.bad_code")
            row = await queries.get(found.evaluation_id)
            if row is None or row.closed:
                raise Invalid("evaluation.code_closed")
            who = f"{platform}:{account}"
            if found.used_by is not None and found.used_by != who:
                raise Invalid("evaluation.code_used")
            if await member_of_account(uow, platform, account) is not None:
                raise Invalid("evaluation.code_member")
            if found.used_by is None:
                if any(c.evaluation_id == row.id for c in await queries.codes_of(who)):
                    raise Invalid("evaluation.code_second")
                if not await queries.use_code(found.id, who):
                    raise Invalid("evaluation.code_used")
            ballot = await self._ballot(uow, queries, row, f"mass:{found.id}", None)
            await uow.commit()
            return ballot

    async def ballot(self, platform: str, account: str) -> Ballot:
        """The voter's ballot (started now, or as they left it)."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, voter, me = await self._voter(uow, queries, platform, account)
            ballot = await self._ballot(uow, queries, row, voter, me)
            await uow.commit()
            return ballot

    async def rate(
        self, platform: str, account: str, handle: Handle, member_id: int, item: int, score: int
    ) -> Ballot:
        """One score of the member on screen (a button); then the next item, or the next member."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            _row, draft, ballot = await self._draft(uow, queries, platform, account, handle)
            if ballot.current.member_id != member_id or not 0 <= item < len(ballot.items):
                raise Invalid("evaluation.stale")
            scores = _checked(ballot, {ballot.items[item].code: score})
            return await self._keep(uow, queries, draft, ballot, scores, advance=True)

    async def rate_all(self, platform: str, account: str, numbers: list[int]) -> Ballot:
        """Every item of the member on screen at once (typed: ``8 9 7 10 ...``)."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, voter, me = await self._voter(uow, queries, platform, account)
            ballot = await self._ballot(uow, queries, row, voter, me)
            if len(numbers) != len(ballot.items):
                raise Invalid("evaluation.typed_count", count=len(ballot.items), given=len(numbers),
                              items="、".join(i.name for i in ballot.items))  # fmt: skip
            scores = _checked(ballot, {i.code: n for i, n in zip(ballot.items, numbers, strict=True)})
            draft = await queries.draft_by_id(ballot.draft_id)
            assert draft is not None
            return await self._keep(uow, queries, draft, ballot, scores, advance=True)

    async def move(self, platform: str, account: str, handle: Handle, position: int) -> Ballot:
        """上一位 / 下一位."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            _row, draft, ballot = await self._draft(uow, queries, platform, account, handle)
            if not 0 <= position < len(ballot.ratees):
                raise Invalid("evaluation.stale")
            moved = replace(ballot, position=position)
            return await self._keep(
                uow, queries, draft, moved, ballot.rated(moved.current.member_id), advance=False
            )

    async def clear(self, platform: str, account: str, handle: Handle, member_id: int) -> Ballot:
        """重评: the member on screen's scores are cleared, to be given again."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            _row, draft, ballot = await self._draft(uow, queries, platform, account, handle)
            if ballot.current.member_id != member_id:
                raise Invalid("evaluation.stale")
            return await self._keep(uow, queries, draft, ballot, {}, advance=False)

    async def submit(self, platform: str, account: str, handle: Handle | None, today: date) -> int:
        """Cast the ballot: every member rated on every item, else refused naming who is left.
        How many members it rated."""
        async with self.ctx.uow() as uow:
            queries = EvaluationQueries(uow.session)
            row, voter, me = await self._voter(uow, queries, platform, account)
            if voter in await queries.voted(row.id):
                raise Duplicate("evaluation.voted", row.id)
            draft = await queries.draft(row.id, voter)
            if draft is None or (handle is not None and handle != (draft.id, row.id)):
                raise Invalid("evaluation.stale")
            ballot = await self._ballot(uow, queries, row, voter, me)
            left = [r.name for r in ballot.ratees if not ballot.complete(r.member_id)]
            if left:
                raise Invalid("evaluation.not_complete", names="、".join(left), count=len(left))
            scores = {(m, i): float(s) for m, items in ballot.scores.items() for i, s in items.items()
                      if any(r.member_id == m for r in ballot.ratees)}  # fmt: skip
            if not await queries.cast(row.id, voter, today, scores):
                raise Duplicate("evaluation.voted", row.id)
            await queries.delete_drafts(row.id, draft.id)
            await queries.scrub([draft.id], _scrubbed())
            await uow.commit()
            return len(ballot.ratees)

    async def _voter(
        self, uow: UnitOfWork, queries: EvaluationQueries, platform: str, account: str
    ) -> tuple[EvaluationRow, str, int | None]:
        """The open evaluation this account votes in, its voter key and its member id (if a member)."""
        member = await member_of_account(uow, platform, account)
        if member is not None:
            branch = await branch_of(uow, member.branch_id)
            row = await _open_evaluation(queries, branch)
            return row, voter_of_member(member.id), member.id
        for code in reversed(await queries.codes_of(f"{platform}:{account}")):
            found = await queries.get(code.evaluation_id)
            if found is not None and not found.closed:
                return found, f"mass:{code.id}", None
        raise NotFound("evaluation.not_voter")

    async def _ballot(
        self, uow: UnitOfWork, queries: EvaluationQueries, row: EvaluationRow, voter: str, me: int | None
    ) -> Ballot:
        if voter in await queries.voted(row.id):
            raise Duplicate("evaluation.voted", row.id)
        draft = await queries.draft(row.id, voter) or await queries.start_draft(row.id, voter)
        return await _view(uow, queries, row, draft, me, self.ctx.schemes)

    async def _draft(
        self, uow: UnitOfWork, queries: EvaluationQueries, platform: str, account: str, handle: Handle
    ) -> tuple[EvaluationRow, BallotDraft, Ballot]:
        row, voter, me = await self._voter(uow, queries, platform, account)
        if voter in await queries.voted(row.id):
            raise Duplicate("evaluation.voted", row.id)
        draft_id, evaluation_id = handle
        draft = await queries.draft_by_id(draft_id)
        if draft is None or draft.voter != voter or draft.evaluation_id != row.id or evaluation_id != row.id:
            raise Forbidden("evaluation.stale")
        return row, draft, await _view(uow, queries, row, draft, me, self.ctx.schemes)

    async def _keep(
        self, uow: UnitOfWork, queries: EvaluationQueries, draft: BallotDraft, ballot: Ballot,
        current: dict[str, int], *, advance: bool,
    ) -> Ballot:  # fmt: skip
        scores = {**ballot.scores, ballot.current.member_id: current}
        kept = replace(ballot, scores=scores)
        position = (
            _next_position(kept) if advance and kept.complete(kept.current.member_id) else kept.position
        )
        await queries.keep_draft(draft, position, _stored(scores))
        await uow.commit()
        return replace(kept, position=position)


def _scrubbed() -> str:
    return t("evaluation.scrubbed")


def _day(row: EvaluationRow) -> str:
    return row.deadline.isoformat() if row.deadline is not None else ""


def _checked(ballot: Ballot, given: dict[str, int]) -> dict[str, int]:
    """The member on screen's scores with ``given`` in; a score outside 0..max is refused."""
    for item in ballot.items:
        if item.code in given and not 0 <= given[item.code] <= item.max:
            raise Invalid(
                "evaluation.score_range", item=item.name, most=f"{item.max:g}", score=given[item.code]
            )
    return {**ballot.rated(ballot.current.member_id), **given}


def _next_position(ballot: Ballot) -> int:
    """The first member after the one on screen (going round) not fully rated; else the same."""
    count = len(ballot.ratees)
    for step in range(1, count + 1):
        position = (ballot.position + step) % count
        if not ballot.complete(ballot.ratees[position].member_id):
            return position
    return ballot.position


async def _open_evaluation(queries: EvaluationQueries, branch: Branch) -> EvaluationRow:
    row = await queries.open_of(branch.id)
    if row is None:
        raise NotFound("evaluation.none_open", branch=branch.name)
    return row


async def _latest(queries: EvaluationQueries, branch_id: int) -> EvaluationRow:
    row = await queries.latest(branch_id)
    if row is None:
        raise NotFound("evaluation.none", branch_id=branch_id)
    return row


async def _ratees(uow: UnitOfWork, branch: Branch, deadline: date) -> list[MemberRow]:
    """The members rated: on the roster on the deadline and not exempt (免于积分)."""
    members = await uow.members.list(branch.id)
    return [m for m in members if not m.exempt and on_roster(m, deadline, deadline)]


async def _view(
    uow: UnitOfWork,
    queries: EvaluationQueries,
    row: EvaluationRow,
    draft: BallotDraft,
    me: int | None,
    schemes: SchemeSource,
) -> Ballot:
    """The ballot of a draft: the evaluation's members (the voter left out), the scheme's items."""
    branch = await branch_of(uow, row.branch_id)
    items = {i.code: i for i in _items(schemes(branch.scheme))}
    codes = row.items or list(items)
    rated = sorted({m for m, _i, _t, _n in await queries.results(row.id)})
    names = {m.id: m.name for m in await uow.members.list(branch.id)}
    ratees = tuple(Ratee(m, names.get(m, str(m))) for m in rated if m != me)
    if not ratees:
        raise Invalid("evaluation.nobody", branch=branch.name)
    assert row.deadline is not None
    position = min(max(draft.position, 0), len(ratees) - 1)
    chosen = tuple(items[c] for c in codes if c in items)
    return Ballot(draft.id, row.id, row.year, row.deadline, chosen, ratees, position, _scores(draft))


async def _participation(
    uow: UnitOfWork, queries: EvaluationQueries, branch: Branch, row: EvaluationRow
) -> Participation:
    voted = await queries.voted(row.id)
    members = [m for m in await uow.members.list(branch.id) if m.left is None]
    missing = [m for m in members if voter_of_member(m.id) not in voted]
    issued, used = await queries.code_counts(row.id)
    assert row.deadline is not None
    return Participation(
        row.id, branch.id, branch.name, row.year, row.deadline, len(members), len(members) - len(missing),
        tuple(m.name for m in missing), sum(1 for v in voted if v.startswith("mass:")), row.min_masses,
        issued, used, row.closed, row.incomplete, tuple(m.id for m in missing),
    )  # fmt: skip
