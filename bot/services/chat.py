"""What the chat use cases ask of the database besides the ledger services: who is writing
from which chat, claim cards, the approval queue, and the choices offered to members (offers)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.scoring.eligibility import claimable_for
from bot.scoring.engine import score_tolerant
from bot.scoring.model import Item, Scheme
from bot.scoring.result import Report
from bot.services.common import Actor, Context, Source, branch_of
from bot.services.errors import Invalid, NotFound
from bot.services.outbox import CONSOLE
from bot.services.periods import open_late, refuse_final
from bot.services.policy import approvers
from bot.services.publicity import period_containing, scheduled
from bot.storage.chat import ChatQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.read import load_year
from bot.storage.schema import Branch, MemberRow, Offer
from bot.storage.timeutil import utcnow
from bot.storage.uow import UnitOfWork

#: How long chat state is kept: processed update ids (a platform redelivers within a day),
#: offers awaiting a pick (an item for a claim, a reason for leave), where each copy of a card
#: was posted, and delivered (or refused) outbox rows.
KEEP_UPDATES, KEEP_OFFERS, KEEP_CARDS = timedelta(days=3), timedelta(days=7), timedelta(days=90)
KEEP_SENT = timedelta(days=30)
#: Ledger rows the scheme refuses are reported to the secretary once per set of such rows.
BAD_ROWS_JOB = "report_bad_rows"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Person:
    """A linked member as seen from one branch: the roles are those reaching that branch."""

    member_id: int
    name: str
    branch_id: int
    roles: frozenset[str]
    category: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.member_id, f"member:{self.member_id}")


@dataclass(frozen=True, slots=True)
class Where:
    """The writer (None when the account is not linked) and the branch the chat belongs to."""

    person: Person | None
    branch: Branch | None


@dataclass(frozen=True, slots=True)
class ClaimView:
    id: int
    branch_id: int
    member_id: int
    member: str
    item: Item | None
    item_code: str
    points: float | None
    day: date
    note: str
    status: str
    decider: str | None
    reason: str | None
    evidence: int
    #: The points the approval wrote to the ledger (the approver may have adjusted them).
    granted: float | None = None
    #: The evidence photos (sha256 in the media store), when the view was asked with them.
    photos: tuple[str, ...] = ()
    #: Who recorded it for the member, for a recorder's entry awaiting confirmation (支部核定).
    recorder: str | None = None
    #: The member claims a leading, organizing or chairing role (带头/组织/主导).
    lead: bool = False


@dataclass(frozen=True, slots=True)
class Draft:
    """A claim message whose item was not recognised, offered to its writer to pick one."""

    id: int
    member_id: int
    branch_id: int
    text: str
    day: date
    evidence: tuple[str, ...]
    source: Source


async def member_of_account(uow: UnitOfWork, platform: str, user: str) -> MemberRow | None:
    if platform == CONSOLE:
        return await uow.members.get(int(user))
    return await ChatQueries(uow.session).member_of_identity(platform, user)


def check_open(day: date, today: date, *, late: bool = False) -> None:
    """A claim's date must lie in the open period: the current year, up to today, or a day of a
    period whose publicity window is still open (``late``, see ``ChatService.check_period``)."""
    if day > today:
        raise Invalid("chat.date_future", date=day.isoformat())
    if day.year != today.year and not late:
        raise Invalid("chat.period_closed", date=day.isoformat(), year=today.year)


def unposted(kinds: Iterable[str], day: date, now: datetime) -> bool:
    """Whether the window of a period of ``kinds`` covering ``day`` is still to be posted (its
    posting time has not come), so that the period is open."""
    return any(scheduled(period_containing(kind, day)) > now for kind in kinds)


async def _person(uow: UnitOfWork, member: MemberRow, branch: Branch) -> Person:
    roles = await uow.members.roles(member.id, branch)
    return Person(member.id, member.name, member.branch_id, frozenset(roles), member.category or "")


class ChatService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def prune(self, now: datetime) -> dict[str, int]:
        """Delete the chat state nobody needs any more (see the ``KEEP_*`` ages); the counts."""
        async with self.ctx.uow() as uow:
            counts = await ChatQueries(uow.session).prune(
                updates=now - KEEP_UPDATES, offers=now - KEEP_OFFERS, cards=now - KEEP_CARDS,
                sent=now - KEEP_SENT,
            )  # fmt: skip
            await uow.commit()
        return counts

    def scheme(self, branch: Branch) -> Scheme:
        return self.ctx.schemes(branch.scheme)

    def claimable(self, branch: Branch, person: Person) -> list[Item]:
        """The items this member may claim under the branch's scheme (their category's)."""
        return claimable_for(self.scheme(branch), person.category)

    async def where(self, platform: str, user: str, chat: str, private: bool) -> Where:
        async with self.ctx.uow() as uow:
            member = await member_of_account(uow, platform, user)
            if private:
                branch = await uow.branches.get(member.branch_id) if member is not None else None
            elif platform == CONSOLE:
                branch = await uow.branches.get(-int(chat))
            else:
                branch = await uow.branches.for_chat(platform, chat)
            if member is None or branch is None:
                return Where(None, branch)
            return Where(await _person(uow, member, branch), branch)

    async def person(self, platform: str, user: str, branch_id: int) -> Person:
        """The writer with the roles reaching ``branch_id`` (a press names its branch through
        what was pressed); refused when the account is not linked."""
        async with self.ctx.uow() as uow:
            member = await member_of_account(uow, platform, user)
            branch = await branch_of(uow, branch_id)
            if member is None:
                raise NotFound("chat.not_linked_press")
            return await _person(uow, member, branch)

    async def check_period(self, branch_id: int, day: date, today: date, now: datetime) -> None:
        """``check_open`` by the branch's publicity calendar: last year's date is accepted while a
        posted window covering it is open, or while that window is still to be posted (between
        midnight and 09:00 on 1 January the period is not final: its window opens at 09:00)
        (a date inside a final period is refused by the services,
        ``periods.refuse_final``, and here for last year's dates)."""
        late = False
        if day.year != today.year and day <= today:
            async with self.ctx.uow(read_only=True) as uow:
                await refuse_final(uow, branch_id, day)
                rules = self.scheme(await branch_of(uow, branch_id)).publicity
                late = await open_late(uow, branch_id, day, now) or unposted(rules.periods, day, now)
        check_open(day, today, late=late)

    async def branch(self, branch_id: int) -> Branch:
        async with self.ctx.uow() as uow:
            return await branch_of(uow, branch_id)

    async def year_so_far(self, branch: Branch, today: date) -> tuple[Report, list[str]]:
        """The branch's scores from 1 January to ``today``, ranked, without the year-end
        computations. A ledger row the scheme refuses never stops the branch's scores: it is left
        out, and the lines describing such rows are returned the first time they are found (for
        the secretary), and nothing the next times."""
        scheme = self.scheme(branch)
        async with self.ctx.uow() as uow:
            data = await load_year(uow, branch.id, today.year, until=today, scheme=scheme)
            report, problems = score_tolerant(scheme, data, until=today, final=False)
            if not problems:
                return report, []
            lines = sorted(p.text for p in problems)
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
            if not await uow.jobs.claim(BAD_ROWS_JOB, f"branch-{branch.id}", digest):
                return report, []
            await uow.commit()
        log.warning("branch %s: %d ledger rows left out of the scores: %s", branch.id, len(lines), lines)
        return report, lines

    async def presser(self, platform: str, user: str, claim_id: int) -> Person:
        """Who pressed a button on a claim, with the roles reaching the claim's branch."""
        async with self.ctx.uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim is None:
                raise NotFound("claim.unknown", claim=claim_id)
        return await self.person(platform, user, claim.branch_id)

    async def deciders(self, branch: Branch, member_id: int) -> int:
        """How many people other than ``member_id`` may decide the member's claims."""
        async with self.ctx.uow() as uow:
            holders = await OutboxQueries(uow.session).holders(
                branch.id, branch.committee_id, approvers(self.scheme(branch))
            )
        return len([m for m in holders if m != member_id])

    async def claim(self, claim_id: int, *, photos: bool = False) -> ClaimView:
        async with self.ctx.uow() as uow:
            found = await ChatQueries(uow.session).claim_with_names(claim_id)
            if found is None:
                raise NotFound("claim.unknown", claim=claim_id)
            row, member, decider, files, granted = found
            branch = await uow.branches.get(row.branch_id)
            item = self.ctx.schemes(branch.scheme).item(row.item) if branch is not None else None
            shas = tuple(await uow.claims.evidence(row.id)) if files and photos else ()
            by = await uow.members.get(row.recorded_by) if row.recorded_by is not None else None
            return ClaimView(
                row.id, row.branch_id, row.member_id, member, item, row.item, row.points,
                row.effective_date, row.note, row.status, decider, row.decision_reason, files, granted,
                shas, by.name if by is not None else None, lead=row.lead,
            )  # fmt: skip

    async def pending(self, branch_id: int, limit: int = 10, member_id: int | None = None) -> list[ClaimView]:
        """The branch's pending claims (one member's, when given), oldest first."""
        async with self.ctx.uow() as uow:
            ids = await ChatQueries(uow.session).pending(branch_id, limit, member_id)
        return [await self.claim(i) for i in ids]

    async def move_chat(self, platform: str, old: str, new: str) -> bool:
        """The platform replaced a group chat by a new one; the branch binding moves with it."""
        async with self.ctx.uow() as uow:
            moved = await ChatQueries(uow.session).move_chat(platform, old, new)
            if moved:
                await uow.audit.record("bot", "chat.moved", subject=f"{platform}:{old}", details={"to": new})
            await uow.commit()
            return moved

    async def offer(self, kind: str, branch_id: int, member_id: int, payload: dict[str, object]) -> int:
        """Offer a member a choice (``leave_reason``: payload names the meeting); its id."""
        async with self.ctx.uow() as uow:
            offer_id = await ChatQueries(uow.session).add_offer(
                Offer(kind=kind, branch_id=branch_id, member_id=member_id, payload=payload)
            )
            await uow.commit()
            return offer_id

    async def take(
        self, kind: str, offer_id: int, platform: str, user: str, not_yours: str
    ) -> tuple[Person, dict[str, object]]:
        """The presser and the offer's payload, using the offer up (see ``take_offer``)."""
        async with self.ctx.uow() as uow:
            offer = await take_offer(uow, offer_id, kind, platform, user, not_yours)
            member = await uow.members.get(offer.member_id)
            assert member is not None
            person = await _person(uow, member, await branch_of(uow, offer.branch_id))
            await uow.commit()
            return person, dict(offer.payload)

    async def offer_items(self, draft: Draft) -> int:
        """Offer the writer of a claim message whose item was not recognised a pick of items."""
        payload: dict[str, object] = {
            "text": draft.text, "date": draft.day.isoformat(), "evidence": list(draft.evidence),
            "platform": draft.source.platform, "chat": draft.source.chat, "message": draft.source.message,
        }  # fmt: skip
        return await self.offer("claim_item", draft.branch_id, draft.member_id, payload)

    async def take_items_offer(self, offer_id: int, platform: str, user: str) -> tuple[Person, Draft]:
        """The presser and the draft claim, using the offer up: only the member it was offered
        to may pick, and only once (a second pick, or another member's, is refused)."""
        person, p = await self.take("claim_item", offer_id, platform, user, "chat.not_your_draft")
        source = Source(*(None if p.get(k) is None else str(p[k]) for k in ("platform", "chat", "message")))
        evidence = tuple(str(e) for e in p.get("evidence") or ())  # type: ignore[attr-defined]
        day = date.fromisoformat(str(p["date"]))
        return person, Draft(
            offer_id, person.member_id, person.branch_id, str(p["text"]), day, evidence, source
        )


async def take_offer(
    uow: UnitOfWork, offer_id: int, kind: str, platform: str, user: str, not_yours: str
) -> Offer:
    """Use up an offer made to the presser: refused (with ``not_yours``) for anyone else, and
    when it was used already (a second press) or has expired."""
    queries = ChatQueries(uow.session)
    offer = await queries.offer(offer_id)
    if offer is None or offer.kind != kind:
        raise Invalid("chat.stale_button")
    member = await member_of_account(uow, platform, user)
    if member is None:
        raise NotFound("chat.not_linked_press")
    if member.id != offer.member_id:
        raise Invalid(not_yours)
    await use_up(uow, offer)
    return offer


async def use_up(uow: UnitOfWork, offer: Offer) -> None:
    """Use the offer up, in the transaction that acts on it; refused when it was used already
    (a second press, even at the same moment on another replica)."""
    if not await ChatQueries(uow.session).use_offer(offer.id, utcnow()):
        raise Invalid("chat.offer_used")
