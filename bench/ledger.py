"""Ledger benchmark: a month's publicity for every member vs a bare SQL ``GROUP BY member``.

Loads N members and M ledger entries (bulk: executemany on SQLite, COPY on PostgreSQL; the
database's trigger keeps the ``ledger_totals`` projection in step with every inserted row, as it
does for the bot's own writes, so the load time includes that upkeep), then times:

(a) one month's publicity for all of them: the read path (``load_committee_year``: the month and
    the months before it, from whole-month and whole-year rows of ``ledger_totals``, plus the
    ledger rows of any month the window cuts) and the engine (``standings``: every member's score,
    grade, stars and rank for the month and for the year to date, without explanations), from
    the database to both scores of every member, nothing kept between runs;
(b) ``SELECT member_id, SUM(points) FROM ledger_entries GROUP BY member_id`` over the raw ledger.

(c) the least a scorer must read from the raw ledger: ``GROUP BY member, item, month`` over the
    year up to that month.

Prints all three, the read path and the engine apart, and the ratios per database; the last line
is ``RESULT sqlite_ratio=X pg_ratio=Y sqlite_vs_items=Z pg_vs_items=W`` (publicity over (b) and
over (c); ``n/a`` when PostgreSQL is unreachable).

    .venv/bin/python bench/ledger.py            # 100,000 members, 5,000,000 entries
    .venv/bin/python bench/ledger.py --quick    # 10,000 members, 300,000 entries
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.scoring.loader import load_preset
from bot.scoring.model import Scheme
from bot.scoring.standings import standings
from bot.storage import Database, open_database
from bot.storage.read import load_committee_year

YEAR, MONTH = 2026, 12
PER_BRANCH = 100
CHUNK = 50_000
#: SQLite's page cache while loading (KiB), and its default (pages; negative: KiB) for the measurements.
LOAD_CACHE_KB, SQLITE_DEFAULT_CACHE = 400_000, -2000
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MEMBER_COLS = (
    "id",
    "branch_id",
    "code",
    "name",
    "category",
    "migrant",
    "exempt",
    "probationary",
    "created_at",
)
ENTRY_COLS = (
    "id",
    "branch_id",
    "member_id",
    "item",
    "points",
    "lead",
    "effective_date",
    "created_at",
    "actor",
    "reason",
)


def entry_items(scheme: Scheme) -> list[tuple[str, float]]:
    return [(i.code, float(i.default_points)) for i in scheme.items if i.enterable and i.kind != "veto"]


def members(n: int) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for i in range(1, n + 1):
        yield (i, (i - 1) // PER_BRANCH + 1, f"{i:06d}", f"党员{i}", "", False, False, False, now)


def entries(n: int, n_members: int, items: list[tuple[str, float]]) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    days = [date(YEAR, m, d) for m in range(1, 13) for d in (1, 8, 15, 22)]
    for i in range(1, n + 1):
        member = rng.randint(1, n_members)
        code, points = rng.choice(items)
        yield (
            i,
            (member - 1) // PER_BRANCH + 1,
            member,
            code,
            points,
            False,
            rng.choice(days),
            now,
            "bench",
            "",
        )


def chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


async def bulk(
    db: Database, table: str, cols: tuple[str, ...], rows: Iterator[tuple[Any, ...]], schema: str | None
) -> None:
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        if db.dialect == "sqlite":  # a larger page cache for the load only (set back below)
            await raw.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KB}")
        for batch in chunks(rows):
            if db.dialect == "postgresql":
                await raw.copy_records_to_table(table, records=batch, columns=list(cols), schema_name=schema)
            else:
                marks = ", ".join("?" for _ in cols)
                names = ", ".join(f'"{c}"' for c in cols)
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                # One transaction per chunk: the connection is in autocommit mode (no driver-side BEGIN).
                await raw.execute("BEGIN")
                await raw.executemany(sql, [_sqlite_row(r) for r in batch])
                await raw.commit()
        if db.dialect == "sqlite":
            await raw.execute(f"PRAGMA cache_size = {SQLITE_DEFAULT_CACHE}")


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row)


async def load(db: Database, n_members: int, n_entries: int, schema: str | None) -> None:
    async with db.uow() as uow:
        committee = await uow.branches.committee("基准测试镇党委", create=True)
        assert committee is not None
        for b in range((n_members - 1) // PER_BRANCH + 1):
            await uow.branches.add(f"党支部{b + 1}", "twelve-point", committee.id)
        await uow.commit()
    await bulk(db, "members", MEMBER_COLS, members(n_members), schema)
    await bulk(
        db,
        "ledger_entries",
        ENTRY_COLS,
        entries(n_entries, n_members, entry_items(load_preset("twelve-point"))),
        schema,
    )
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def publicity(db: Database, scheme: Scheme) -> tuple[float, int]:
    start = time.perf_counter()
    first, last = date(YEAR, MONTH, 1), date(YEAR, MONTH, 31)
    async with db.uow() as uow:
        data = await load_committee_year(uow, 1, YEAR, until=last, scheme=scheme, split=first)
    read = time.perf_counter() - start
    month, year_to_date = standings(scheme, data, [(first, last), (None, last)])
    total = time.perf_counter() - start
    assert len(month) == len(year_to_date) == len(data.members)
    print(
        f"  read path: {read:.2f}s ({len(data.entries):,} aggregated entries); "
        f"engine, month and year to date: {total - read:.2f}s"
    )
    return total, len(year_to_date)


async def bare(db: Database) -> tuple[float, int]:
    start = time.perf_counter()
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT member_id, SUM(points) FROM ledger_entries GROUP BY member_id"))
        ).all()
    return time.perf_counter() - start, len(rows)


async def items_floor(db: Database) -> tuple[float, int]:
    """The least a scorer must read from the raw ledger: the sums per member, item and month of
    the year up to the month published."""
    month = (
        "strftime('%m', effective_date)" if db.dialect == "sqlite" else "date_trunc('month', effective_date)"
    )
    sql = (
        f"SELECT member_id, item, {month} AS m, SUM(points) FROM ledger_entries "
        "WHERE effective_date BETWEEN :first AND :last GROUP BY member_id, item, m"
    )
    start = time.perf_counter()
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(text(sql), {"first": date(YEAR, 1, 1), "last": date(YEAR, MONTH, 31)})
        ).all()
    return time.perf_counter() - start, len(rows)


async def run(
    name: str, url: str, args: argparse.Namespace, schema: str | None = None
) -> tuple[float, float]:
    connect = {"server_settings": {"search_path": schema}} if schema else None
    db = await open_database(url, connect_args=connect)
    try:
        t0 = time.perf_counter()
        await load(db, args.members, args.entries, schema)
        print(
            f"[{name}] loaded {args.members:,} members, {args.entries:,} entries in {time.perf_counter() - t0:.1f}s"
        )
        pub, scored = await publicity(db, load_preset("twelve-point"))
        raw, grouped = await bare(db)
        print(
            f"[{name}] publicity of {YEAR}-{MONTH:02d} (month + year to date, {scored:,} members): {pub:.2f}s"
        )
        print(f"[{name}] bare GROUP BY member ({grouped:,} groups): {raw:.2f}s; ratio {pub / raw:.2f}")
        floor, cells = await items_floor(db)
        print(
            f"[{name}] GROUP BY member, item, month ({cells:,} groups): {floor:.2f}s; publicity over it {pub / floor:.2f}"
        )
        return pub / raw, pub / floor
    finally:
        await db.close()


async def pg_schema(url: str, sql: str) -> bool:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(sql)
        return True
    except (OSError, Exception) as exc:  # unreachable or refused: report n/a
        print(f"[postgresql] not reachable: {type(exc).__name__}")
        return False
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_ratio, sqlite_items = await run(
            "sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args
        )
    pg_ratio = pg_items = "n/a"
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    if await pg_schema(args.pg_url, f'CREATE SCHEMA "{schema}"'):
        try:
            ratio, items = await run("postgresql", args.pg_url, args, schema)
            pg_ratio, pg_items = f"{ratio:.2f}", f"{items:.2f}"
        finally:
            await pg_schema(args.pg_url, f'DROP SCHEMA "{schema}" CASCADE')
    print(
        f"RESULT sqlite_ratio={sqlite_ratio:.2f} pg_ratio={pg_ratio} "
        f"sqlite_vs_items={sqlite_items:.2f} pg_vs_items={pg_items}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="台账基准测试: 月度公示 vs 裸 SQL GROUP BY")
    parser.add_argument("--quick", action="store_true", help="小数据量 (1 万党员, 30 万条台账)")
    parser.add_argument("--members", type=int, help="党员人数 (默认 100000)")
    parser.add_argument("--entries", type=int, help="台账条数 (默认 5000000)")
    parser.add_argument("--pg-url", default=os.environ.get("PARTYBOT_TEST_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    args.members = args.members or (10_000 if args.quick else 100_000)
    args.entries = args.entries or (300_000 if args.quick else 5_000_000)
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
