"""Export benchmark: every Excel file of a township, against a floor.

Builds a committee of 40 branches and 2,000 members (twelve-point and pioneer-index branches in
turn) with a year of entries (bulk loaded as ``bench/ledger.py`` loads them, reversals included),
then times every export through ``ReportService`` — each branch's points cards (every member),
ledger, publicity table and yearly table, and the committee's roll-up — from the database to the
bytes of each .xlsx. Side by side, a floor: the bare read of the same entries (one plain SELECT of
the year's rows) and the bare write of as many files, sheets and cells (the XML of plain numbers,
16 to a row, deflated into a zip: no styles, no texts, no workbook around them).

Prints each kind's time, the cells written, the floor and the peak memory of the process (the
loaded data included), and beside the floor what the same files' own values cost when written
bare through openpyxl's write-only cells (the exports write their cells' XML themselves); the last
line is ``RESULT seconds=... peak_mb=... floor_seconds=... openpyxl_values_seconds=...``.
Goal: under 10 s and under 500 MB on the 2-core development machine.

    .venv/bin/python bench/export.py            # 40 branches, 2,000 members, 100,000 entries
    .venv/bin/python bench/export.py --quick    # 8 branches, 400 members, 20,000 entries
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger import ENTRY_COLS, MEMBER_COLS, bulk, entry_items
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from bot.scoring.loader import load_preset
from bot.services.common import Actor, Context, SchemeCache
from bot.services.reports import ExportRequest, ReportService
from bot.storage import Database, open_database

YEAR = 2026
TODAY = date(2027, 1, 5)  # the year is over: the year-end computations apply
SCHEMES = ("twelve-point", "pioneer-index")
OPERATOR = Actor(None, "cli:bench")
KINDS = ("card", "ledger", "publicity", "annual")
COLUMNS = [chr(ord("A") + n) for n in range(16)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def member_rows(branches: int, per_branch: int) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for i in range(1, branches * per_branch + 1):
        yield (i, (i - 1) // per_branch + 1, f"{i:06d}", f"党员{i}", "", False, False, False, now)


def entry_rows(n: int, branches: int, per_branch: int) -> Iterator[tuple[Any, ...]]:
    """``n`` entries on random days of the year, each branch with its own scheme's items; every 50th
    is reversed by the next (a correction, as the ledger records one)."""
    rng = random.Random(11)
    items = {s: entry_items(load_preset(s)) for s in SCHEMES}
    now = datetime.now(UTC)
    days = [date(YEAR, m, d) for m in range(1, 13) for d in (2, 9, 16, 23)]
    i = 0
    while i < n:
        member = rng.randint(1, branches * per_branch)
        branch = (member - 1) // per_branch + 1
        code, points = rng.choice(items[SCHEMES[(branch - 1) % len(SCHEMES)]])
        day = rng.choice(days)
        i += 1
        yield (i, branch, member, code, points, False, day, now, "bench", "记录", None)
        if i % 50 == 0 and i < n:
            i += 1
            yield (i, branch, member, code, -points, False, day, now, "bench", "更正", i - 1)


async def load(db: Database, args: argparse.Namespace) -> None:
    async with db.uow() as uow:
        committee = await uow.branches.committee("基准测试镇党委", create=True)
        assert committee is not None
        for b in range(args.branches):
            await uow.branches.add(f"第{b + 1}党支部", SCHEMES[b % len(SCHEMES)], committee.id)
        await uow.commit()
    await bulk(db, "members", MEMBER_COLS, member_rows(args.branches, args.per_branch), None)
    cols = (*ENTRY_COLS, "reverses_id")
    await bulk(db, "ledger_entries", cols, entry_rows(args.entries, args.branches, args.per_branch), None)
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


Contents = list[list[tuple[Any, ...]]]


def contents_of(data: bytes) -> Contents:
    """The values of a written workbook, sheet by sheet and row by row."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(sheet.iter_rows(values_only=True)) for sheet in book]


def cells_of(contents: Contents) -> tuple[int, int]:
    """(sheets, cells with a value) of a workbook's contents."""
    return len(contents), sum(1 for sheet in contents for row in sheet for v in row if v is not None)


async def exports(db: Database, args: argparse.Namespace) -> tuple[float, list[bytes]]:
    service = ReportService(Context(db.uow, SchemeCache()))
    made: list[bytes] = []
    total = 0.0
    for kind in KINDS:
        start = time.perf_counter()
        for branch in range(1, args.branches + 1):
            period = f"{YEAR}-11" if kind == "publicity" else None
            request = ExportRequest(kind, YEAR, TODAY, branch, period=period)
            made.append((await service.export(request, OPERATOR)).data)
        spent = time.perf_counter() - start
        total += spent
        print(f"  {kind:<10} {args.branches} files in {spent:.2f}s")
    start = time.perf_counter()
    roll_up = await service.export(ExportRequest("committee", YEAR, TODAY, committee=1), OPERATOR)
    made.append(roll_up.data)
    spent = time.perf_counter() - start
    total += spent
    print(f"  committee  1 file ({roll_up.count} branches) in {spent:.2f}s")
    return total, made


async def bare_read(db: Database) -> tuple[float, int]:
    """The floor's read: the year's entries with what a ledger line shows, in one plain SELECT."""
    sql = (
        "SELECT id, branch_id, member_id, item, points, effective_date, actor, reason, reverses_id "
        "FROM ledger_entries WHERE effective_date BETWEEN :first AND :last"
    )
    start = time.perf_counter()
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(sql), {"first": date(YEAR, 1, 1), "last": date(YEAR, 12, 31)})).all()
    return time.perf_counter() - start, len(rows)


def bare_write(books: list[tuple[int, int]]) -> float:
    """The floor's write: for each file written, a zip of as many sheets and cells, each sheet the
    XML of rows of 16 plain numbers (what any writer must at least put out and deflate)."""
    start = time.perf_counter()
    for sheets, cells in books:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for n in range(sheets):
                rows = []
                for r in range(1, cells // sheets // 16 + 2):
                    row = "".join(f'<c r="{c}{r}" t="n"><v>{v}</v></c>' for v, c in enumerate(COLUMNS))
                    rows.append(f'<row r="{r}">{row}</row>')
                package.writestr(f"xl/worksheets/sheet{n + 1}.xml", f"<sheetData>{''.join(rows)}</sheetData>")
    return time.perf_counter() - start


def bare_values(contents: list[Contents]) -> float:
    """Not the floor, but what openpyxl's cells would cost: the files' own values (texts, dates,
    numbers) appended to openpyxl write-only workbooks as they are, without styles, widths or set-up."""
    start = time.perf_counter()
    for sheets in contents:
        book = Workbook(write_only=True)
        for n, rows in enumerate(sheets):
            sheet = book.create_sheet(f"s{n}")
            for row in rows:
                sheet.append(row)
        book.save(io.BytesIO())
    return time.perf_counter() - start


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            start = time.perf_counter()
            await load(db, args)
            members = args.branches * args.per_branch
            print(f"loaded {args.branches} branches, {members:,} members, {args.entries:,} entries "
                  f"in {time.perf_counter() - start:.1f}s (peak {peak_mb():.0f} MB)")  # fmt: skip
            seconds, made = await exports(db, args)
            peak = peak_mb()
            read, rows = await bare_read(db)
        finally:
            await db.close()
    contents = [contents_of(d) for d in made]
    books = [cells_of(c) for c in contents]
    sheets, cells, size = sum(b[0] for b in books), sum(b[1] for b in books), sum(len(d) for d in made)
    write = bare_write(books)
    floor = read + write
    values = bare_values(contents)
    print(f"exports: {seconds:.2f}s, {len(made)} files, {sheets:,} sheets, {cells:,} cells, "
          f"{size / 1e6:.1f} MB of .xlsx; peak memory {peak:.0f} MB")  # fmt: skip
    print(f"floor: bare read of {rows:,} entries {read:.2f}s + bare write of the same files, sheets and cells "
          f"{write:.2f}s = {floor:.2f}s; exports over it {seconds / floor:.2f}")  # fmt: skip
    print(f"the files' own values appended bare to openpyxl write-only workbooks: {values:.2f}s")
    print(
        f"RESULT seconds={seconds:.2f} peak_mb={peak:.0f} floor_seconds={floor:.2f} "
        f"openpyxl_values_seconds={values:.2f}"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 branches, 400 members, 20,000 entries")
    args = parser.parse_args(argv)
    args.branches, args.per_branch = (8, 50) if args.quick else (40, 50)
    args.entries = 20_000 if args.quick else 100_000
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
