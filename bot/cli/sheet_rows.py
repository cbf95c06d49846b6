"""Reading a filled-in sheet (.xlsx or .csv) as rows of cells that know where they are
(``第3行 C列``), so that every error can name its cell; and writing a template."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from bot.services.recorded import Cell, Sheet, SheetRow
from bot.services.roster import read_table


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def sheet_rows(path: Path) -> Sheet:
    """The file's rows under its first row's headings (blank rows left out), with the file's
    name and the sha256 of its bytes."""
    table = read_table(path)
    headings = [_text(c) for c in (table[0] if table else [])]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        texts = [_text(v) for v in values]
        if not any(texts):
            continue
        cells = {
            heading: Cell(texts[i] if i < len(texts) else "", get_column_letter(i + 1), number)
            for i, heading in enumerate(headings)
            if heading
        }
        rows.append(SheetRow(number, cells))
    return Sheet(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), tuple(rows))


def write_template(
    path: Path, title: str, headings: Sequence[str], rows: Sequence[Sequence[str]], text: Sequence[str] = ()
) -> None:
    """A template to fill in: .csv (UTF-8 with BOM, for Excel) or .xlsx (columns in ``text`` kept as text)."""
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headings)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

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
    book.save(path)
