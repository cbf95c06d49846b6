"""The cells of an export are written as sheet XML by the layouts themselves (openpyxl writes the
package around them): read back with openpyxl, each holds what was given, as the type it was
given, with the look of its row, and the texts a member typed are texts (never formulas, never
markup), whatever they hold."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from enum import Enum, IntEnum, StrEnum
from typing import Any

from openpyxl import load_workbook

from bot.reports import xlsx

HEADING = xlsx.Heading("第一党支部", "十二分制", 2026, date(2026, 12, 1))


def _line(n: int, reason: str, **more: Any) -> xlsx.LedgerLine:
    values: dict[str, Any] = {
        "id": n, "day": date(2026, 3, n), "member": "张三", "item": "志愿服务", "code": "volunteer",
        "points": 1, "by": "李书记", "reason": reason, "source": "记分",
    }  # fmt: skip
    return xlsx.LedgerLine(**(values | more))


def _grey(cell: Any) -> bool:
    color = cell.font.color
    return color is not None and color.type == "rgb" and color.rgb == "007F7F7F"


def _reasons(data: bytes) -> list[Any]:
    sheet = load_workbook(io.BytesIO(data))["台账"]
    return [row[7].value for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]


def test_a_text_reads_back_as_typed_markup_spaces_and_line_breaks_kept() -> None:
    typed = ["<b>帮扶</b> & 走访", "  前后有空格  ", "第一行\n第二行", "回车\r\n换行", "引号\"和'单引号"]
    data = xlsx.ledger(HEADING, [_line(n, text) for n, text in enumerate(typed, start=1)])
    assert _reasons(data) == typed


def test_a_text_that_looks_like_a_formula_stays_a_text() -> None:
    data = xlsx.ledger(HEADING, [_line(1, '=HYPERLINK("http://x","点我")'), _line(2, "=1+1")])
    sheet = load_workbook(io.BytesIO(data))["台账"]
    cells = [row[7] for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","点我")', "=1+1"]
    assert {c.data_type for c in cells} == {"s"}


def test_what_a_workbook_cannot_hold_is_left_out_and_the_rest_kept() -> None:
    # a vertical tab pasted from elsewhere, a form feed, a lone surrogate (a broken emoji), U+FFFF
    data = xlsx.ledger(HEADING, [_line(1, "帮老人\x0b收\x0c麦子\ud83d好\uffff")])
    assert _reasons(data) == ["帮老人收麦子好"]


def test_numbers_and_dates_keep_their_types_and_the_date_its_format_in_every_look() -> None:
    lines = [
        _line(1, "整数", points=3),
        _line(2, "小数", points=0.5),
        _line(3, "负数", points=-2, reversed_by=4),
        _line(4, "冲正", points=2, reverses=3),
    ]
    sheet = load_workbook(io.BytesIO(xlsx.ledger(HEADING, lines)))["台账"]
    rows = [row for row in sheet.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert [r[5].value for r in rows] == [3, 0.5, -2, 2]
    assert [type(r[5].value) for r in rows] == [int, float, int, int]
    assert [r[1].value.date() for r in rows] == [date(2026, 3, n) for n in (1, 2, 3, 4)]
    assert {r[1].number_format for r in rows} == {"yyyy-mm-dd"}
    # the reversed entry and its reversal are muted: the date cell too, with its date format
    assert [_grey(r[1]) for r in rows] == [False, False, True, True]
    assert [_grey(r[2]) for r in rows] == [False, False, True, True]


def test_the_header_row_has_its_look_and_the_title_its_size() -> None:
    sheet = load_workbook(io.BytesIO(xlsx.ledger(HEADING, [_line(1, "走访")])))["台账"]
    head = sheet[3]
    assert [c.value for c in head][:3] == ["记录编号", "日期", "姓名"]
    assert all(c.font.b and c.fill.fgColor.rgb == "00F2DCDB" and c.border.left.style == "thin" for c in head)
    assert head[0].alignment.wrap_text and sheet["A1"].font.sz == 14 and sheet["A1"].font.b
    assert sheet["A2"].font.b is False and "第一党支部" in sheet["A2"].value


def test_the_used_range_is_declared_so_a_streaming_reader_sees_every_row() -> None:
    lines = [_line(n, f"第{n}条") for n in range(1, 29)]
    data = xlsx.ledger(HEADING, lines)
    sheet = load_workbook(io.BytesIO(data), read_only=True)["台账"]
    # title, heading, header, 28 entries, an empty row, the note; ten columns (A to J)
    assert sheet.calculate_dimension() == "A1:J33" and sheet.max_row == 33 and sheet.max_column == 10
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 33


def test_every_sheet_of_a_workbook_of_cards_gets_its_own_rows() -> None:
    def card(name: str, points: int) -> xlsx.MemberCard:
        months = tuple(points if m == 3 else None for m in xlsx.MONTHS)
        row = xlsx.CardRow("volunteer", "志愿服务", "bonus", months, points)
        totals = xlsx.Totals(None, None, points, 0, points, None, None, None)
        return xlsx.MemberCard(name, "001", "正式党员", None, (row,), totals)

    data = xlsx.cards(HEADING, [card("张三", 2), card("李四", 5), card("张三", 1)])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["张三", "李四", "张三(2)"]
    march = [book[name].cell(5, 5).value for name in book.sheetnames]
    assert march == [2, 5, 1] and book["李四"].cell(5, 1).value == "志愿服务"
    assert all(book[name].freeze_panes == "C5" for name in book.sheetnames)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = sorted(n for n in package.namelist() if n.startswith("xl/worksheets/"))
        assert parts == [f"xl/worksheets/sheet{n}.xml" for n in (1, 2, 3)]
        assert all(package.read(p).count(b"<sheetData>") == 1 for p in parts)


class _Stars(IntEnum):
    THREE = 3


class _Grade(StrEnum):
    EXCELLENT = "优秀"


class _Tier(str, Enum):  # noqa: UP042 - a mixin, whose str() is "_Tier.A", not its text
    A = "一档"


def test_a_member_of_a_text_or_number_enum_is_written_as_its_value() -> None:
    line = xlsx.BoardLine("张三", _Stars.THREE, 12, _Grade.EXCELLENT, None, None, honour=_Tier.A)
    sheet = load_workbook(io.BytesIO(xlsx.board(HEADING, "2026-11", [line], [], ranks=False)))["公示栏"]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == "张三")
    assert row[2:5] == (3, 12, "优秀") and type(row[2]) is int and "一档" in row


def test_sheet_names_are_ones_excel_takes_and_each_repeats_its_header_when_printed() -> None:
    def card(name: str) -> xlsx.MemberCard:
        totals = xlsx.Totals(None, None, 0, 0, 0, None, None, None)
        return xlsx.MemberCard(name, "001", "正式党员", None, (), totals)

    typed = ["'张三'", "王/五", "a&b<c>", "AB", "ab", "赵\x0b六"]
    book = load_workbook(io.BytesIO(xlsx.cards(HEADING, [card(name) for name in typed])))
    assert book.sheetnames == ["张三", "王_五", "a&b<c>", "AB", "ab(2)", "赵六"]
    assert book["a&b<c>"]["A1"].value.endswith(" a&b<c>") and book["张三"]["A1"].value.endswith(" '张三'")
    assert {book[name].print_title_rows for name in book.sheetnames} == {"$1:$4"}
