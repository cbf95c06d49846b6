"""补录签到: the sheet of a meeting held offline, recorded afterwards by the secretary or the
recorder, in the chat (text or a card) or from a file.

The records are those of a live sign-in: one ``meetings`` row (without a sign-in window) and an
``attendance`` row per member expected at it (``present``, ``online`` for a migrant member who
joined remotely, ``leave``, ``absent``), each naming who recorded it and the message or file it
came from. They score as a sign-in does. A meeting of the same type on the same day is recorded
once; the whole sheet is written at once or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import t
from bot.scoring.model import MEETING_TYPES, Item
from bot.services.chat import use_up
from bot.services.common import Actor, Context, branch_of, require_role
from bot.services.errors import DomainError, Duplicate, Invalid
from bot.services.meetings import meeting_kind
from bot.services.periods import refuse_final
from bot.services.policy import OPENERS, recorders, settings_of
from bot.services.recorded import (
    RecordErrors,
    Sheet,
    SheetRow,
    day_of,
    refuse_imported,
    resolve,
    take_import,
)
from bot.storage.chat import ChatQueries
from bot.storage.recorded import RecordedQueries
from bot.storage.schema import AttendanceRow, Branch, Meeting, MemberRow, Offer
from bot.storage.uow import UnitOfWork

#: What a sheet may say for a member: the status and whether online.
WORDS = {
    "到会": ("present", False), "出席": ("present", False), "到": ("present", False), "present": ("present", False),
    "请假": ("leave", False), "leave": ("leave", False),
    "缺席": ("absent", False), "absent": ("absent", False),
    "线上": ("present", True), "线上参加": ("present", True), "online": ("present", True),
}  # fmt: skip
#: The kind of ``imports`` rows of attendance sheets.
IMPORT_KIND = "attendance"
#: The offer that keeps a sheet being filled in on a card.
OFFER_KIND = "backfill_sheet"


@dataclass(frozen=True, slots=True)
class Mark:
    status: str
    online: bool = False


PRESENT = Mark("present")


@dataclass(frozen=True, slots=True)
class Expected:
    """A member expected at the meeting (the roster of the sheet)."""

    member_id: int
    name: str
    migrant: bool


@dataclass(frozen=True, slots=True)
class Backfilled:
    """A recorded sheet: names by status, and who was absent (to be told privately)."""

    meeting_id: int
    kind: str
    day: date
    present: tuple[str, ...]
    online: tuple[str, ...]
    leave: tuple[str, ...]
    absent: tuple[str, ...]
    absent_ids: tuple[int, ...]
    #: The scheme's items that score an absence from this type of meeting.
    rules: tuple[Item, ...] = ()

    @property
    def name(self) -> str:
        return MEETING_TYPES.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Draft:
    """A sheet being filled in on a card: the roster, the marks so far (the rest present), the page."""

    id: int
    kind: str
    day: date
    roster: tuple[Expected, ...]
    marks: dict[int, Mark]
    page: int
    online_open: bool

    def mark(self, member_id: int) -> Mark:
        return self.marks.get(member_id, PRESENT)


#: Sheet headings.
MEETING, DATE, NAME, CODE, STATUS = "会议", "日期", "姓名", "编号", "状态"
HEADINGS = (MEETING, DATE, NAME, CODE, STATUS)


def who_records(branch: Branch, context: Context) -> tuple[str, ...]:
    """Who may record a meeting's sheet afterwards: those who open sign-ins and the scheme's recorders."""
    return tuple(dict.fromkeys((*OPENERS, *recorders(context.schemes(branch.scheme)))))


def expected(members: Sequence[MemberRow], day: date) -> list[MemberRow]:
    """Who is expected at a meeting on ``day``: not exempt, already in and not yet gone (as at a sign-in)."""
    return [
        m for m in members
        if not m.exempt and (m.joined is None or m.joined <= day) and (m.left is None or m.left > day)
    ]  # fmt: skip


class BackfillService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def roster(self, branch_id: int, actor: Actor, kind: str, day: date, today: date) -> list[Expected]:
        """The members expected at the meeting, after every check a recording makes first."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, kind, day, today)
            return [
                Expected(m.id, m.name, m.migrant) for m in expected(await uow.members.list(branch.id), day)
            ]

    async def record_named(
        self,
        branch_id: int,
        actor: Actor,
        kind: str,
        day: date,
        named: Mapping[str, Mark],
        source: str,
        today: date,
    ) -> Backfilled:
        """A sheet given by names (the others expected are present); an unknown or ambiguous
        name, or one not expected at the meeting, records nothing and is pointed out."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, kind, day, today)
            problems: list[str] = []
            members = await uow.members.list(branch.id)
            found = resolve(members, named, problems)
            marks = {m.id: named[name] for name, m in found.items()}
            return await self._write(uow, branch, actor, kind, day, marks, source, problems)

    async def record(
        self,
        branch_id: int,
        actor: Actor,
        kind: str,
        day: date,
        marks: Mapping[int, Mark],
        source: str,
        today: date,
    ) -> Backfilled:
        """A sheet given by member ids (the card's), the others expected present."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, kind, day, today)
            return await self._write(uow, branch, actor, kind, day, marks, source, [])

    async def import_sheet(self, branch_id: int, actor: Actor, sheet: Sheet, today: date) -> list[Backfilled]:
        """Every meeting of an imported file (会议, 日期, 姓名 or 编号, 状态), all or nothing: each
        bad cell, unknown name, future date or meeting recorded before is named; the same file is
        imported once."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, who_records(branch, self.ctx))
            await refuse_imported(uow, branch.id, IMPORT_KIND, sheet)
            meetings, problems = _sheet_meetings(await uow.members.list(branch.id), sheet.rows)
            for (kind, day), (_marks, where) in meetings.items():
                try:
                    await self._checked(uow, branch.id, actor, kind, day, today)
                except DomainError as err:
                    problems.append(f"{where}: {err.message}")
            if problems:
                raise RecordErrors(problems)
            done = []
            for (kind, day), (marks, _) in meetings.items():
                done.append(await self._write(uow, branch, actor, kind, day, marks, sheet.source, []))
            await take_import(
                uow, branch.id, IMPORT_KIND, sheet, actor, {"meetings": [d.meeting_id for d in done]}
            )
            await uow.commit()
            return done

    async def start(self, branch_id: int, actor: Actor, kind: str, day: date, today: date) -> Draft:
        """A sheet to fill in on a card, button by button (an offer kept for the actor): everyone
        expected is present until marked otherwise."""
        async with self.ctx.uow() as uow:
            branch = await self._checked(uow, branch_id, actor, kind, day, today)
            payload: dict[str, object] = {"kind": kind, "date": day.isoformat(), "marks": {}, "page": 0}
            offer = Offer(
                kind=OFFER_KIND, branch_id=branch.id, member_id=actor.member_id or 0, payload=payload
            )
            await ChatQueries(uow.session).add_offer(offer)
            await uow.commit()
            return await self._draft(uow, offer)

    async def members(self, branch_id: int) -> list[MemberRow]:
        async with self.ctx.uow() as uow:
            await branch_of(uow, branch_id)
            return list(await uow.members.list(branch_id))

    async def branch_of_sheet(self, offer_id: int) -> int:
        """The branch a sheet card is for (a press names its branch through what was pressed)."""
        async with self.ctx.uow() as uow:
            offer = await ChatQueries(uow.session).offer(offer_id)
            if offer is None or offer.kind != OFFER_KIND:
                raise Invalid("chat.stale_button")
            return offer.branch_id

    async def draft(self, offer_id: int, member_id: int) -> Draft:
        """The sheet being filled in, for the member it was started by (not yet recorded)."""
        async with self.ctx.uow() as uow:
            return await self._draft(uow, await _offer(uow, offer_id, member_id))

    async def keep(self, offer_id: int, member_id: int, marks: Mapping[int, Mark], page: int) -> Draft:
        """The sheet's marks and page as changed by a press."""
        async with self.ctx.uow() as uow:
            offer = await _offer(uow, offer_id, member_id)
            payload = {**offer.payload, "marks": {str(m): _word(k) for m, k in marks.items()}, "page": page}
            await RecordedQueries(uow.session).keep_offer(offer, payload)
            await uow.commit()
            return await self._draft(uow, offer)

    async def confirm(self, offer_id: int, actor: Actor, source: str, today: date) -> Backfilled:
        """确认: the sheet is recorded at once (the card is used up; a second press records nothing)."""
        async with self.ctx.uow() as uow:
            offer = await _offer(uow, offer_id, actor.member_id or 0)
            draft = await self._draft(uow, offer)
            await use_up(uow, offer)
            branch = await self._checked(uow, offer.branch_id, actor, draft.kind, draft.day, today)
            return await self._write(uow, branch, actor, draft.kind, draft.day, draft.marks, source, [])

    async def cancel(self, offer_id: int, member_id: int) -> Draft:
        async with self.ctx.uow() as uow:
            offer = await _offer(uow, offer_id, member_id)
            await use_up(uow, offer)
            await uow.commit()
            return await self._draft(uow, offer)

    async def _draft(self, uow: UnitOfWork, offer: Offer) -> Draft:
        p = offer.payload
        day = date.fromisoformat(str(p["date"]))
        branch = await branch_of(uow, offer.branch_id)
        roster = tuple(
            Expected(m.id, m.name, m.migrant) for m in expected(await uow.members.list(branch.id), day)
        )
        raw = p.get("marks") or {}
        assert isinstance(raw, dict)
        marks = {int(m): Mark(*WORDS[str(w)]) for m, w in raw.items()}
        page = p.get("page")
        return Draft(offer.id, str(p["kind"]), day, roster, marks, int(page) if isinstance(page, int) else 0,
                     settings_of(branch).online)  # fmt: skip

    async def _checked(
        self, uow: UnitOfWork, branch_id: int, actor: Actor, kind: str, day: date, today: date
    ) -> Branch:
        branch = await branch_of(uow, branch_id)
        await require_role(uow, actor, branch, who_records(branch, self.ctx))
        if kind not in MEETING_TYPES:
            raise Invalid("meeting.unknown_type", kind=kind, known="、".join(MEETING_TYPES.values()))
        if day > today:
            raise Invalid("backfill.future", date=day.isoformat())
        earlier = await RecordedQueries(uow.session).meeting_on(branch.id, kind, day)
        if earlier is not None:
            raise Duplicate(
                "backfill.recorded_before", earlier.id, name=MEETING_TYPES[kind], date=day.isoformat()
            )
        return branch

    async def _write(
        self, uow: UnitOfWork, branch: Branch, actor: Actor, kind: str, day: date, marks: Mapping[int, Mark],
        source: str, problems: list[str],
    ) -> Backfilled:  # fmt: skip
        await refuse_final(uow, branch.id, day)
        members = await uow.members.list(branch.id)
        coming = {m.id: m for m in expected(members, day)}
        names = {m.id: m.name for m in members}
        online_open = settings_of(branch).online
        for member_id, mark in marks.items():
            member = coming.get(member_id)
            if member is None:
                problems.append(
                    t(
                        "backfill.not_expected",
                        name=names.get(member_id, f"#{member_id}"),
                        date=day.isoformat(),
                    )
                )
            elif mark.online and not online_open:
                problems.append(t("backfill.online_off", name=member.name))
            elif mark.online and not member.migrant:
                problems.append(t("backfill.online_migrants_only", name=member.name))
        if problems:
            raise RecordErrors(problems)
        meeting = Meeting(
            branch_id=branch.id, kind=kind, held_on=day, title=MEETING_TYPES[kind], opened_by=actor.member_id
        )
        sheet = {member_id: marks.get(member_id, PRESENT) for member_id in coming}
        rows = [
            AttendanceRow(
                member_id=m,
                status=mark.status,
                online=mark.online,
                recorded_by=actor.member_id,
                source=source,
            )
            for m, mark in sheet.items()
        ]
        meeting_id = await RecordedQueries(uow.session).add_sheet(meeting, rows)
        await uow.audit.record(
            actor.label, "meeting.backfill", branch_id=branch.id, subject=f"meeting:{meeting_id}",
            details={"kind": kind, "date": day.isoformat(), "source": source, "rows": len(rows)},
        )  # fmt: skip
        await uow.commit()

        def who(status: str, online: bool | None = None) -> tuple[str, ...]:
            return tuple(
                coming[m].name for m, mark in sheet.items()
                if mark.status == status and (online is None or mark.online == online)
            )  # fmt: skip

        scheme = self.ctx.schemes(branch.scheme)
        rules = tuple(
            i for i in scheme.items
            if i.source == "attendance" and i.status == "absent" and (not i.meetings or kind in i.meetings)
        )  # fmt: skip
        absent_ids = tuple(m for m, mark in sheet.items() if mark.status == "absent")
        return Backfilled(
            meeting_id,
            kind,
            day,
            who("present"),
            who("present", True),
            who("leave"),
            who("absent"),
            absent_ids,
            rules,
        )


def _word(mark: Mark) -> str:
    return "online" if mark.online else mark.status


async def _offer(uow: UnitOfWork, offer_id: int, member_id: int) -> Offer:
    """The sheet card's offer, still open, for the member who started it."""
    offer = await ChatQueries(uow.session).offer(offer_id)
    if offer is None or offer.kind != OFFER_KIND:
        raise Invalid("chat.stale_button")
    if offer.member_id != member_id:
        raise Invalid("backfill.not_yours")
    if offer.used_at is not None:
        raise Invalid("chat.offer_used")
    return offer


def mark_of(word: str) -> Mark | None:
    """The mark a sheet's word means (到会, 请假, 缺席, 线上, or the English codes); None: no such word."""
    found = WORDS.get(word.strip().lower())
    return None if found is None else Mark(*found)


def _sheet_meetings(
    members: Sequence[MemberRow], rows: Sequence[SheetRow]
) -> tuple[dict[tuple[str, date], tuple[dict[int, Mark], str]], list[str]]:
    """The meetings a sheet holds (type and day: the marks and the first row's place) and every
    problem of its cells."""
    problems: list[str] = []
    meetings: dict[tuple[str, date], tuple[dict[int, Mark], str]] = {}
    seen: dict[tuple[str, date, int], str] = {}
    for row in rows:
        cells = {h: row.get(h) for h in HEADINGS}
        kind = meeting_kind(cells[MEETING].text)
        if kind is None:
            known = "、".join(MEETING_TYPES.values())
            problems.append(
                t("backfill.bad_meeting", where=cells[MEETING].where, value=cells[MEETING].text, known=known)
            )
        day = day_of(cells[DATE].text)
        if day is None:
            problems.append(t("records.bad_date", where=cells[DATE].where, value=cells[DATE].text))
        mark = mark_of(cells[STATUS].text)
        if mark is None:
            problems.append(t("backfill.bad_status", where=cells[STATUS].where, value=cells[STATUS].text))
        key = cells[CODE] if cells[CODE].text else cells[NAME]
        if not key.text:
            problems.append(t("records.name_missing", where=cells[NAME].where))
            continue
        member = resolve(members, [key.text], problems, where=key.where).get(key.text)
        if member is None or kind is None or day is None or mark is None:
            continue
        if (kind, day, member.id) in seen:
            problems.append(
                t(
                    "records.twice_in_sheet",
                    where=key.where,
                    name=member.name,
                    other=seen[kind, day, member.id],
                )
            )
            continue
        seen[kind, day, member.id] = key.where
        marks, _ = meetings.setdefault((kind, day), ({}, t("records.row", row=row.number)))
        marks[member.id] = mark
    return meetings, problems
