"""党费: the recorder marks a month's dues per member, in the chat or from a sheet.

A mark is ``paid`` (in full and on time), ``late`` (paid late or short) or ``unpaid``; it is a
``dues_payments`` row, superseded by a newer row when it changes, never edited. Where the
branch's scheme has them, a mark also writes ledger entries: ``dues`` (足额缴纳党费, e.g. +1 a
month in ``base-incentive``) for ``paid``, and ``dues_late`` (不按时足额交纳党费: −3 in
``twelve-point``, −2 by default in ``pioneer-index``) for ``late`` and ``unpaid``. A late mark
earns no ``dues`` point: it does not tell a late payment in full from a short one (see the
README's decisions). Each entry's reason names the mark (``[dues#<id>]``); a changed mark
reverses the entries of the one it supersedes (reversal entries) and writes those of the new
one. Exempt members' marks are kept (the months matter) but write no entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import t
from bot.scoring.model import Item
from bot.services.common import Actor, Context, Source, branch_of, checked_points, require_role
from bot.services.errors import Invalid
from bot.services.ledger import new_entry
from bot.services.periods import refuse_final
from bot.services.policy import recorders
from bot.services.recorded import (
    RecordErrors,
    Sheet,
    SheetRow,
    on_roster,
    refuse_imported,
    resolve,
    take_import,
)
from bot.storage.recorded import RecordedQueries
from bot.storage.schema import Branch, DuesPayment, MemberRow
from bot.storage.uow import UnitOfWork

STATUSES = ("paid", "late", "unpaid")
#: The words a message or a sheet may use for each mark.
WORDS = {
    "已交": "paid", "已缴": "paid", "按时": "paid", "paid": "paid",
    "迟交": "late", "补交": "late", "late": "late",
    "未交": "unpaid", "未缴": "unpaid", "unpaid": "unpaid",
}  # fmt: skip
#: Sheet headings.
NAME, CODE, STATUS = "姓名", "编号", "状态"
#: The scheme items a mark writes, by its status.
ITEMS = {"paid": ("dues",), "late": ("dues_late",), "unpaid": ("dues_late",)}


def status_of(word: str) -> str | None:
    return WORDS.get(word.strip().lower())


def tag(row_id: int) -> str:
    """How an entry's reason names the mark it was written for."""
    return f"[dues#{row_id}]"


@dataclass(frozen=True, slots=True)
class Points:
    item: Item
    points: float


@dataclass(frozen=True, slots=True)
class Change:
    """One member's mark as recorded now: the earlier one it supersedes (None: first mark),
    the entries it wrote and the points of those it reversed."""

    member_id: int
    name: str
    status: str
    earlier: str | None
    written: tuple[Points, ...]
    reversed: tuple[Points, ...]

    @property
    def deductions(self) -> tuple[Points, ...]:
        return tuple(p for p in self.written if p.points < 0)


@dataclass(frozen=True, slots=True)
class Marked:
    year: int
    month: int
    changed: tuple[Change, ...]
    #: Names whose mark in force already said so (nothing written).
    unchanged: tuple[str, ...]

    def names(self, status: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.changed if c.status == status)


class DuesService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def mark_named(
        self, branch_id: int, actor: Actor, year: int, month: int, named: Mapping[str, str], rest: str | None,
        besides: Sequence[str], source: Source, today: date,
    ) -> Marked:  # fmt: skip
        """Marks by name; ``rest`` (``paid`` for 全部) marks every member on the roster that month
        who is neither named nor in ``besides``. An unknown or ambiguous name marks nothing."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, year, month, today)
            members = await uow.members.list(branch.id)
            problems: list[str] = []
            found = resolve(members, [*named, *besides], problems)
            if problems:
                raise RecordErrors(problems)
            marks = {found[name].id: status for name, status in named.items()}
            if rest is not None:
                skip = set(marks) | {found[name].id for name in besides}
                first, last = month_days(year, month)
                marks |= {
                    m.id: rest
                    for m in members
                    if m.id not in skip and not m.exempt and on_roster(m, first, last)
                }
            return await self._write(uow, branch, actor, year, month, marks, source)

    async def import_sheet(
        self, branch_id: int, actor: Actor, year: int, month: int, sheet: Sheet, today: date
    ) -> Marked:
        """A month's marks from a sheet (姓名 or 编号, 状态), all or nothing: every bad cell is
        named; the same file is imported once for the month."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, year, month, today)
            await refuse_imported(uow, branch.id, f"dues:{year}-{month:02d}", sheet)
            marks = _sheet_marks(await uow.members.list(branch.id), sheet.rows)
            source = Source("file", sheet.filename, f"sha256:{sheet.sha256}")
            marked = await self._write(uow, branch, actor, year, month, marks, source)
            summary = {"changed": len(marked.changed), "unchanged": len(marked.unchanged)}
            await take_import(uow, branch.id, f"dues:{year}-{month:02d}", sheet, actor, summary)
            await uow.commit()
            return marked

    async def members(self, branch_id: int) -> list[MemberRow]:
        async with self.ctx.uow() as uow:
            await branch_of(uow, branch_id)
            return list(await uow.members.list(branch_id))

    async def _checked(
        self, uow: UnitOfWork, branch_id: int, actor: Actor, year: int, month: int, today: date
    ) -> Branch:
        branch = await branch_of(uow, branch_id)
        await require_role(uow, actor, branch, recorders(self.ctx.schemes(branch.scheme)))
        if not 1 <= month <= 12:
            raise Invalid("dues.bad_month", month=month)
        if (year, month) > (today.year, today.month):
            raise Invalid("dues.future", year=year, month=month)
        return branch

    async def _write(
        self, uow: UnitOfWork, branch: Branch, actor: Actor, year: int, month: int, marks: Mapping[int, str],
        source: Source,
    ) -> Marked:  # fmt: skip
        if not marks:
            raise Invalid("dues.nobody")
        await refuse_final(uow, branch.id, date(year, month, 1))  # the month's entries are dated so
        scheme = self.ctx.schemes(branch.scheme)
        queries = RecordedQueries(uow.session)
        in_force = await queries.dues_in_force(branch.id, year, month)
        members = {m.id: m for m in await uow.members.list(branch.id)}
        where = ":".join(p for p in (source.platform, source.chat, source.message) if p)
        changed, unchanged = [], []
        for member_id, status in sorted(marks.items()):
            member = members[member_id]
            earlier = in_force.get(member_id)
            if earlier is not None and earlier.status == status:
                unchanged.append(member.name)
                continue
            row = await queries.add_dues(
                DuesPayment(
                    branch_id=branch.id, member_id=member_id, year=year, month=month, status=status,
                    recorded_by=actor.member_id, actor=actor.label, source=where[:300] or None,
                    supersedes_id=earlier.id if earlier is not None else None,
                )
            )  # fmt: skip
            undone = await self._reverse(uow, earlier, actor, source) if earlier is not None else ()
            written: list[Points] = []
            for code in () if member.exempt else ITEMS[status]:
                item = scheme.item(code)
                if item is None or item.source != "recorder":
                    continue
                points = checked_points(item, None)
                reason = (
                    t("dues.reason", year=year, month=month, status=t(f"dues.word.{status}"))
                    + " "
                    + tag(row.id)
                )
                await uow.ledger.add(
                    new_entry(
                        branch_id=branch.id, member_id=member_id, item=item.code, points=points, lead=False,
                        day=date(year, month, 1), actor=actor, reason=reason, source=source,
                    )
                )  # fmt: skip
                written.append(Points(item, points))
            changed.append(
                Change(
                    member_id,
                    member.name,
                    status,
                    earlier.status if earlier else None,
                    tuple(written),
                    undone,
                )
            )
        await uow.audit.record(
            actor.label, "dues.mark", branch_id=branch.id, subject=f"dues:{year}-{month:02d}",
            details={"source": where, "changed": len(changed), "unchanged": len(unchanged)},
        )  # fmt: skip
        await uow.commit()
        return Marked(year, month, tuple(changed), tuple(unchanged))

    async def _reverse(
        self, uow: UnitOfWork, earlier: DuesPayment, actor: Actor, source: Source
    ) -> tuple[Points, ...]:
        """Reverse the entries the superseded mark wrote; their points."""
        scheme = self.ctx.schemes((await branch_of(uow, earlier.branch_id)).scheme)
        undone = []
        for entry in await RecordedQueries(uow.session).entries_of_mark(earlier.member_id, tag(earlier.id)):
            reason = t("dues.reversal_reason", year=earlier.year, month=earlier.month, earlier=earlier.id)
            await uow.ledger.add(
                new_entry(
                    branch_id=entry.branch_id, member_id=entry.member_id, item=entry.item, points=-entry.points,
                    lead=entry.lead, day=entry.effective_date, actor=actor, reason=reason, source=source,
                    reverses_id=entry.id,
                )
            )  # fmt: skip
            item = scheme.item(entry.item)
            if item is not None:
                undone.append(Points(item, -entry.points))
        return tuple(undone)


def month_days(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
    return first, date.fromordinal(last)


def _sheet_marks(members: Sequence[MemberRow], rows: Sequence[SheetRow]) -> dict[int, str]:
    problems: list[str] = []
    marks: dict[int, str] = {}
    seen: dict[int, str] = {}
    for row in rows:
        name, code, word = row.get(NAME), row.get(CODE), row.get(STATUS)
        key = code if code.text else name
        if not key.text:
            problems.append(t("records.name_missing", where=name.where))
            continue
        status = status_of(word.text)
        if status is None:
            problems.append(t("dues.bad_cell", where=word.where, value=word.text))
        found = resolve(members, [key.text], problems, where=key.where)
        member = found.get(key.text)
        if member is None or status is None:
            continue
        if member.id in seen:
            problems.append(
                t("records.twice_in_sheet", where=key.where, name=member.name, other=seen[member.id])
            )
            continue
        seen[member.id] = key.where
        marks[member.id] = status
    if problems:
        raise RecordErrors(problems)
    return marks
