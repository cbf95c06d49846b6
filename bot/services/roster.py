"""Roster import (党员名册): CSV or XLSX with Chinese column names; any row error imports nothing."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.i18n import t
from bot.scoring.model import Scheme
from bot.services.common import Actor, Context, branch_of
from bot.services.errors import DomainError, Invalid
from bot.storage.schema import MemberRow
from bot.storage.timeutil import to_local, utcnow

COLUMNS = ["姓名", "编号", "类别", "流动党员", "免于积分", "入党/转入日期", "手机号"]
REQUIRED = ["姓名"]
YES, NO = {"是", "y", "yes", "1", "true"}, {"否", "", "n", "no", "0", "false"}
#: The template's example row (its 姓名 marks it, so that an import of it unchanged is refused).
EXAMPLE_NAME = "张三(示例)"
EXAMPLE = [EXAMPLE_NAME, "001", "", "否", "否", "2015-06-01", "13800000000"]
_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")


@dataclass(frozen=True, slots=True)
class RosterRow:
    row: int
    name: str
    code: str | None
    category: str
    migrant: bool
    exempt: bool
    joined: date | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Imported:
    added: int
    skipped: list[str]


class RosterErrors(DomainError):
    """Every problem of a roster, each naming its row; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("roster.failed", count=len(problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join([self.message, *self.problems])


def read_table(path: Path) -> list[list[Any]]:
    """The rows of a .csv (UTF-8 with or without BOM, else GB18030) or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_table(path, str(path))
    if suffix != ".csv":
        raise Invalid("roster.bad_format", suffix=suffix)
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise Invalid("roster.unreadable", path=path, error=exc) from None
    return [list(r) for r in csv.reader(io.StringIO(content))]


_ZERO_PADDED = re.compile(r"^0+$")


def xlsx_table(data: bytes, name: str) -> list[list[Any]]:
    """The rows of the first sheet of an .xlsx file's bytes (a file sent in the chat)."""
    return _xlsx_table(io.BytesIO(data), name)


def _xlsx_table(source: Path | io.BytesIO, name: str) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(source, read_only=True, data_only=True)
        try:  # a read-only workbook keeps the file open until closed
            return [[_xlsx_value(c) for c in r] for r in book.worksheets[0].iter_rows()]
        finally:
            book.close()
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise Invalid("roster.unreadable", path=name, error=exc) from None


def _xlsx_value(cell: Any) -> Any:
    """A cell's value as the sheet shows it where that matters: a number shown zero-padded
    (编号 001 typed as a number with format ``000``) keeps its zeros, and a whole number stored
    as a float (a phone number) loses its ``.0``."""
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not value.is_integer():
        return value
    shown = str(int(value))
    fmt = str(getattr(cell, "number_format", "") or "")
    return shown.zfill(len(fmt)) if _ZERO_PADDED.match(fmt) else shown


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _yes(value: Any, column: str, problems: list[str]) -> bool:
    word = _text(value).lower()
    if word not in YES | NO:
        problems.append(t("roster.bad_yes_no", column=column, value=_text(value)))
    return word in YES


def _date(value: Any, column: str, problems: list[str]) -> date | None:
    """``2015-06-01``, ``2015/6/1``, ``2015.6.1`` or ``2015年6月1日`` (or an Excel date): a day
    that exists and is not in the future."""
    if isinstance(value, datetime):
        day: date | None = value.date()
    elif isinstance(value, date):
        day = value
    else:
        word = _text(value)
        if not word:
            return None
        found = _DAY.match(word)
        if found is None:
            problems.append(t("newuser.roster.bad_date", column=column, value=word))
            return None
        try:
            day = date(*(int(g) for g in found.groups()))
        except ValueError:
            problems.append(t("newuser.roster.no_such_day", column=column, value=word))
            return None
    if day is not None and day > to_local(utcnow()).date():
        problems.append(t("newuser.roster.future", column=column, value=_text(value) or day.isoformat()))
    return day


def _category(value: Any, scheme: Scheme, problems: list[str]) -> str:
    word = _text(value)
    by_name = {name: code for code, name in scheme.categories.items()}
    by_name.update({name.removesuffix("党员"): code for code, name in scheme.categories.items()})
    if not word or word in scheme.categories:
        return word
    if word in by_name:
        return by_name[word]
    if not scheme.categories:
        problems.append(t("newuser.roster.no_categories", value=word))
    else:
        problems.append(t("newuser.roster.bad_category", value=word, known=allowed_categories(scheme)))
    return ""


def allowed_categories(scheme: Scheme) -> str:
    """What a 类别 cell may hold: each category's name (or its code)."""
    return "、".join(f"{name} ({code})" for code, name in scheme.categories.items())


def parse_rows(table: list[list[Any]], scheme: Scheme) -> list[RosterRow]:
    """Validate every row; raise RosterErrors listing all problems (row numbers as in the file)."""
    header = [_text(c) for c in (table[0] if table else [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterErrors([t("roster.missing_columns", columns=", ".join(missing))])
    rows: list[RosterRow] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(table[1:], start=2):
        cells = dict(zip(header, values, strict=False))
        if not any(_text(v) for v in values):
            continue
        own: list[str] = []
        row = _row(number, cells, scheme, own)
        # a row is the same person as another by 编号, or by name when it has no 编号 (as on_roster
        # matches the branch): namesakes with their own 编号 are two people
        key = f"编号 {row.code}" if row.code else f"姓名 {row.name}" if row.name else None
        if key is not None:
            if key in seen:
                own.append(t("roster.duplicate_in_file", other=seen[key], key=key))
            seen.setdefault(key, number)
        problems += [(number, p) for p in own]
        rows.append(row)
    problems += _namesakes_without_code(rows)
    if problems:
        ordered = sorted(problems, key=lambda p: p[0])  # stable: a row's own problems keep their order
        raise RosterErrors([t("roster.row_error", row=n, reason=p) for n, p in ordered])
    return rows


def _namesakes_without_code(rows: list[RosterRow]) -> list[tuple[int, str]]:
    """A row without 编号 named like a row with one: the same person twice, or two people that
    cannot be told apart; either way, which one the import keeps would depend on the row order."""
    coded: dict[str, int] = {}
    for row in rows:
        if row.code and row.name:
            coded.setdefault(row.name, row.row)
    return [
        (row.row, t("roster.namesake_without_code", other=coded[row.name], name=row.name))
        for row in rows
        if not row.code and row.name in coded
    ]


def _row(number: int, cells: dict[str, Any], scheme: Scheme, problems: list[str]) -> RosterRow:
    name = _text(cells.get("姓名"))
    if not name:
        problems.append(t("roster.name_required"))
    elif name == EXAMPLE_NAME:
        problems.append(t("newuser.roster.example_row"))
    return RosterRow(
        row=number,
        name=name,
        code=_text(cells.get("编号")) or None,
        category=_category(cells.get("类别"), scheme, problems),
        migrant=_yes(cells.get("流动党员"), "流动党员", problems),
        exempt=_yes(cells.get("免于积分"), "免于积分", problems),
        joined=_date(cells.get("入党/转入日期"), "入党/转入日期", problems),
        phone=_text(cells.get("手机号")) or None,
    )


async def import_roster(
    ctx: Context,
    branch_id: int,
    path: Path,
    actor: Actor,
    progress: Callable[[int, int, str], None] | None = None,
) -> Imported:
    """Import a roster into a branch in one transaction. A member already there (same 编号, or
    same name) is skipped and reported, never changed. ``progress(done, total, name)`` follows the rows."""
    async with ctx.uow() as uow:
        branch = await branch_of(uow, branch_id)
        rows = parse_rows(read_table(path), ctx.schemes(branch.scheme))
        added, skipped, exempt = 0, [], []
        for n, row in enumerate(rows):
            if progress is not None:
                progress(n, len(rows), row.name)
            existing = await uow.members.on_roster(branch.id, row.code, row.name)
            if existing is not None:
                skipped.append(t("roster.exists", name=row.name, code=row.code or "-", id=existing.id))
                continue
            member = await uow.members.add(_member(branch.id, row))
            added += 1
            if row.exempt:  # every exemption is on record: who imported it, from which file and row
                exempt.append({"member": member.id, "row": row.row})
        await uow.audit.record(
            actor.label,
            "roster.import",
            branch_id=branch.id,
            subject=path.name,
            details={"added": added, "skipped": len(skipped), "exempt": exempt},
        )
        await uow.commit()
        return Imported(added, skipped)


def _member(branch_id: int, row: RosterRow) -> MemberRow:
    return MemberRow(
        branch_id=branch_id,
        code=row.code,
        name=row.name,
        category=row.category,
        migrant=row.migrant,
        exempt=row.exempt,
        joined=row.joined,
        phone=row.phone,
    )


def template_rows() -> Iterable[list[str]]:
    yield COLUMNS
    yield EXAMPLE


def allowed_values(scheme: Scheme) -> list[list[str]]:
    """The template's second sheet: each column and what it may hold."""
    category = (
        t("newuser.roster.allowed_category", known=allowed_categories(scheme))
        if scheme.categories
        else t("newuser.roster.no_categories_allowed")
    )
    text, yes_no, day = (t(f"newuser.roster.allowed_{k}") for k in ("text", "yes_no", "date"))
    values = {"姓名": t("newuser.roster.allowed_name"), "类别": category, "流动党员": yes_no, "免于积分": yes_no,
              "入党/转入日期": day}  # fmt: skip
    header = [t("newuser.roster.allowed_column"), t("newuser.roster.allowed_values")]
    return [header, *([c, values.get(c, text)] for c in COLUMNS)]
