"""The Excel files a branch files with the township, laid out like the paper forms (seed 001's
党员积分制管理积分登记表, 考核公示栏, 党员年度综合得分登记表, and the 台账 every scheme asks for).

Each layout takes plain data (figures the engine gave, lines of the ledger) and returns the bytes
of an .xlsx: Chinese headers, the header rows frozen and repeated on every printed page, widths
that fit the Chinese text, numbers as numbers and dates as dates, A4 and fitted to the page's
width. Nothing here reads a database or scores anything. openpyxl writes the styles, the theme,
the document's properties and each kind of sheet's views, columns and page set-up; the cells are
written here straight as the sheets' XML and the package is put together here, since a township's
exports are a million cells and openpyxl's cell objects cost several times the XML they make (see
``_Book``). Every text is a text: one that starts with = is never read as a formula.
"""

from __future__ import annotations

import functools
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.extended import ExtendedProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.numbers import FORMAT_DATE_DATETIME, FORMAT_DATE_YYYYMMDD2
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.functions import tostring

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
    if not members:
        _Sheet(book, t("rp.empty_sheet"), t("rp.card.title", name=""), heading, [40])
    return book.saved()


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
    return book.saved()


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
    return book.saved()


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
    return book.saved()


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
    return book.saved()


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
    "": {},
    "title": {"font": _TITLE},
    "bold": {"font": _BOLD},
    "muted": {"font": _MUTED},
    "head": {"font": _BOLD, "border": _BORDER, "fill": _HEAD_FILL, "alignment": _WRAP},
}
#: The number formats openpyxl gives dates and times, so that a cell reads back as it did.
_FORMATS: dict[type, str] = {datetime: FORMAT_DATE_DATETIME, date: FORMAT_DATE_YYYYMMDD2}
#: What a cell's text cannot hold: the control characters a workbook refuses (``\x0b`` pasted
#: into a reason) and the two non-characters and the lone surrogates XML has no place for.
_UNFIT = re.compile(ILLEGAL_CHARACTERS_RE.pattern + "|[\ufffe\uffff\ud800-\udfff]")
_MARKUP = re.compile("[&<>\r]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_MAX_TEXT = 32767  # the most a cell holds


class _Book:
    """A workbook being written: its sheets, and its cell styles.

    The package is put together here, and each sheet's rows are written straight as its XML as they
    are added: openpyxl's cell objects cost several times the XML they make, and openpyxl writes
    each sheet of a write-only workbook through a temporary file of its own (a township's cards are
    2,000 sheets, its exports a million cells). What openpyxl knows best it still writes: the
    styles, the theme, the document's properties, and each kind of sheet's views, columns and page
    set-up (once per kind, see ``_frame``)."""

    def __init__(self) -> None:
        #: Never saved: it registers the cell styles, and its stylesheet is the file's.
        self.workbook = Workbook(write_only=True)
        self._cells = self.workbook.create_sheet("styles")
        self.sheets: list[_Sheet] = []
        self._ids: dict[tuple[str, type | None], str] = {}

    def style(self, name: str, kind: type | None = None) -> str:
        """The ``s`` attribute of a cell in style ``name`` holding a value of type ``kind`` (a date
        has a number format too): registered with the workbook the first time it is asked for."""
        key = (name, kind)
        made = self._ids.get(key)
        if made is None:
            cell = WriteOnlyCell(self._cells)
            for attribute, value in _STYLES[name].items():
                setattr(cell, attribute, value)
            if kind in _FORMATS:
                cell.number_format = _FORMATS[kind]
            made = f' s="{cell.style_id}"' if cell.has_style else ""
            self._ids[key] = made
        return made

    def saved(self) -> bytes:
        """The .xlsx: the parts openpyxl's own workbooks have, named as openpyxl names them."""
        out = io.BytesIO()
        sheets = [f"xl/worksheets/sheet{n}.xml" for n in range(1, len(self.sheets) + 1)]
        names = "".join(
            f'<sheet xmlns:r="{_REL_NS}" name="{_attr(s.name)}" sheetId="{n}" state="visible" r:id="rId{n}"/>'
            for n, s in enumerate(self.sheets, start=1)
        )
        titles = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
            f"{escape(quote_sheetname(s.name))}!$1:${s.header_row}</definedName>"
            for n, s in enumerate(self.sheets)
        )
        links = "".join(
            f'<Relationship Type="{_REL_NS}/worksheet" Target="/{part}" Id="rId{n}"/>'
            for n, part in enumerate(sheets, start=1)
        )
        more = len(sheets)
        links += (
            f'<Relationship Type="{_REL_NS}/styles" Target="styles.xml" Id="rId{more + 1}"/>'
            f'<Relationship Type="{_REL_NS}/theme" Target="theme/theme1.xml" Id="rId{more + 2}"/>'
        )
        types = "".join(f'<Override PartName="/{part}" ContentType="{_SHEET_TYPE}"/>' for part in sheets)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for part, sheet in zip(sheets, self.sheets, strict=True):
                package.writestr(part, sheet.xml())
            package.writestr("xl/styles.xml", tostring(write_stylesheet(self.workbook)))
            package.writestr("xl/theme/theme1.xml", theme_xml)
            package.writestr("xl/workbook.xml", _WORKBOOK.format(sheets=names, titles=titles))
            package.writestr("xl/_rels/workbook.xml.rels", _RELATIONSHIPS.format(links))
            package.writestr("_rels/.rels", _ROOT_RELATIONSHIPS)
            package.writestr("docProps/core.xml", tostring(DocumentProperties(creator="partybot").to_tree()))
            package.writestr("docProps/app.xml", tostring(ExtendedProperties().to_tree()))
            package.writestr("[Content_Types].xml", _CONTENT_TYPES.format(types))
        return out.getvalue()


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKBOOK = (
    f'<workbook xmlns="{_MAIN_NS}"><workbookPr/><bookViews><workbookView visibility="visible" '
    'minimized="0" showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" '
    'firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews><sheets>{sheets}</sheets>'
    '<definedNames>{titles}</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
)
_RELATIONSHIPS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
)
_ROOT_RELATIONSHIPS = _RELATIONSHIPS.format(
    f'<Relationship Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
    '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_REL_NS}/extended-properties" Target="docProps/app.xml" Id="rId3"/>'
)
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "{}"
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


class _SheetNames:
    """Sheet names as Excel takes them: at most 31 characters, none of []:*?/\\ nor a control
    character, no ' first or last, each once whatever its case (namesakes get a number)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def of(self, name: str) -> str:
        base = _BAD_TITLE.sub("_", _UNFIT.sub("", name))[:28].strip("'") or "-"
        candidate, n = base, 1
        while candidate.casefold() in self.used:
            n += 1
            candidate = f"{base}({n})"
        self.used.add(candidate.casefold())
        return candidate


@functools.lru_cache(maxsize=64)
def _frame(widths: tuple[float, ...], freeze: str | None, landscape: bool) -> tuple[str, str]:
    """The XML of a sheet of this set-up before its rows and after them, as openpyxl writes it:
    A4, fitted to the page's width, the header frozen, the columns' widths (neighbouring columns
    of one width are one column range: a card's twelve months are one <col>)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("frame")
    first = 1
    for n, width in enumerate(widths, start=1):
        if n == len(widths) or widths[n] != width:
            column = ws.column_dimensions[get_column_letter(first)]
            column.width, column.min, column.max = width, first, n
            first = n + 1
    if freeze:
        ws.freeze_panes = freeze
    setup = ws.page_setup
    setup.paperSize = "9"  # A4
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    written = io.BytesIO()
    book.save(written)
    with zipfile.ZipFile(written) as package:
        part = package.read("xl/worksheets/sheet1.xml").decode()
    top, empty, tail = part.partition("<sheetData></sheetData>")
    if not empty or "<sheetViews>" not in top:
        raise RuntimeError("openpyxl wrote a sheet without the <sheetViews> and <sheetData> expected")
    return top, tail


class _Sheet:
    """A sheet: a title row, a row naming the unit and the scheme, a header row, and the rows after,
    each written as the XML of ``<sheetData>`` as it is added."""

    def __init__(
        self, book: _Book, name: str, title: str, heading: Heading, widths: Sequence[float],
        *, freeze: str | None = None, landscape: bool = False,
    ) -> None:  # fmt: skip
        self.book = book
        self.name = name
        self.frame = _frame(tuple(widths), freeze, landscape)
        book.sheets.append(self)
        self.rows = 0
        self.columns = 0
        #: The last row repeated at the top of every printed page (the header's).
        self.header_row = 2
        self._xml: list[str] = []
        self.line([title], style="title")
        self.line([t("rp.heading", unit=heading.unit, scheme=heading.scheme, year=heading.year,
                     made=heading.made.isoformat())])  # fmt: skip

    def line(
        self, values: Iterable[Any], *, style: str = "", bold: bool = False, muted: bool = False
    ) -> None:
        """A row of values: texts, numbers, dates; None or an empty text leaves its cell empty
        (a header's empty cell still has the header's look)."""
        chosen = style or ("bold" if bold else "muted" if muted else "")
        self.rows += 1
        r = str(self.rows)
        xml = self._xml
        xml.append(f'<row r="{r}">')
        styled = self.book.style(chosen)
        n = 0
        for n, value in enumerate(values, start=1):
            kind = type(value)
            if kind not in _PLAIN:
                value = _plain(value)
                kind = type(value)
            ref = f"{_column(n)}{r}"
            if value is None or value == "":
                if chosen == "head":
                    xml.append(f'<c r="{ref}"{styled}/>')
            elif kind is str:
                xml.append(f'<c r="{ref}"{styled} t="inlineStr"><is>{_inline(value)}</is></c>')
            elif kind is int:
                xml.append(f'<c r="{ref}"{styled} t="n"><v>{value}</v></c>')
            elif kind is float or kind is Decimal:
                if value.is_finite() if kind is Decimal else math.isfinite(value):
                    xml.append(f'<c r="{ref}"{styled} t="n"><v>{value}</v></c>')
            elif kind is date or kind is datetime:
                at = self.book.style(chosen, kind)
                xml.append(f'<c r="{ref}"{at} t="n"><v>{_serial(value)}</v></c>')
            else:  # a bool
                xml.append(f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>')
        xml.append("</row>")
        self.columns = max(self.columns, n)

    def head(self, labels: Sequence[str]) -> None:
        self.line(labels, style="head")
        self.header_row = self.rows

    def xml(self) -> str:
        """The sheet's XML: its frame, the used range, its rows."""
        top, tail = self.frame
        used = f'<dimension ref="A1:{_column(max(self.columns, 1))}{max(self.rows, 1)}"/><sheetViews>'
        rows = "".join(self._xml)
        return f"{top.replace('<sheetViews>', used, 1)}<sheetData>{rows}</sheetData>{tail}"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


@functools.cache
def _column(n: int) -> str:
    return str(get_column_letter(n))


_PLAIN = frozenset({type(None), str, int, float, Decimal, date, datetime, bool})


def _plain(value: Any) -> Any:
    """A value of a subclass of a text or a number (a member of a StrEnum, an IntEnum) as the
    plain value it stands for."""
    for plain in (str, bool, int, float):
        if isinstance(value, plain):
            return plain.__str__(value) if plain is str else plain(value)
    raise TypeError(f"a cell holds texts, numbers and dates, not {type(value).__name__}")


@functools.lru_cache(maxsize=4096)
def _serial(value: date) -> str:
    """A date's (or a time of day's) serial number, as openpyxl writes it."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise TypeError("a workbook holds no time zones: give the local time")
    return f"{to_excel(value):.16g}"


def _inline(value: str) -> str:
    """A text as an inline string's ``<t>``: what a workbook cannot hold left out, the markup
    escaped, and its leading or trailing spaces kept. A text that starts with = is a text, not a
    formula: a member's reason is never evaluated."""
    if _UNFIT.search(value):
        value = _UNFIT.sub("", value)
    value = value[:_MAX_TEXT]
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if _MARKUP.search(value):
        value = _MARKUP.sub(lambda m: _ESCAPES[m.group()], value)
    return f"<t{space}>{value}</t>"


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
