"""The bot's own clock, started by the composition root for every run mode (Telegram, the
console, any other channel): it runs the jobs that are due.

Each run is keyed by job, scope and period (``meeting.close`` / ``meeting-12`` / ``close``;
``prune_chat_state`` / ``all`` / ``2026-12-01``) and claimed with ``INSERT ... ON CONFLICT`` in the
transaction that does its work, together with the messages it sends (outbox rows): it happens
once across replicas and restarts, and the due queries leave out what is done. A run missed
while the bot was down is due at the next tick; a run that fails is recorded (``job_runs``:
state, attempts, last error) and tried again at the next tick, up to ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot import metrics
from bot.handlers import committee as committee_replies
from bot.handlers import evaluation, review
from bot.handlers.board import scheduled_board
from bot.handlers.context import Deps
from bot.handlers.meetings import closed
from bot.handlers.publicity import finalized, posted, reminded
from bot.handlers.types import Reply
from bot.services.committee import JOB as COMMITTEE_JOB
from bot.services.committee import MISSING_JOB as COMMITTEE_MISSING_JOB
from bot.services.committee import CommitteeDue, CommitteeService
from bot.services.evaluation import CLOSE_JOB as EVALUATION_CLOSE
from bot.services.evaluation import EvaluationService
from bot.services.policy import settings_of
from bot.services.publicity import FINAL_JOB, Due, PublicityService
from bot.services.publicity import JOB as PUBLICITY_JOB
from bot.services.reminders import Reminder, ReminderService
from bot.services.review import CLOSE_JOB as REVIEW_CLOSE
from bot.services.review import ReviewService
from bot.storage.chat import CLOSE_JOB
from bot.storage.outbox import Outgoing
from bot.storage.timeutil import to_local, utcnow

log = logging.getLogger(__name__)

#: How often the clock looks for due work, in seconds.
TICK_SECONDS = 30.0
PRUNE_JOB = "prune_chat_state"
#: A run that failed this many times is left alone (its last error stays in ``job_runs``).
MAX_ATTEMPTS = 5

#: A run's work: its replies, or None when another replica did it meanwhile (it claims the run itself).
Work = Callable[[], Awaitable[list[Reply] | None]]


class Clock:
    def __init__(self, deps: Deps, every: float = TICK_SECONDS) -> None:
        self.deps, self.every = deps, every
        self._pruned_on: str | None = None
        self.publicity = PublicityService(deps.chat.ctx)
        self.reminders = ReminderService(deps.chat.ctx)
        self.evaluations = deps.evaluation or EvaluationService(deps.chat.ctx)
        self.committees = deps.committee or CommitteeService(deps.chat.ctx, deps.now)
        self.reviews = deps.review or ReviewService(deps.chat.ctx)

    async def tick(self) -> list[Outgoing]:
        """Run everything due now, once; the messages it sent."""
        rows: list[Outgoing] = []
        now = self.deps.now()
        for meeting_id in await self.deps.meetings.due(now):
            rows += await self._run(CLOSE_JOB, f"meeting-{meeting_id}", "close", self._closer(meeting_id))
        day = to_local(now).date().isoformat()
        if self._pruned_on != day:
            rows += await self._run(PRUNE_JOB, "all", day, self._prune, claim=True)
            self._pruned_on = day
        rows += await self._publicity(now)
        for reminder in await self.reminders.due(now):
            scope = f"branch-{reminder.branch_id}"
            rows += await self._run(
                reminder.job, scope, reminder.period, self._reminder(reminder), claim=True
            )
        rows += await self._evaluations(now)
        rows += await self._reviews(now)
        rows += await self._committees(now)
        return rows

    # 民主测评: closed once the day after its deadline (``evaluation.close`` / ``evaluation-7`` /
    # the deadline), its participation told to the secretary; the evening before, the members
    # who have not voted are reminded (``evaluation.remind`` / ``evaluation-7`` / the eve).
    async def _evaluations(self, now: datetime) -> list[Outgoing]:
        rows: list[Outgoing] = []
        for due in await self.evaluations.due(now):
            rows += await self._run(
                due.job, f"evaluation-{due.evaluation_id}", due.period, self._evaluation(due.job, due.evaluation_id),
                claim=True,
            )  # fmt: skip
        return rows

    def _evaluation(self, job: str, evaluation_id: int) -> Work:
        async def work() -> list[Reply]:
            if job == EVALUATION_CLOSE:
                done = await self.evaluations.close_due(evaluation_id)
                return evaluation.closed(done) if done is not None else []
            due = await self.evaluations.reminder(evaluation_id)
            return evaluation.reminded(due) if due is not None else []

        return work

    # 述职评议: closed once the day after its deadline (``review.close`` / ``evaluation-9`` / the
    # deadline), its average the branch's 述职评议 score, the committee told privately; the evening
    # before, the members who have not rated are reminded (``review.remind`` / ``evaluation-9`` / the eve).
    async def _reviews(self, now: datetime) -> list[Outgoing]:
        rows: list[Outgoing] = []
        for due in await self.reviews.due(now):
            rows += await self._run(
                due.job, f"evaluation-{due.evaluation_id}", due.period, self._review(due.job, due.evaluation_id),
                claim=True,
            )  # fmt: skip
        return rows

    def _review(self, job: str, evaluation_id: int) -> Work:
        async def work() -> list[Reply]:
            if job == REVIEW_CLOSE:
                done = await self.reviews.close_due(evaluation_id)
                return review.closed(done) if done is not None else []
            due = await self.reviews.reminder(evaluation_id)
            return review.reminded(due) if due is not None else []

        return work

    # -- the township committee's yearly branch star rating (党支部评星定级) ----------------------

    async def _committees(self, now: datetime) -> list[Outgoing]:
        """Each committee's year, published once every branch is scored (``branch-star`` /
        ``committee-<id>`` / ``<year>``); what is missing named once from its deadline on."""
        rows: list[Outgoing] = []
        for due in await self.committees.due(now):
            job = COMMITTEE_JOB if due.complete else COMMITTEE_MISSING_JOB
            scope = f"committee-{due.committee_id}"
            work = self._committee_publisher(due) if due.complete else self._committee_missing(due)
            rows += await self._run(job, scope, str(due.year), work, claim=True)
        return rows

    def _committee_publisher(self, due: CommitteeDue) -> Work:
        async def publish() -> list[Reply]:
            published = await self.committees.publish(due, self.deps.now())
            return committee_replies.posted(published) if published is not None else []

        return publish

    def _committee_missing(self, due: CommitteeDue) -> Work:
        async def name_missing() -> list[Reply]:
            return committee_replies.missing(await self.committees.missing(due))

        return name_missing

    def _reminder(self, reminder: Reminder) -> Work:
        async def remind() -> list[Reply]:
            branch = await self.deps.chat.branch(reminder.branch_id)
            return reminded(reminder, settings_of(branch).pending_days)

        return remind

    async def _publicity(self, now: datetime) -> list[Outgoing]:
        """Post the windows due (a missed one once, late) and make final the windows ended with
        every objection decided. The scoring runs before the run's write transaction."""
        rows: list[Outgoing] = []
        for due in await self.publicity.due(now):
            scope = f"branch-{due.branch_id}"
            try:
                snapshot = await self.publicity.snapshot(due.branch_id, due.period)
            except Exception as err:
                await self._failed(PUBLICITY_JOB, scope, due.period.key, err)
                continue
            at = self.deps.now()  # the board says when the window closes: drawn for this opening
            try:
                board = await scheduled_board(self.deps, due, snapshot, at)
            except Exception:  # the post goes out without its pictures rather than not at all
                log.exception("publicity board of branch %s %s not drawn", due.branch_id, due.period.key)
                board = []
            rows += await self._run(
                PUBLICITY_JOB, scope, due.period.key, self._publisher(due, snapshot, at, board), claim=True
            )
        for window_id, closes_at in await self.publicity.to_finalize(now):
            scope, stamp = f"window-{window_id}", closes_at.isoformat()
            try:
                final = await self.publicity.final_snapshot(window_id)
            except Exception as err:
                await self._failed(FINAL_JOB, scope, stamp, err)
                continue
            rows += await self._run(FINAL_JOB, scope, stamp, self._finalizer(window_id, final))
        return rows

    def _publisher(self, due: Due, snapshot: dict[str, Any], at: datetime, board: list[Reply]) -> Work:
        async def publish() -> list[Reply]:
            return posted(await self.publicity.publish(due, snapshot, at), board)

        return publish

    def _finalizer(self, window_id: int, final: dict[str, Any]) -> Work:
        async def finalize() -> list[Reply] | None:  # a conditional update: once, whoever runs it
            window = await self.publicity.finalize(window_id, final, self.deps.now())
            return finalized(window) if window is not None else None

        return finalize

    def _closer(self, meeting_id: int) -> Work:
        async def close() -> list[Reply] | None:
            sheet = await self.deps.meetings.close(meeting_id, self.deps.now())  # claims the run itself
            return closed(sheet) if sheet is not None else None

        return close

    async def _prune(self) -> list[Reply]:
        counts = await self.deps.chat.prune(self.deps.now())
        log.info("pruned chat state: %s", counts)
        return []

    async def _run(
        self, job: str, scope: str, period: str, work: Work, *, claim: bool = False
    ) -> list[Outgoing]:
        """One run in one unit of work: its claim, its writes and its messages commit together."""
        try:
            async with self.deps.units() as uow:
                with uow.current():
                    state = await uow.jobs.state(job, scope, period)
                    if (state is not None and (state[0] == "done" or state[1] >= MAX_ATTEMPTS)) or (
                        claim and not await uow.jobs.claim(job, scope, period, self.deps.now())
                    ):
                        metrics.run(job, "skipped")
                        return []
                    replies = await work()
                    if replies is None:
                        metrics.run(job, "skipped")
                        return []
                    rows = await self.deps.outbox.write(
                        uow, f"job:{job}:{scope}:{period}", replies, None, utcnow()
                    )
                    await uow.commit()
        except Exception as err:
            await self._failed(job, scope, period, err)
            return []
        metrics.run(job, "done")
        await self.deps.delivery.send(rows)
        return rows

    async def _failed(self, job: str, scope: str, period: str, err: Exception) -> None:
        log.exception("job %s %s %s failed", job, scope, period)
        metrics.run(job, "failed")
        async with self.deps.units() as uow:
            await uow.jobs.failed(job, scope, period, f"{type(err).__name__}: {err}", self.deps.now())
            await uow.commit()

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set (the first tick at once: catch up what was missed)."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the database may be busy or down for a moment
                log.exception("clock tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
