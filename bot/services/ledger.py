"""Ledger use cases: what a recorder records for members (记分, one or many at once), the
correction of an entry (更正: a reversal, and the right entry in the same step), and a member's
entries as they stand (积分明细). Append-only, always: nothing is edited or deleted.

A branch may require the secretary's confirmation of what a recorder records (支部核定,
``BranchSettings.confirm_records``): the entries then wait as claims made for the members
(``claims.recorded_by``), decided on the approval card like a member's own claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot.i18n import t
from bot.scoring.eligibility import entry_refusal
from bot.scoring.model import Item, Scheme
from bot.services.common import (
    NO_SOURCE,
    Actor,
    Context,
    Source,
    branch_of,
    checked_points,
    item_of,
    member_of,
    require_role,
)
from bot.services.errors import Duplicate, Invalid, NotFound
from bot.services.periods import refuse_final
from bot.services.policy import correctors, recorders, settings_of
from bot.storage.schema import Branch, ClaimRow, LedgerEntry, MemberRow
from bot.storage.uow import UnitOfWork

#: Where a recorded entry may come from: the items members claim and the recorder's own items.
RECORDABLE = ("claim", "recorder")


@dataclass(frozen=True, slots=True)
class RecordEntry:
    branch_id: int
    member_id: int
    item: str
    date: date
    reason: str
    points: float | None = None
    lead: bool = False
    source: Source = NO_SOURCE


@dataclass(frozen=True, slots=True)
class Recorded:
    entry_id: int
    points: float


def dedupe_key(member_id: int, item: str, day: date) -> str:
    """A claim's key: one active claim per member, item and date."""
    return f"{member_id}:{item}:{day.isoformat()}"


def new_entry(
    *,
    branch_id: int,
    member_id: int,
    item: str,
    points: float,
    lead: bool,
    day: date,
    actor: Actor,
    reason: str,
    source: Source,
    claim_id: int | None = None,
    reverses_id: int | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        branch_id=branch_id,
        member_id=member_id,
        item=item,
        points=points,
        lead=lead,
        effective_date=day,
        actor_id=actor.member_id,
        actor=actor.label,
        reason=reason,
        claim_id=claim_id,
        source_platform=source.platform,
        source_chat=source.chat,
        source_message=source.message,
        reverses_id=reverses_id,
    )


@dataclass(frozen=True, slots=True)
class RecordBatch:
    """记分: one item for one or many members on one date, with a reason; all or nothing."""

    branch_id: int
    member_ids: tuple[int, ...]
    item: str
    date: date
    reason: str
    points: float | None = None
    source: Source = NO_SOURCE


@dataclass(frozen=True, slots=True)
class Batch:
    """What a batch wrote: ledger entries (member id, entry id), or, where the branch requires the
    secretary's confirmation, claims made for the members (member id, claim id)."""

    item: Item
    points: float
    date: date
    entries: tuple[tuple[int, int], ...] = ()
    pending: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Replacement:
    """The right entry, recorded with a correction: what differs from the reversed one."""

    item: str | None = None
    points: float | None = None
    date: date | None = None


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One ledger entry as a member's list of entries shows it."""

    id: int
    member_id: int
    member: str
    day: date
    item: str
    name: str
    points: float
    by: str
    reason: str
    claim_id: int | None
    reverses: int | None
    reversed_by: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    original: EntryLine
    reversal_id: int
    #: The right entry recorded in the same step, when one was given.
    replacement: EntryLine | None = None


class LedgerService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def record_batch(self, cmd: RecordBatch, actor: Actor) -> Batch:
        """Record ``cmd.item`` for every member named, or nothing: each member must be on the
        branch's roster and scored on the date, the points inside the item's range (a ranged item
        without a default needs them), and none may already hold the same item on that date."""
        if not cmd.reason.strip():
            raise Invalid("ledger.reason_required")
        members = tuple(dict.fromkeys(cmd.member_ids))
        if not members:
            raise Invalid("recording.no_members")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, cmd.branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            roles = await require_role(uow, actor, branch, recorders(scheme))
            item = item_of(scheme, cmd.item, RECORDABLE)
            points = _points(item, cmd.points)
            rows = [await member_of(uow, branch.id, m) for m in members]
            await refuse_final(uow, branch.id, cmd.date)
            for member in rows:
                _refuse_ineligible(scheme, item, member, cmd.date)
                await _refuse_twice(uow, member, item, cmd.date)
            if settings_of(branch).confirm_records and "secretary" not in roles:
                pending = [(m.id, await _claim_for(uow, branch, m, item, points, cmd, actor)) for m in rows]
                await uow.commit()
                return Batch(item, points, cmd.date, pending=tuple(pending))
            entries = []
            for member in rows:
                entry = await uow.ledger.add(
                    new_entry(
                        branch_id=branch.id, member_id=member.id, item=item.code, points=points, lead=False,
                        day=cmd.date, actor=actor, reason=cmd.reason, source=cmd.source,
                    )
                )  # fmt: skip
                entries.append((member.id, entry.id))
            await uow.commit()
            return Batch(item, points, cmd.date, entries=tuple(entries))

    async def correct(
        self, entry_id: int, actor: Actor, reason: str, replacement: Replacement | None = None,
        source: Source = NO_SOURCE, branch_id: int | None = None,
    ) -> Correction:  # fmt: skip
        """更正: reverse an entry (claim-born or recorded) with a reason and, when given, record
        the right one in the same step. Only the secretary (the scheme's approvers) corrects; an
        entry is reversed once, and a reversal itself is not reversed."""
        if not reason.strip():
            raise Invalid("correct.reason_required", entry=entry_id)
        async with self.ctx.uow() as uow:
            entry = await uow.ledger.get(entry_id)
            if entry is None or branch_id not in (None, entry.branch_id):  # ``branch_id``: the actor's branch
                raise NotFound("ledger.unknown_entry", entry=entry_id)
            branch = await branch_of(uow, entry.branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            await require_role(uow, actor, branch, correctors(scheme))
            await self._refuse_irreversible(uow, entry)
            for day in {
                entry.effective_date,
                *([replacement.date] if replacement and replacement.date else []),
            }:
                await refuse_final(uow, branch.id, day)  # a final period is reopened first (重新开放)
            reversal = await self._reverse(uow, entry, actor, reason, source)
            new: LedgerEntry | None = None
            if replacement is not None:
                new = await _replacement(uow, scheme, branch, entry, replacement, actor, reason, source)
            original = await _line(uow, scheme, entry.id)
            await uow.commit()
            return Correction(original, reversal.id, await _line(uow, scheme, new.id) if new else None)

    async def roster(self, branch_id: int, actor: Actor) -> list[tuple[int, str]]:
        """The branch's members (id, name), for a recorder or the secretary naming whom to record
        for; refused to anyone else."""
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            await require_role(uow, actor, branch, (*recorders(scheme), *correctors(scheme)))
            return [(m.id, m.name) for m in await uow.members.list(branch.id)]

    async def member_ids(self, branch_id: int, keys: list[str]) -> tuple[int, ...]:
        """The members named by database id, roster number or exact name (the command line's
        ``--member``); refused naming the first key on no roster line."""
        async with self.ctx.uow(read_only=True) as uow:
            found = []
            for key in keys:
                member = await uow.members.find(branch_id, key.strip())
                if member is None:
                    raise NotFound("recording.unknown_key", name=key, branch=branch_id)
                found.append(member.id)
            return tuple(found)

    async def entries(self, branch_id: int, member_id: int, actor: Actor, year: int) -> list[EntryLine]:
        """积分明细: a member's entries of ``year`` with their numbers, oldest first, each reversal
        next to what it reverses; the member's own, or any member's for the recorder and the
        secretary."""
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            member = await member_of(uow, branch.id, member_id)
            if actor.member_id != member.id:
                await require_role(uow, actor, branch, (*recorders(scheme), *correctors(scheme)))
            return await _lines(uow, scheme, member.id, year)

    async def record(self, cmd: RecordEntry, actor: Actor) -> Recorded:
        """A recorder (积分员) or approver writes an entry directly, e.g. a deduction."""
        if not cmd.reason.strip():
            raise Invalid("ledger.reason_required")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, cmd.branch_id)
            scheme = self.ctx.schemes(branch.scheme)
            await require_role(uow, actor, branch, recorders(scheme))
            await member_of(uow, branch.id, cmd.member_id)
            item = item_of(scheme, cmd.item, ("claim", "recorder"))
            points = checked_points(item, cmd.points)
            await refuse_final(uow, branch.id, cmd.date)
            entry = await uow.ledger.add(
                new_entry(
                    branch_id=branch.id,
                    member_id=cmd.member_id,
                    item=item.code,
                    points=points,
                    lead=cmd.lead,
                    day=cmd.date,
                    actor=actor,
                    reason=cmd.reason,
                    source=cmd.source,
                )
            )
            await uow.commit()
            return Recorded(entry.id, points)

    async def reverse(self, entry_id: int, actor: Actor, reason: str, source: Source = NO_SOURCE) -> Recorded:
        """Write the reversal of an entry (negated points, naming it): ``correct`` without a
        replacement."""
        if not reason.strip():
            raise Invalid("ledger.reason_required")
        corrected = await self.correct(entry_id, actor, reason, None, source)
        return Recorded(corrected.reversal_id, -corrected.original.points)

    @staticmethod
    async def _reverse(
        uow: UnitOfWork, entry: LedgerEntry, actor: Actor, reason: str, source: Source
    ) -> LedgerEntry:
        reversal = new_entry(
            branch_id=entry.branch_id,
            member_id=entry.member_id,
            item=entry.item,
            points=-entry.points,
            lead=entry.lead,
            day=entry.effective_date,
            actor=actor,
            reason=reason,
            source=source,
            reverses_id=entry.id,
        )
        try:
            return await uow.ledger.add(reversal)
        except IntegrityError:
            raise Duplicate("ledger.already_reversed", earlier=entry.id, entry=entry.id) from None

    @staticmethod
    async def _refuse_irreversible(uow: UnitOfWork, entry: LedgerEntry) -> None:
        if entry.reverses_id is not None:
            raise Invalid("ledger.reversal_not_reversible", entry=entry.id, original=entry.reverses_id)
        earlier = await uow.ledger.reversal_of(entry.id)
        if earlier is not None:
            raise Duplicate("ledger.already_reversed", earlier=earlier.id, entry=entry.id)


def number(value: float | None) -> str:
    """Points as people write them: 3, -2.5."""
    return "-" if value is None else f"{value:g}"


def _points(item: Item, points: float | None) -> float:
    """The signed points of a recorded entry. A deduction written without its sign (``4`` for
    −4) means the deduction; a ranged item without a default needs the points written."""
    if points is not None and item.kind == "deduction" and points > 0:
        points = -points
    if item.kind != "veto" and item.points is None:
        if points is None and item.default is None:
            raise Invalid(
                "recording.points_needed", name=item.name, low=number(item.min), high=number(item.max)
            )
        if (
            points is not None
            and item.min is not None
            and item.max is not None
            and not item.min <= points <= item.max
        ):
            raise Invalid("recording.points_range", name=item.name, low=number(item.min), high=number(item.max),
                          points=number(points))  # fmt: skip
    if item.points is not None and points is not None and points != item.points:
        raise Invalid("recording.points_fixed", name=item.name, points=number(item.points))
    return checked_points(item, points)


def _refuse_ineligible(scheme: Scheme, item: Item, member: MemberRow, day: date) -> None:
    refusal = entry_refusal(scheme, item, member, day)
    if refusal is not None:
        raise Invalid("recording.member_refused", name=member.name, reason=refusal.text())


async def _refuse_twice(uow: UnitOfWork, member: MemberRow, item: Item, day: date) -> None:
    """The same item on the same date for the same member, standing in the ledger or waiting as a
    claim, is refused: a message sent twice must not record twice."""
    standing = await uow.ledger.standing(member.id, item.code, day)
    if standing is not None:
        raise Duplicate(
            "recording.twice", earlier=standing, name=member.name, item=item.name, date=day, entry=standing
        )
    claim = await uow.claims.active_duplicate(dedupe_key(member.id, item.code, day), ())
    if claim is not None and claim.status == "pending":
        raise Duplicate("recording.twice_pending", earlier=claim.id, name=member.name, item=item.name, date=day,
                        claim=claim.id)  # fmt: skip


async def _claim_for(
    uow: UnitOfWork,
    branch: Branch,
    member: MemberRow,
    item: Item,
    points: float,
    cmd: RecordBatch,
    actor: Actor,
) -> int:
    """A recorder's entry waiting for the secretary (支部核定): a claim made for the member."""
    key = dedupe_key(member.id, item.code, cmd.date)
    earlier = await uow.claims.active_duplicate(key, ())
    if earlier is not None:  # an approved claim whose entry was reversed keeps its key
        raise Duplicate("recording.claimed", earlier=earlier.id, name=member.name, claim=earlier.id)
    claim = ClaimRow(
        branch_id=branch.id, member_id=member.id, item=item.code, effective_date=cmd.date, points=points,
        lead=False, note=cmd.reason, status="pending", dedupe_key=key,
        source_platform=cmd.source.platform, source_chat=cmd.source.chat, source_message=cmd.source.message,
        recorded_by=actor.member_id,
    )  # fmt: skip
    await uow.claims.add(claim, ())
    return claim.id


async def _replacement(
    uow: UnitOfWork, scheme: Scheme, branch: Branch, wrong: LedgerEntry, change: Replacement, actor: Actor,
    reason: str, source: Source,
) -> LedgerEntry:  # fmt: skip
    """The right entry of a correction: the reversed entry's member, with the item, points or
    date it should have had; checked as any recorded entry is."""
    code = change.item or wrong.item
    item = item_of(scheme, code, RECORDABLE)
    same_item = code == wrong.item
    points = _points(item, change.points if change.points is not None or not same_item else wrong.points)
    day = change.date or wrong.effective_date
    if same_item and day == wrong.effective_date and points == wrong.points:
        raise Invalid("correct.same", entry=wrong.id)
    member = await member_of(uow, branch.id, wrong.member_id)
    _refuse_ineligible(scheme, item, member, day)
    if not same_item or day != wrong.effective_date:
        await _refuse_twice(uow, member, item, day)
    return await uow.ledger.add(
        new_entry(
            branch_id=branch.id, member_id=member.id, item=item.code, points=points, lead=wrong.lead, day=day,
            actor=actor, reason=t("correct.reason", entry=wrong.id, reason=reason), source=source,
        )
    )  # fmt: skip


_by = aliased(MemberRow)
_reversal = aliased(LedgerEntry)
#: An entry as a list of entries shows it: with the member's and the actor's names and the id
#: of the entry reversing it (None while it stands).
_LINES = (
    select(LedgerEntry, MemberRow.name, _by.name, _reversal.id)
    .join(MemberRow, MemberRow.id == LedgerEntry.member_id)
    .outerjoin(_by, _by.id == LedgerEntry.actor_id)
    .outerjoin(_reversal, _reversal.reverses_id == LedgerEntry.id)
)


def _as_line(scheme: Scheme, row: tuple[LedgerEntry, str, str | None, int | None]) -> EntryLine:
    entry, member, by, reversed_by = row
    item = scheme.item(entry.item)
    return EntryLine(
        entry.id, entry.member_id, member, entry.effective_date, entry.item, item.name if item else entry.item,
        float(entry.points), by or entry.actor, entry.reason, entry.claim_id, entry.reverses_id, reversed_by,
    )  # fmt: skip


async def _line(uow: UnitOfWork, scheme: Scheme, entry_id: int) -> EntryLine:
    query = _LINES.where(LedgerEntry.id == entry_id)
    row = (await uow.session.execute(query)).tuples().one()
    return _as_line(scheme, row)


async def _lines(uow: UnitOfWork, scheme: Scheme, member_id: int, year: int) -> list[EntryLine]:
    query = _LINES.where(
        LedgerEntry.member_id == member_id,
        LedgerEntry.effective_date >= date(year, 1, 1),
        LedgerEntry.effective_date <= date(year, 12, 31),
    ).order_by(LedgerEntry.effective_date, LedgerEntry.id)
    return [_as_line(scheme, row) for row in (await uow.session.execute(query)).tuples().all()]
