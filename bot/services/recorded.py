"""What recording for members shares (补录签到, 党费): naming members in a message or a sheet,
sheets read with their cell references, all-or-nothing errors, and imports taken once by content."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.i18n import t
from bot.services.common import Actor
from bot.services.errors import Duplicate, Invalid
from bot.storage.recorded import RecordedQueries
from bot.storage.schema import ImportRun, MemberRow
from bot.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell's text and where it is (``C3``), as a sheet names it."""

    text: str
    column: str
    row: int

    @property
    def where(self) -> str:
        return t("records.cell", row=self.row, column=self.column)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of a sheet: its number in the file and its cells by column heading."""

    number: int
    cells: dict[str, Cell] = field(default_factory=dict)

    def get(self, heading: str) -> Cell:
        return self.cells.get(heading) or Cell("", "?", self.number)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A file's rows and what identifies it: its name and the sha256 of its content."""

    filename: str
    sha256: str
    rows: tuple[SheetRow, ...]

    @property
    def source(self) -> str:
        return f"file:{self.filename} sha256:{self.sha256}"


def sheet_of(table: Sequence[Sequence[Any]], filename: str, sha256: str) -> Sheet:
    """A table's rows under its first row's headings (blank rows left out), each cell with where
    it is, and the file's name and the sha256 of its bytes."""
    from openpyxl.utils import get_column_letter

    headings = [_cell_text(c) for c in (table[0] if table else [])]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        cells = {
            heading: Cell(texts[i] if i < len(texts) else "", get_column_letter(i + 1), number)
            for i, heading in enumerate(headings)
            if heading
        }
        rows.append(SheetRow(number, cells))
    return Sheet(filename, sha256, tuple(rows))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def template_xlsx(
    title: str, headings: Sequence[str], rows: Sequence[Sequence[str]], text: Sequence[str] = ()
) -> bytes:
    """A sheet to fill in, as an .xlsx: the headings, then the rows (columns in ``text`` kept as text)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(headings))
    for row in rows:
        sheet.append(list(row))
    for name in text:
        if name in headings:
            letter = get_column_letter(list(headings).index(name) + 1)
            for cell in sheet[letter]:
                cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class RecordErrors(Invalid):
    """Every problem found, each naming its name, row or cell; nothing was recorded."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("records.failed", count=len(problems), problems="\n".join(problems))
        self.problems = list(problems)


def missing_headings(rows: Sequence[SheetRow], headings: Iterable[str]) -> list[str]:
    present = {h for r in rows for h in r.cells}
    return [h for h in headings if h not in present]


def resolve(
    members: Sequence[MemberRow], names: Iterable[str], problems: list[str], where: str = ""
) -> dict[str, MemberRow]:
    """The members named (by name or roster number, 编号); each unknown or ambiguous name is a
    problem naming it (``where``: its cell, for a sheet)."""
    found: dict[str, MemberRow] = {}
    for name in names:
        by_code = [m for m in members if m.code and m.code == name]
        same = by_code or [m for m in members if m.name == name]
        prefix = f"{where}: " if where else ""
        if not same:
            problems.append(prefix + t("records.unknown_name", name=name))
        elif len(same) > 1:
            codes = "、".join(m.code or f"#{m.id}" for m in same)
            problems.append(prefix + t("records.ambiguous_name", name=name, count=len(same), codes=codes))
        else:
            found[name] = same[0]
    return found


def on_roster(member: MemberRow, first: date, last: date) -> bool:
    """Whether the member belongs to the branch for some of the days ``first``..``last``."""
    return (member.joined is None or member.joined <= last) and (member.left is None or member.left > first)


async def refuse_imported(uow: UnitOfWork, branch_id: int, kind: str, sheet: Sheet) -> None:
    """Refuse a sheet whose content was imported before (for the same branch and kind): nothing
    is written twice."""
    earlier = await RecordedQueries(uow.session).imported(branch_id, kind, sheet.sha256)
    if earlier is not None:
        raise Duplicate(
            "records.imported_before", earlier.id, file=sheet.filename, other=earlier.filename,
            at=earlier.created_at.date().isoformat(), by=await actor_name(uow, earlier.actor),
        )  # fmt: skip


async def actor_name(uow: UnitOfWork, label: str) -> str:
    """Who an actor's label (``member:4``, ``cli:root``) is, as a person reads it: a member by
    their name; anyone else (the command line, the clock) by the label itself."""
    kind, _, number = label.partition(":")
    if kind == "member" and number.isdigit():
        member = await uow.session.get(MemberRow, int(number))
        if member is not None:
            return member.name
    return label


async def take_import(
    uow: UnitOfWork, branch_id: int, kind: str, sheet: Sheet, actor: Actor, summary: Mapping[str, object]
) -> None:
    """Record that the sheet was imported (refused when it was before)."""
    await refuse_imported(uow, branch_id, kind, sheet)
    run = ImportRun(
        branch_id=branch_id, kind=kind, sha256=sheet.sha256, filename=sheet.filename, actor=actor.label,
        summary=dict(summary),
    )  # fmt: skip
    await RecordedQueries(uow.session).add_import(run)


_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")


def day_of(text: str) -> date | None:
    """A date written 2026-03-05, 2026/3/5, 2026.3.5 or 2026年3月5日; None otherwise."""
    found = _DAY.match(text.strip())
    if found is None:
        return None
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        return None
