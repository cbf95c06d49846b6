"""Reading a filled-in sheet (.xlsx or .csv) as rows of cells that know where they are
(``第3行 C列``), so that every error can name its cell; and writing a template."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

from bot.services.recorded import Sheet, sheet_of, template_xlsx
from bot.services.roster import read_table


def sheet_rows(path: Path) -> Sheet:
    """The file's rows under its first row's headings (blank rows left out), with the file's
    name and the sha256 of its bytes."""
    return sheet_of(read_table(path), path.name, hashlib.sha256(path.read_bytes()).hexdigest())


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
    path.write_bytes(template_xlsx(title, headings, rows, text))
