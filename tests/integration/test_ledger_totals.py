"""``ledger_totals``, the projection of the ledger kept by a trigger: it always equals a GROUP BY of
the ledger, and the read path gives the same rows (and scores) from it as from the ledger itself."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.scoring.engine import score
from bot.scoring.records import Entry
from bot.services.ledger import RecordEntry
from bot.storage import Database
from bot.storage.read import Buckets, Window, aggregated_entries, entry_aggregate, ledger_entries, load_year
from bot.storage.schema import LedgerEntry, LedgerTotal
from integration.world import World, add_member, tiny_scheme

YEAR = 2026
Key = tuple[Any, ...]


async def fill(world: World, seed: int = 5) -> None:
    """Entries through the service (each in its own transaction), reversals of some of them, and
    rows inserted in bulk (several rows in one statement), over two years."""
    rng = random.Random(seed)
    carol = await add_member(world.db, world.branch_id, "王五")
    people = [world.alice.member_id or 0, world.bob.member_id or 0, carol.member_id or 0]
    days = [date(YEAR, 1, 1) + timedelta(days=d) for d in range(0, 365, 3)]
    recorded = []
    for _ in range(60):
        item = rng.choice(["volunteer", "key_work", "key_work", "dues_late"])
        points = rng.choice([1, 2, 3, 2.5]) if item == "key_work" else None
        cmd = RecordEntry(world.branch_id, rng.choice(people), item, rng.choice(days), "台账", points=points,
                          lead=rng.random() < 0.3)  # fmt: skip
        recorded.append((await world.ledger.record(cmd, world.recorder)).entry_id)
    for entry_id in rng.sample(recorded, 15):
        await world.ledger.reverse(entry_id, world.secretary, "更正")
    bulk = [rng.choice([("volunteer", 1), ("key_work", 1), ("key_work", 3)]) for _ in range(80)]
    rows = [
        {
            "branch_id": world.branch_id,
            "member_id": rng.choice(people),
            "item": item,
            "points": points,
            "lead": rng.random() < 0.5,
            "effective_date": rng.choice(days),
            "actor": "导入",
        }
        for item, points in bulk
    ]
    rows[0]["effective_date"], rows[40]["effective_date"] = date(YEAR - 1, 12, 31), date(YEAR + 1, 1, 1)
    async with world.db.uow() as uow:
        await uow.session.execute(insert(LedgerEntry), rows[:40])  # executemany
        await uow.session.execute(insert(LedgerEntry).values(rows[40:]))  # one multi-row statement
        await uow.commit()


def _expected(ledger: list[Any]) -> dict[Key, tuple[int, date]]:
    """Per branch, year, month, member, item, lead and original points: the count and the first date."""
    out: dict[Key, list[Any]] = defaultdict(lambda: [0, date.max])
    for e in ledger:
        original = e.points if e.reverses_id is None else -e.points
        day = e.effective_date
        row = out[(e.branch_id, day.year, day.month, e.member_id, e.item, e.lead, original)]
        row[0] += 1 if e.reverses_id is None else -1
        row[1] = min(row[1], day)
    return {k: (n, first) for k, (n, first) in out.items()}


def _year_totals(ledger: list[Any]) -> dict[Key, float]:
    out: dict[Key, float] = defaultdict(float)
    for e in ledger:
        original = e.points if e.reverses_id is None else -e.points
        out[(e.branch_id, e.effective_date.year, e.member_id, e.item, e.lead, original)] += e.points
    return {k: round(v, 2) for k, v in out.items()}


async def _projection(db: Database) -> dict[Key, tuple[int, date]]:
    async with db.uow() as uow:
        ledger = (await uow.session.scalars(select(LedgerEntry))).all()
        totals = (await uow.session.scalars(select(LedgerTotal))).all()
    got: dict[Key, tuple[int, float, date]] = {}
    for t in totals:
        for month in range(1, 13):
            first = getattr(t, f"first_{month:02d}")
            if first is not None:
                got[(t.branch_id, t.year, month, t.member_id, t.item, t.lead, t.points)] = (
                    getattr(t, f"entries_{month:02d}"),
                    first,
                )
    assert {
        (t.branch_id, t.year, t.member_id, t.item, t.lead, t.points): round(t.total, 2) for t in totals
    } == _year_totals(list(ledger))
    assert got == _expected(list(ledger))
    return got


async def test_the_projection_is_a_group_by_of_the_ledger(world: World) -> None:
    await fill(world)
    got = await _projection(world.db)
    assert any(n == 0 for n, _ in got.values())  # a reversed pair nets out in its month
    assert {k[1] for k in got} == {YEAR - 1, YEAR, YEAR + 1} and len({k[2] for k in got}) == 12


WINDOWS = [
    (None, None),
    (None, date(YEAR, 6, 30)),
    (date(YEAR, 6, 1), date(YEAR, 6, 30)),
    (date(YEAR, 3, 10), date(YEAR, 9, 20)),
    (None, date(YEAR, 12, 15)),
    (date(YEAR, 2, 1), date(YEAR, 2, 10)),
    (None, date(YEAR, 8, 31)),
    (date(YEAR, 1, 15), date(YEAR, 10, 31)),
]
SPLITS = [None, date(YEAR, 6, 1), date(YEAR, 6, 15), date(YEAR, 8, 1), date(YEAR, 12, 1), date(YEAR, 1, 1)]
MONTHLY: list[frozenset[str] | None] = [
    None,
    frozenset({"volunteer"}),
    frozenset(),
    frozenset({"key_work", "dues_late"}),
]


async def test_the_read_path_gives_the_same_entries_from_the_projection_as_from_the_ledger(
    world: World,
) -> None:
    await fill(world)
    other = await add_member(world.db, world.branch_id, "赵六")
    async with world.db.uow() as uow:  # a member whose entries are under two branches
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        second = await uow.branches.add("第二党支部", "tiny", branch.committee_id)
        await uow.commit()
    moves = [
        (world.branch_id, date(YEAR, 3, 3)),
        (second.id, date(YEAR, 3, 9)),
        (second.id, date(YEAR, 5, 1)),
    ]
    async with world.db.uow() as uow:
        rows = [
            {
                "branch_id": b,
                "member_id": other.member_id,
                "item": "key_work",
                "points": 2,
                "effective_date": day,
                "actor": "调动",
            }
            for b, day in moves
        ]
        await uow.session.execute(insert(LedgerEntry), rows)
        await uow.commit()
    for ids in ([world.branch_id], [world.branch_id, second.id]):
        async with world.db.uow() as uow:
            for since, until in WINDOWS:
                window = Window.of(YEAR, since, until)
                for monthly in MONTHLY:
                    for split in SPLITS if monthly is not None else [None]:
                        buckets = Buckets(monthly, split)
                        expected = sorted(await ledger_entries(uow, ids, window, buckets), key=_key)
                        got = sorted(await aggregated_entries(uow, ids, window, buckets), key=_key)
                        assert got == expected, (ids, since, until, monthly, split)
                        assert expected


def _key(e: Entry) -> tuple[Any, ...]:
    return (e.member, e.item, e.date, e.points, e.lead, e.count)


@pytest.mark.parametrize("until", [date(YEAR, 6, 30), date(YEAR, 12, 31), date(YEAR, 11, 20)])
async def test_a_month_and_its_year_to_date_score_the_same_from_either_source(
    world: World, until: date
) -> None:
    await fill(world, seed=11)
    scheme, month = tiny_scheme(), until.replace(day=1)
    async with world.db.uow() as uow:
        fine = await load_year(uow, world.branch_id, YEAR, until=until)
        coarse = await load_year(uow, world.branch_id, YEAR, until=until, scheme=scheme, split=month)
        conn = await uow.session.connection()
        ledger = entry_aggregate(
            [
                LedgerEntry.branch_id == world.branch_id,
                LedgerEntry.effective_date.between(date(YEAR, 1, 1), until),
            ]
        )
        raw = [
            Entry(str(m), i, d, p, bool(lead), count=n)
            for m, i, lead, p, n, d in (await conn.execute(ledger)).tuples()
        ]

    assert sorted(fine.entries, key=_key) == sorted(raw, key=_key)
    for since in (None, month):
        expected = score(scheme, fine, since=since, until=until, final=False).to_json()
        assert score(scheme, coarse, since=since, until=until, final=False).to_json() == expected
