"""What the chat use cases ask of the database besides the ledger services: who is writing
from which chat, claim cards, the approval queue, drafts, and processed updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.scoring.engine import score
from bot.scoring.model import Item, Scheme
from bot.scoring.result import Report
from bot.services.common import Actor, Context, Source, branch_of, require_role
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.storage.chat import ChatQueries
from bot.storage.read import load_year
from bot.storage.schema import Branch, ClaimDraft, MemberRow
from bot.storage.timeutil import to_local
from bot.storage.uow import UnitOfWork

#: How long chat state is kept: processed update ids (a platform redelivers within a day),
#: claim drafts awaiting an item pick, and where each copy of a card was posted.
KEEP_UPDATES, KEEP_DRAFTS, KEEP_CARDS = timedelta(days=3), timedelta(days=7), timedelta(days=90)
PRUNE_JOB = "prune_chat_state"


@dataclass(frozen=True, slots=True)
class Person:
    """A linked member as seen from one branch: the roles are those reaching that branch."""

    member_id: int
    name: str
    branch_id: int
    roles: frozenset[str]

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
    #: The member's message behind the claim (platform, chat, message), e.g. the photo.
    source: tuple[str, str, str] | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A claim message whose item was not recognised, kept until the member picks one."""

    id: int
    member_id: int
    branch_id: int
    text: str
    day: date
    evidence: tuple[str, ...]
    chat: str
    message: str | None


#: The terminal chat (``partybot console``): the account id is the member id and the group
#: chat id is the branch id negated (``console_group``), so that it never equals an account id,
#: as on Telegram; the person at the terminal already has the database.
CONSOLE = "console"


def console_group(branch_id: int) -> str:
    """The terminal chat's id for a branch's group."""
    return str(-branch_id)


async def _member(uow: UnitOfWork, platform: str, user: str) -> MemberRow | None:
    if platform == CONSOLE:
        return await uow.members.get(int(user))
    return await ChatQueries(uow.session).member_of_identity(platform, user)


def check_open(day: date, today: date) -> None:
    """A claim's date must lie in the open period: the current year, up to today."""
    if day > today:
        raise Invalid("chat.date_future", date=day.isoformat())
    if day.year != today.year:
        raise Invalid("chat.period_closed", date=day.isoformat(), year=today.year)


class ChatService:
    def __init__(self, context: Context) -> None:
        self.ctx = context
        self._pruned_on: str | None = None

    async def prune(self, now: datetime) -> dict[str, int] | None:
        """Once a day, on one replica: delete the chat state nobody needs any more (see the
        ``KEEP_*`` ages). The counts deleted, or None when today's prune is done already."""
        day = to_local(now).date().isoformat()
        if self._pruned_on == day:
            return None
        async with self.ctx.uow() as uow:
            counts = None
            if await uow.jobs.claim(PRUNE_JOB, "all", day):
                counts = await ChatQueries(uow.session).prune(
                    updates=now - KEEP_UPDATES, drafts=now - KEEP_DRAFTS, cards=now - KEEP_CARDS
                )
                await uow.jobs.finish(PRUNE_JOB, "all", day, now)
                await uow.commit()
        self._pruned_on = day
        return counts

    def scheme(self, branch: Branch) -> Scheme:
        return self.ctx.schemes(branch.scheme)

    async def first_time(self, platform: str, update_id: str) -> bool:
        """Record an incoming update; False when it was handled before (a redelivery)."""
        async with self.ctx.uow() as uow:
            fresh = await uow.updates.first_time(platform, update_id)
            await uow.commit()
            return fresh

    async def forget_update(self, platform: str, update_id: str) -> None:
        """Handling the update failed unexpectedly: a redelivery of it is to be handled, not skipped."""
        async with self.ctx.uow() as uow:
            await uow.updates.forget(platform, update_id)
            await uow.commit()

    async def where(self, platform: str, user: str, chat: str, private: bool) -> Where:
        async with self.ctx.uow() as uow:
            member = await _member(uow, platform, user)
            if private:
                branch = await uow.branches.get(member.branch_id) if member is not None else None
            elif platform == CONSOLE:
                branch = await uow.branches.get(-int(chat))
            else:
                branch = await uow.branches.for_chat(platform, chat)
            if member is None or branch is None:
                return Where(None, branch)
            roles = await uow.members.roles(member.id, branch)
            return Where(Person(member.id, member.name, member.branch_id, frozenset(roles)), branch)

    async def person(self, platform: str, user: str, branch_id: int) -> Person | None:
        """The writer with the roles reaching ``branch_id`` (a button press names its branch through the claim)."""
        async with self.ctx.uow() as uow:
            member = await _member(uow, platform, user)
            branch = await uow.branches.get(branch_id)
            if member is None or branch is None:
                return None
            roles = await uow.members.roles(member.id, branch)
            return Person(member.id, member.name, member.branch_id, frozenset(roles))

    async def branch(self, branch_id: int) -> Branch:
        async with self.ctx.uow() as uow:
            return await branch_of(uow, branch_id)

    async def year_so_far(self, branch: Branch, today: date) -> Report:
        """The branch's scores from 1 January to ``today``, ranked, without the year-end computations."""
        async with self.ctx.uow() as uow:
            data = await load_year(uow, branch.id, today.year, until=today, scheme=self.scheme(branch))
        return score(self.scheme(branch), data, until=today, final=False)

    async def presser(self, platform: str, user: str, claim_id: int) -> Person | None:
        """Who pressed a button on a claim, with the roles reaching the claim's branch (None: not linked)."""
        async with self.ctx.uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim is None:
                raise NotFound("claim.unknown", claim=claim_id)
            member = await _member(uow, platform, user)
            branch = await branch_of(uow, claim.branch_id)
            if member is None:
                return None
            roles = await uow.members.roles(member.id, branch)
            return Person(member.id, member.name, member.branch_id, frozenset(roles))

    async def find_member(self, branch_id: int, key: str) -> tuple[int, str] | None:
        """(id, name) of a branch member by roster number or exact name."""
        async with self.ctx.uow() as uow:
            member = await uow.members.find(branch_id, key)
        return None if member is None or (key.isdigit() and member.code != key) else (member.id, member.name)

    async def check_decider(self, claim_id: int, actor: Actor) -> None:
        """Refuse unless ``actor`` may decide the claim (the same test ``ClaimService`` applies)."""
        async with self.ctx.uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim is None:
                raise NotFound("claim.unknown", claim=claim_id)
            if actor.member_id == claim.member_id:
                raise Forbidden("claim.self_approval")
            branch = await branch_of(uow, claim.branch_id)
            await require_role(uow, actor, branch, self.scheme(branch).approvers)

    async def claim(self, claim_id: int) -> ClaimView | None:
        async with self.ctx.uow() as uow:
            found = await ChatQueries(uow.session).claim_with_names(claim_id)
            if found is None:
                return None
            row, member, decider, files, granted = found
            branch = await uow.branches.get(row.branch_id)
            item = self.ctx.schemes(branch.scheme).item(row.item) if branch is not None else None
            source = (
                (row.source_platform, row.source_chat, row.source_message)
                if row.source_platform and row.source_chat and row.source_message
                else None
            )
            return ClaimView(
                row.id, row.branch_id, row.member_id, member, item, row.item, row.points,
                row.effective_date, row.note, row.status, decider, row.decision_reason, files, granted,
                source,
            )  # fmt: skip

    async def pending(self, branch_id: int, limit: int = 10, member_id: int | None = None) -> list[ClaimView]:
        """The branch's pending claims (one member's, when given), oldest first."""
        async with self.ctx.uow() as uow:
            ids = await ChatQueries(uow.session).pending(branch_id, limit, member_id)
        return [view for view in [await self.claim(i) for i in ids] if view is not None]

    async def accounts(self, member_ids: list[int], platform: str) -> dict[int, str]:
        async with self.ctx.uow() as uow:
            if platform == CONSOLE:
                return {m: str(m) for m in member_ids}
            return await ChatQueries(uow.session).identities(member_ids, platform)

    async def approvers(self, branch: Branch, platform: str) -> list[str]:
        """The accounts on ``platform`` of everyone who may decide the branch's claims."""
        async with self.ctx.uow() as uow:
            holders = await ChatQueries(uow.session).holders(branch, self.scheme(branch).approvers)
        return list((await self.accounts(holders, platform)).values())

    async def move_chat(self, platform: str, old: str, new: str) -> bool:
        """The platform replaced a group chat by a new one; the branch binding moves with it."""
        async with self.ctx.uow() as uow:
            moved = await ChatQueries(uow.session).move_chat(platform, old, new)
            if moved:
                await uow.audit.record("bot", "chat.moved", subject=f"{platform}:{old}", details={"to": new})
            await uow.commit()
            return moved

    async def remember(self, platform: str, key: str, chat: str, message: str) -> None:
        """The channel reports where it posted a keyed message (a card)."""
        async with self.ctx.uow() as uow:
            await ChatQueries(uow.session).remember(platform, key, chat, message)
            await uow.commit()

    async def posted(self, platform: str, key: str) -> list[tuple[str, str]]:
        async with self.ctx.uow() as uow:
            return await ChatQueries(uow.session).posted(platform, key)

    async def save_draft(
        self, person: Person, branch_id: int, text: str, day: date, evidence: tuple[str, ...],
        source: Source,
    ) -> int:  # fmt: skip
        """Keep a claim message whose item was not recognised until the member picks one."""
        draft = ClaimDraft(
            branch_id=branch_id, member_id=person.member_id, text=text, effective_date=day,
            evidence=list(evidence), source_platform=source.platform, source_chat=source.chat or "",
            source_message=source.message,
        )  # fmt: skip
        async with self.ctx.uow() as uow:
            draft_id = await ChatQueries(uow.session).save_draft(draft)
            await uow.commit()
            return draft_id

    async def draft(self, draft_id: int) -> Draft | None:
        async with self.ctx.uow() as uow:
            row = await ChatQueries(uow.session).draft(draft_id)
        if row is None:
            return None
        return Draft(
            row.id, row.member_id, row.branch_id, row.text, row.effective_date, tuple(row.evidence),
            row.source_chat, row.source_message,
        )  # fmt: skip
