"""The Excel files a branch files with the township, laid out like the paper forms (seed 001's
党员积分制管理积分登记表, 考核公示栏, 党员年度综合得分登记表, and the 台账 every scheme asks for).

Each layout takes plain data (figures the engine gave, lines of the ledger) and returns the bytes
of an .xlsx: Chinese headers, the header rows frozen and repeated on every printed page, widths
that fit the Chinese text, numbers as numbers and dates as dates, A4 and fitted to the page's
width. Nothing here reads a database or scores anything. Workbooks are written in openpyxl's
write-only mode: a township's ledger is hundreds of thousands of cells.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.i18n import t

Number = int | float

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHS = tuple(range(1, 13))
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
CARD_WIDTHS = (18, 12, *([7] * len(MONTHS)), 9, 40)

# -- what the layouts are given ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    """Who the file is for: the branch (or committee), the scheme, the year, the day it was made."""

    unit: str
    scheme: str
    year: int
    made: date


@dataclass(frozen=True, slots=True)
class CardRow:
    """One line of a points card: a rule, its points in each month (None: none that month) and in the year."""

    code: str
    label: str
    #: base / rating / bonus / deduction / other: which subtotal it belongs to.
    kind: str
    months: tuple[Number | None, ...]
    year: Number | None
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Totals:
    """A member's year as the scheme sums it: base, ratings, bonuses, deductions, the score."""

    base: Number | None
    rating: Number | None
    bonus: Number
    deduction: Number
    score: Number | None
    grade: str | None
    stars: int | None
    rank: int | None
    #: Why there is no score (免于积分, 数据不全: ...), or a veto; "" otherwise.
    note: str = ""


@dataclass(frozen=True, slots=True)
class MemberCard:
    name: str
    code: str
    category: str
    joined: date | None
    rows: tuple[CardRow, ...]
    totals: Totals
    quarters: Mapping[str, Number] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger entry: a reversal names what it reverses, an entry reversed names its reversal."""

    id: int
    day: date
    member: str
    item: str
    code: str
    points: Number
    by: str
    reason: str
    source: str
    reverses: int | None = None
    reversed_by: int | None = None


@dataclass(frozen=True, slots=True)
class BoardLine:
    """A member on the publicity table (公示栏)."""

    name: str
    score: Number | None
    ytd: Number | None
    grade: str | None
    stars: int | None
    rank: int | None
    #: 季度之星 / 年度之星 (or "").
    honour: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class AnnualLine:
    """A member on the yearly comprehensive table (党员年度综合得分登记表)."""

    name: str
    code: str
    category: str
    totals: Totals
    quarters: Mapping[str, Number]
    category_rank: int | None = None
    quarter_stars: tuple[str, ...] = ()
    year_star: bool = False
    follow_up: str = ""


@dataclass(frozen=True, slots=True)
class BranchLine:
    """A branch on the township's roll-up."""

    branch_id: int
    name: str
    scheme: str
    members: int
    scored: int
    average: Number | None
    #: How many members have each grade (or stars, or 无等次 / 数据不全 / 免于积分).
    grades: Mapping[str, int]
    publicity_due: int
    publicity_on_time: int
    claims_pending: int


# -- the files ----------------------------------------------------------------------------------


def cards(heading: Heading, members: Sequence[MemberCard]) -> bytes:
    """党员积分卡 (积分登记表): one sheet per member, month by month and item by item, with the subtotals."""
    book = _Book()
    names = _SheetNames()
    for member in members:
        sheet = _Sheet(
            book,
            names.of(member.name),
            t("rp.card.title", name=member.name),
            heading,
            CARD_WIDTHS,
            freeze="C5",
            landscape=True,
        )
        sheet.line(
            [t("rp.h.name"), member.name, t("rp.h.code"), member.code, t("rp.h.category"), member.category,
             t("rp.h.joined"), member.joined],
        )  # fmt: skip
        sheet.head([t("rp.h.item"), t("rp.h.code_item"), *(t("rp.h.month", m=m) for m in MONTHS),
                    t("rp.h.year_total"), t("rp.h.rule")])  # fmt: skip
        for row in member.rows:
            sheet.line([row.label, row.code, *row.months, row.year, row.rule])
        sheet.line([])
        year_col = 2 + len(MONTHS)
        for label, value in _totals(member.totals):
            sheet.line([label, *([None] * (year_col - 1)), value], bold=True)
        for quarter in QUARTERS:
            if quarter in member.quarters:
                sheet.line(
                    [t("rp.h.quarter", q=quarter), *([None] * (year_col - 1)), member.quarters[quarter]]
                )
        sheet.line([])
        sheet.line([t("rp.card.note")])
        sheet.finish()
    if not members:
        _Sheet(book, t("rp.empty_sheet"), t("rp.card.title", name=""), heading, [40]).finish()
    return _saved(book)


def ledger(heading: Heading, lines: Sequence[LedgerLine]) -> bytes:
    """台账: every entry of the year with its date, item, points, who recorded or approved it and the
    source; each reversal right under the entry it reverses, and both marked."""
    book = _Book()
    sheet = _Sheet(
        book,
        t("rp.ledger.sheet"),
        t("rp.ledger.title", year=heading.year),
        heading,
        [8, 11, 10, 22, 14, 7, 12, 30, 22, 16],
        freeze="A4",
        landscape=True,
    )
    sheet.head([t("rp.h.entry"), t("rp.h.date"), t("rp.h.name"), t("rp.h.item"), t("rp.h.code_item"),
                t("rp.h.points"), t("rp.h.by"), t("rp.h.reason"), t("rp.h.source"), t("rp.h.reversal")])  # fmt: skip
    for line in _paired(lines):
        if line.reverses is not None:
            mark = t("rp.ledger.reverses", id=line.reverses)
        elif line.reversed_by is not None:
            mark = t("rp.ledger.reversed_by", id=line.reversed_by)
        else:
            mark = ""
        sheet.line(
            [line.id, line.day, line.member, line.item, line.code, line.points, line.by, line.reason,
             line.source, mark],
            muted=line.reverses is not None or line.reversed_by is not None,
        )  # fmt: skip
    sheet.line([])
    sheet.line([t("rp.ledger.note", count=len(lines))])
    sheet.finish()
    return _saved(book)


def board(
    heading: Heading, period: str, lines: Sequence[BoardLine], notes: Sequence[str], ranks: bool
) -> bytes:
    """公示栏: each member's period score, year to date, grade or stars, and the period's stars; the
    rank column only where the branch shows ranks."""
    book = _Book()
    sheet = _Sheet(
        book,
        t("rp.board.sheet"),
        t("rp.board.title", period=period),
        heading,
        [6, 12, 10, 10, 9, 7, *([7] if ranks else []), 12, 24],
        freeze="A4",
    )
    columns = [t("rp.h.seq"), t("rp.h.name"), t("rp.h.period_score"), t("rp.h.ytd"), t("rp.h.grade"),
               t("rp.h.stars"), *([t("rp.h.rank")] if ranks else []), t("rp.h.honour"), t("rp.h.note")]  # fmt: skip
    sheet.head(columns)
    for n, line in enumerate(lines, start=1):
        rank = [line.rank] if ranks else []
        sheet.line(
            [n, line.name, line.score, line.ytd, line.grade, line.stars, *rank, line.honour, line.note]
        )
    sheet.line([])
    for note in (t("rp.board.note"), *notes):
        sheet.line([note])
    sheet.finish()
    return _saved(book)


def annual(heading: Heading, lines: Sequence[AnnualLine], notes: Sequence[str]) -> bytes:
    """党员年度综合得分登记表: the year of every member in one table, for the committee's archive."""
    book = _Book()
    sheet = _Sheet(
        book,
        t("rp.annual.sheet"),
        t("rp.annual.title", year=heading.year),
        heading,
        [6, 10, 8, 8, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 6, 6, 8, 10, 8, 16, 24],
        freeze="C4",
        landscape=True,
    )
    sheet.head([t("rp.h.seq"), t("rp.h.name"), t("rp.h.code"), t("rp.h.category"), t("rp.h.base"),
                t("rp.h.rating"), t("rp.h.bonus"), t("rp.h.deduction"), *QUARTERS, t("rp.h.score"),
                t("rp.h.grade"), t("rp.h.stars"), t("rp.h.rank"), t("rp.h.category_rank"),
                t("rp.h.quarter_star"), t("rp.h.year_star"), t("rp.h.follow_up"), t("rp.h.note")])  # fmt: skip
    for n, line in enumerate(lines, start=1):
        s = line.totals
        sheet.line(
            [n, line.name, line.code, line.category, s.base, s.rating, s.bonus, s.deduction,
             *(line.quarters.get(q) for q in QUARTERS), s.score, s.grade, s.stars, s.rank, line.category_rank,
             "、".join(line.quarter_stars), t("rp.yes") if line.year_star else "", line.follow_up, s.note],
        )  # fmt: skip
    sheet.line([])
    for note in (t("rp.annual.note"), *notes):
        sheet.line([note])
    sheet.finish()
    return _saved(book)


def committee(
    heading: Heading, lines: Sequence[BranchLine], grades: Sequence[str], stars: Mapping[int, int | None]
) -> bytes:
    """The township's roll-up: per branch its members, average, grades, publicity on time, claims
    pending and its star rating (``stars``: branch id -> stars; a branch not fully scored shows —,
    and a note says — is 未评定)."""
    book = _Book()
    sheet = _Sheet(
        book,
        t("rp.committee.sheet"),
        t("rp.committee.title", year=heading.year),
        heading,
        [6, 20, 14, 8, 8, 8, *([8] * len(grades)), 9, 9, 9, 9],
        freeze="C4",
        landscape=True,
    )
    sheet.head([t("rp.h.seq"), t("rp.h.branch"), t("rp.h.scheme"), t("rp.h.members"), t("rp.h.scored"),
                t("rp.h.average"), *grades, t("rp.h.publicity_due"), t("rp.h.publicity_on_time"),
                t("rp.h.claims_pending"), t("rp.h.branch_stars")])  # fmt: skip
    unrated = False
    for n, line in enumerate(lines, start=1):
        given = stars.get(line.branch_id)
        unrated = unrated or given is None
        sheet.line(
            [n, line.name, line.scheme, line.members, line.scored, line.average,
             *(line.grades.get(g, 0) for g in grades), line.publicity_due, line.publicity_on_time,
             line.claims_pending, given if given is not None else "—"],
        )  # fmt: skip
    members = sum(b.members for b in lines)
    scored = sum(b.scored for b in lines)
    sheet.line(
        [None, t("rp.committee.total"), None, members, scored, None, *(sum(b.grades.get(g, 0) for b in lines)
         for g in grades), sum(b.publicity_due for b in lines), sum(b.publicity_on_time for b in lines),
         sum(b.claims_pending for b in lines), None],
        bold=True,
    )  # fmt: skip
    sheet.line([])
    sheet.line([t("rp.committee.note")])
    if unrated:
        sheet.line([t("rp.committee.unrated")])
    sheet.finish()
    return _saved(book)


# -- the shared look ------------------------------------------------------------------------------

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="F2DCDB")
_MUTED = Font(color="7F7F7F")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


_STYLES: dict[str, dict[str, Any]] = {
    "title": {"font": _TITLE},
    "bold": {"font": _BOLD},
    "muted": {"font": _MUTED},
    "head": {"font": _BOLD, "border": _BORDER, "fill": _HEAD_FILL, "alignment": _WRAP},
}


class _Book:
    """A write-only workbook and its cell styles, each registered with the workbook once: setting a
    font or a border on a cell looks the style up in the workbook, which costs more than the cell."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._made: dict[str, Any] = {}

    def style(self, cell: Any, name: str) -> None:
        made = self._made.get(name)
        if made is None:
            for attribute, value in _STYLES[name].items():
                setattr(cell, attribute, value)
            self._made[name] = copy(cell._style)
        else:
            cell._style = copy(made)


class _SheetNames:
    """Sheet names: at most 31 characters, none of []:*?/\\, each once (namesakes get a number)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def of(self, name: str) -> str:
        base = _BAD_TITLE.sub("_", name)[:28] or "-"
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}({n})"
        self.used.add(candidate)
        return candidate


class _Sheet:
    """A write-only sheet: a title row, a row naming the unit and the scheme, a header row."""

    def __init__(
        self, book: _Book, name: str, title: str, heading: Heading, widths: Sequence[float],
        *, freeze: str | None = None, landscape: bool = False,
    ) -> None:  # fmt: skip
        self.book = book
        self.ws: WriteOnlyWorksheet = book.workbook.create_sheet(name)
        self.rows = 0
        # A write-only sheet writes its views, columns and set-up before its first row. Neighbouring
        # columns of one width are one column range (a card's twelve months: one <col>, not twelve).
        first = 1
        for n, width in enumerate(widths, start=1):
            if n == len(widths) or widths[n] != width:
                column = self.ws.column_dimensions[get_column_letter(first)]
                column.width, column.min, column.max = width, first, n
                first = n + 1
        if freeze:
            self.ws.freeze_panes = freeze
        setup = self.ws.page_setup
        setup.paperSize = "9"  # A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.line([title], style="title")
        self.line([t("rp.heading", unit=heading.unit, scheme=heading.scheme, year=heading.year,
                     made=heading.made.isoformat())])  # fmt: skip

    def cell(self, value: Any, style: str) -> Any:
        """A styled cell (a plain value needs none: dates get their format from openpyxl)."""
        if (value is None or value == "") and style != "head":
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        self.book.style(cell, style)
        return cell

    def line(
        self, values: Iterable[Any], *, style: str = "", bold: bool = False, muted: bool = False
    ) -> None:
        chosen = style or ("bold" if bold else "muted" if muted else "")
        # An empty text is no cell at all: it shows and reads back as the empty cell it would be.
        if not chosen:
            self.ws.append([None if v == "" else _text(v) for v in values])
        else:
            self.ws.append([self.cell(_text(v), chosen) for v in values])
        self.rows += 1

    def head(self, labels: Sequence[str]) -> None:
        self.ws.append([self.cell(label, "head") for label in labels])
        self.rows += 1
        self.header_row = self.rows

    def finish(self) -> None:
        """The header rows repeat at the top of every printed page."""
        last = getattr(self, "header_row", 2)
        self.ws.print_title_rows = f"1:{last}"


def _totals(s: Totals) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if s.base is not None:
        out.append((t("rp.h.base"), s.base))
    if s.rating is not None:
        out.append((t("rp.h.rating"), s.rating))
    out += [(t("rp.h.bonus"), s.bonus), (t("rp.h.deduction"), s.deduction), (t("rp.h.score"), s.score)]
    if s.grade is not None:
        out.append((t("rp.h.grade"), s.grade))
    if s.stars is not None:
        out.append((t("rp.h.stars"), s.stars))
    if s.rank is not None:
        out.append((t("rp.h.rank"), s.rank))
    if s.note:
        out.append((t("rp.h.note"), s.note))
    return out


def _paired(lines: Sequence[LedgerLine]) -> list[LedgerLine]:
    """The entries in order, each reversal moved right under the entry it reverses."""
    reversals = {line.reverses: line for line in lines if line.reverses is not None}
    ids = {line.id for line in lines}
    out: list[LedgerLine] = []
    for line in lines:
        if line.reverses is not None and line.reverses in ids:
            continue  # placed under its entry
        out.append(line)
        reversal = reversals.get(line.id)
        if reversal is not None:
            out.append(reversal)
    return out


def _saved(book: _Book) -> bytes:
    out = io.BytesIO()
    book.workbook.save(out)
    return out.getvalue()


def _text(value: Any) -> Any:
    """A text without the control characters a workbook cannot hold (a reason pasted with a stray
    ``\x0b`` would otherwise make openpyxl refuse the whole file)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
