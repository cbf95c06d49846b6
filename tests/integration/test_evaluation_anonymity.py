"""民主测评 is anonymous: after ballots are submitted, nothing stored (every table, every row, every
column) and nothing logged links a voter to a score. Ballots are cast through the router, as a
platform update would (presses and typed scores, a masses representative with a code, a ballot
left unsubmitted), on SQLite and PostgreSQL. Also: no double vote, no result before the deadline,
the masses-representatives minimum, a member never rating themselves, and the clock closing it once."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import re
import sqlite3
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from handlers.chatworld import (
    ALICE,
    BOB,
    RECORDER,
    SECRETARY,
    STRANGER,
    ChatWorld,
    chat_scheme,
    make_chat_world,
)
from sqlalchemy import inspect, select, text

from bot.handlers.router import handle
from bot.handlers.types import Incoming
from bot.scoring.loader import load_scheme
from bot.scoring.model import Scheme
from bot.services.common import Actor
from bot.services.errors import Duplicate, Forbidden, NotFound
from bot.storage import Database
from bot.storage.evaluation import BallotNotRecorded
from bot.storage.outbox import Outgoing
from bot.storage.read import load_year
from bot.storage.schema import Base, JobRun
from bot.storage.timeutil import local_zone

OPERATOR = Actor(None, "cli:test")
_ids = itertools.count(1)
#: What shows a ballot's scores: its buttons' data, a rated item on its card, a draft's scores.
FINGERPRINTS = (
    "evs:",
    "evm:",
    "evc:",
    "evok:",
    "'政治坚定', '",
    "'学习进步', '",
    "'political': ",
    "'study': ",
)


def scheme(masses: int) -> Scheme:
    star = load_scheme("star-hundred")
    assert star.rating is not None
    rating = star.rating.model_copy(update={"items": star.rating.items[:2], "min_mass_raters": masses})
    return star.model_copy(update={"rating": rating})


async def evaluation_world(db: Database, masses: int = 1) -> ChatWorld:
    world = await make_chat_world(db)
    rated = scheme(masses)
    world.deps.chat.ctx.schemes = lambda spec: rated if spec == "star-hundred" else chat_scheme()
    async with db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.scheme = "star-hundred"
        await uow.commit()
    return world


def write(user: str, words: str) -> Incoming:
    n = next(_ids)
    return Incoming("telegram", user, user, True, text=words, message=f"m{n}", update=f"u{n}")


def pressed(user: str, data: str) -> Incoming:
    n = next(_ids)
    return Incoming("telegram", user, user, True, data=data, message=f"m{n}", update=f"u{n}", press=f"q{n}")


def buttons(rows: list[Outgoing]) -> dict[str, str]:
    """label -> data of the buttons on the cards among the rows."""
    found: dict[str, str] = {}
    for row in rows:
        card = row.payload.get("card") or {}
        for label, data in [*card.get("actions", ()), *((card.get("choice") or {}).get("options", ()))]:
            found[label] = data
    return found


def said(rows: list[Outgoing]) -> list[str]:
    return [str(r.payload.get("text") or (r.payload.get("card") or {}).get("title")) for r in rows]


async def vote_by_buttons(world: ChatWorld, user: str, scores: list[int]) -> None:
    rows = await handle(write(user, "测评"), world.deps)
    for score in scores:
        rows = await handle(pressed(user, buttons(rows)[str(score)]), world.deps)
    rows = await handle(pressed(user, buttons(rows)["提交"]), world.deps)
    assert any(s.startswith("✅ 你的测评票已提交") for s in said(rows)), said(rows)


async def vote_typed(world: ChatWorld, user: str, typed: list[str], code: str = "") -> None:
    await handle(write(user, f"测评 {code}".strip()), world.deps)
    for words in typed:
        await handle(write(user, words), world.deps)
    rows = await handle(write(user, "测评 提交"), world.deps)
    assert any(s.startswith("✅ 你的测评票已提交") for s in said(rows)), said(rows)


async def dump(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, all columns."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with db.uow() as uow:
        for table in Base.metadata.sorted_tables:
            rows = (await uow.session.execute(select(table))).mappings().all()
            out[table.name] = [dict(r) for r in rows]
    return out


async def evaluations(db: Database) -> list[Any]:
    """What the scorer reads of the year's democratic evaluation."""
    async with db.uow(read_only=True) as uow:
        return list((await load_year(uow, 1, 2026)).evaluations)


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def voters_of(world: ChatWorld, code_id: int) -> set[str]:
    """Everything that names a voter: member ids as voters, accounts, chats."""
    marks = {f"mass:{code_id}", f"telegram:{STRANGER}", STRANGER}
    for account in (ALICE, BOB, RECORDER):
        marks |= {f"member:{world.ids[account]}", f"telegram:{account}", account}
    return marks


def names_a_voter(row: dict[str, Any], marks: set[str]) -> bool:
    def values(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [v for x in value.values() for v in values(x)]
        if isinstance(value, list | tuple):
            return [v for x in value for v in values(x)]
        return [str(value)]

    return any(v in marks for value in row.values() for v in values(value))


def shows_a_score(row: dict[str, Any]) -> bool:
    seen = repr(row)
    return any(f in seen for f in FINGERPRINTS)


async def test_nothing_stored_or_logged_links_a_voter_to_a_score(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    before = [(r["id"], r["member_id"], r["item"]) for r in (await dump(db))["evaluation_results"]]
    [codes] = said(await handle(write(SECRETARY, "测评 邀请 1"), world.deps))
    code = next(w for w in codes.splitlines() if re.fullmatch(r"[A-Z2-9]{8}", w))

    await vote_by_buttons(world, ALICE, [9, 8, 7, 6, 5, 4])  # 王书记, 赵积分员, 李四
    await vote_typed(world, BOB, ["3 2", "10 1", "6 6"])  # 王书记, 赵积分员, 张三
    await vote_typed(world, STRANGER, ["1 1", "2 2", "3 3", "4 4"], code=code)  # everyone
    await handle(write(RECORDER, "测评"), world.deps)
    await handle(write(RECORDER, "5 5"), world.deps)  # left unsubmitted: deleted at the close
    stored = await dump(db)
    assert stored["ballot_drafts"] and {r["voter"] for r in stored["ballot_drafts"]} == {
        f"member:{world.ids[RECORDER]}"
    }
    await service.close(OPERATOR, world.branch_id)

    stored = await dump(db)
    assert set(stored) | {"alembic_version"} >= await table_names(db)  # every table is looked at
    async with db.uow() as uow:
        code_id = int((await uow.session.execute(text("SELECT id FROM evaluation_codes"))).scalar_one())
    marks = await voters_of(world, code_id)
    linked = [
        (table, row) for table, rows in stored.items() for row in rows
        if names_a_voter(row, marks) and shows_a_score(row)
    ]  # fmt: skip
    assert linked == []
    assert stored["ballot_drafts"] == []
    # the results: sums and counts, the rows made at the opening, in their order, no voter column
    assert [(r["id"], r["member_id"], r["item"]) for r in stored["evaluation_results"]] == before
    assert set(stored["evaluation_results"][0]) == {
        "id",
        "evaluation_id",
        "member_id",
        "item",
        "total",
        "count",
    }
    totals = {
        (r["member_id"], r["item"]): (float(r["total"]), r["count"]) for r in stored["evaluation_results"]
    }
    ids = world.ids
    assert totals[(ids[SECRETARY], "political")] == (9 + 3 + 1, 3)
    assert totals[(ids[ALICE], "political")] == (6 + 3, 2)  # 张三 never rated himself
    assert totals[(ids[BOB], "study")] == (4 + 4, 2)
    # a receipt: who voted, and the day only
    receipts = stored["ballot_receipts"]
    assert {r["voter"] for r in receipts} == {f"member:{ids[ALICE]}", f"member:{ids[BOB]}", f"mass:{code_id}"}
    assert {(r["created_at"].hour, r["created_at"].minute, r["created_at"].second) for r in receipts} == {
        (0, 0, 0)
    }
    assert set(receipts[0]) == {"id", "evaluation_id", "voter", "created_at"}
    # what was sent to the voters showing their scores is scrubbed; nothing of it went elsewhere
    to_voters = [r for r in stored["outbox"] if r["chat"] in (ALICE, BOB, STRANGER, RECORDER)]
    assert to_voters and not any(shows_a_score(r) for r in to_voters)
    assert not any(r["key"].startswith(("ballot", "ev")) for r in stored["card_states"])
    assert not any("evaluation" in r["action"] and r["actor"] in marks for r in stored["audit_log"])
    # and the log
    logged = [r.getMessage() for r in caplog.records]
    assert not [m for m in logged if any(f.strip("' ") in m for f in FINGERPRINTS) or "3 2" in m]
    if (
        db.engine.dialect.name == "sqlite"
    ):  # deleted and rewritten bytes are overwritten, not left in free pages
        name = db.engine.url.database
        assert name is not None
        with contextlib.closing(sqlite3.connect(name)) as plain:
            assert plain.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
        raw = Path(name).read_bytes()
        assert b"evs:" not in raw and b'"political": ' not in raw


async def test_no_double_vote_no_early_result_and_nobody_rates_themselves(db: Database) -> None:
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    ballot = await service.ballot("telegram", ALICE)
    assert [r.name for r in ballot.ratees] == ["王书记", "赵积分员", "李四"]
    await vote_typed(world, ALICE, ["9 9", "9 9", "9 9"])
    rows = await handle(write(ALICE, "测评"), world.deps)
    assert said(rows) == ["你已经提交过这次民主测评的票了, 每人只能投一次, 提交后不能再改"]
    with pytest.raises(Duplicate):
        await service.submit("telegram", ALICE, None, date(2026, 3, 11))
    assert await evaluations(db) == []  # nothing of an open evaluation reaches the scorer
    with pytest.raises(Forbidden):
        await service.status(Actor(world.ids[BOB], "member"), world.branch_id)
    with pytest.raises(Duplicate):
        await service.open(OPERATOR, world.branch_id, date(2026, 3, 25), date(2026, 3, 10))


async def test_too_few_masses_representatives_make_it_incomplete(db: Database) -> None:
    world = await evaluation_world(db, masses=10)
    service = world.deps.evaluation
    assert service is not None
    opened = await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    assert opened.masses_needed == 10
    await service.invite(OPERATOR, world.branch_id, 3)
    status = await service.status(OPERATOR, world.branch_id)
    assert (status.codes_issued, status.masses_missing) == (3, 10)
    await vote_typed(world, ALICE, ["9 9", "9 9", "9 9"])
    done = await service.close(OPERATOR, world.branch_id)
    assert done.incomplete and done.masses_missing == 10 and done.members_voted == 1
    assert await evaluations(db) == []  # 数据不全: not used by the scorer
    with pytest.raises(NotFound):  # closed once
        await service.close(OPERATOR, world.branch_id)


async def test_the_clock_reminds_the_evening_before_and_closes_once(db: Database) -> None:
    world = await evaluation_world(db, masses=0)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    clock = world.app.clock
    await vote_typed(world, ALICE, ["9 9", "9 9", "9 9"])

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 3, day, hour, tzinfo=local_zone())

    world.clock.moment = at(19, 17)
    assert [r for r in await clock.tick() if "民主测评" in json.dumps(r.payload, ensure_ascii=False)] == []
    world.clock.moment = at(19, 18)
    reminded = await clock.tick()
    told = {r.chat for r in reminded if "明天 (2026-03-20) 截止" in str(r.payload.get("text"))}
    assert told == {SECRETARY, RECORDER, BOB}  # not 张三, who has voted
    assert await clock.tick() == []
    world.clock.moment = at(21, 0) + timedelta(minutes=1)
    closed = await clock.tick()
    secretary = [r for r in closed if r.chat == SECRETARY]
    assert secretary and "已结束" in json.dumps(secretary[0].payload, ensure_ascii=False)
    assert await clock.tick() == []
    async with db.uow() as uow:
        runs = (
            (await uow.session.execute(select(JobRun.job, JobRun.period).order_by(JobRun.id))).tuples().all()
        )
    assert [r for r in runs if r[0].startswith("evaluation")] == [
        ("evaluation.remind", "2026-03-19"), ("evaluation.close", "2026-03-20")
    ]  # fmt: skip
    assert len(await evaluations(db)) == 2 * 4  # every member, every item


async def test_a_failed_ballot_is_reported_without_its_scores(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the failure is made with a SQLite trigger")
    caplog.set_level(logging.DEBUG)
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    for words in ("测评", "7 3", "7 3", "7 3"):
        await handle(write(ALICE, words), world.deps)
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(
            "CREATE TRIGGER refuse_sums BEFORE UPDATE ON evaluation_results BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(BallotNotRecorded) as failed:
        await handle(write(ALICE, "测评 提交"), world.deps)
    shown = "".join(traceback.format_exception(failed.value)) + "\n".join(
        r.getMessage() for r in caplog.records
    )
    assert "parameters" not in shown and "member:" not in shown and "7.0" not in shown
    assert (await dump(db))["ballot_receipts"] == []  # nothing of it was kept: it may be submitted again


async def _xmins(db: Database, evaluation_id: int) -> dict[str, set[str]]:
    """The hidden transaction id of every result and receipt row of the evaluation (PostgreSQL)."""
    out: dict[str, set[str]] = {}
    async with db.engine.connect() as conn:
        for table in ("evaluation_results", "ballot_receipts"):
            rows = await conn.exec_driver_sql(
                f"SELECT xmin::text FROM {table} WHERE evaluation_id = {int(evaluation_id)}"
            )
            out[table] = {x for (x,) in rows}
    return out


async def test_at_close_every_row_carries_the_close_transaction_and_old_versions_are_vacuumed(
    db: Database,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("xmin and VACUUM are PostgreSQL's; on SQLite the close checkpoints the log")
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    opened = await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    await vote_typed(world, ALICE, ["9 8", "7 6", "5 4"])  # 王书记, 赵积分员, 李四
    await vote_typed(world, BOB, ["3 2", "10 1", "6 6"])  # 王书记, 赵积分员, 张三
    open_ = await _xmins(db, opened.evaluation_id)
    # while it is open, a ballot's receipt and the sums it changed share its transaction
    assert len(open_["ballot_receipts"]) == 2 and open_["ballot_receipts"] <= open_["evaluation_results"]

    said(await handle(write(SECRETARY, "测评 结束"), world.deps))  # the close, in the update's transaction
    closed = await _xmins(db, opened.evaluation_id)
    assert len(closed["evaluation_results"] | closed["ballot_receipts"]) == 1  # all the close's
    assert closed["evaluation_results"].isdisjoint(open_["evaluation_results"])
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        stats = (
            await conn.exec_driver_sql(
                "SELECT relname, last_vacuum IS NOT NULL, n_dead_tup FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema()"
                " AND relname IN ('evaluation_results', 'ballot_receipts', 'ballot_drafts')"
            )
        ).all()
    assert sorted((name, vacuumed) for name, vacuumed, _dead in stats) == [
        ("ballot_drafts", True), ("ballot_receipts", True), ("evaluation_results", True),
    ]  # fmt: skip
    assert all(dead == 0 for _name, _vacuumed, dead in stats), stats


async def test_at_close_on_sqlite_the_write_ahead_log_of_the_ballots_is_emptied(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    await vote_typed(world, ALICE, ["9 8", "7 6", "5 4"])
    database = db.engine.url.database
    assert database is not None
    wal = Path(f"{database}-wal")
    assert wal.stat().st_size > 0  # the ballots' page images, in the order they were written
    said(await handle(write(SECRETARY, "测评 结束"), world.deps))
    assert wal.stat().st_size == 0  # folded into the file (secure_delete on) and the log emptied


async def test_a_card_of_an_earlier_evaluation_never_reaches_a_later_ballot(db: Database) -> None:
    """A draft's id may come again once deleted (SQLite reuses the highest rowid): a button of the
    first evaluation's card, pressed after a second one opened, is refused as out of date, even when
    it names the draft id the second ballot now has."""
    world = await evaluation_world(db)
    service = world.deps.evaluation
    assert service is not None
    await service.open(OPERATOR, world.branch_id, date(2026, 3, 20), date(2026, 3, 10))
    old = buttons(await handle(write(ALICE, "测评"), world.deps))["9"]
    await service.close(OPERATOR, world.branch_id)
    await service.open(OPERATOR, world.branch_id, date(2026, 6, 20), date(2026, 6, 10))
    fresh = buttons(await handle(write(ALICE, "测评"), world.deps))["9"]
    _old_draft, old_evaluation, *rest = old.removeprefix("evs:").split(":")
    new_draft, new_evaluation, *_ = fresh.removeprefix("evs:").split(":")
    assert old_evaluation != new_evaluation
    stale = "evs:" + ":".join([new_draft, old_evaluation, *rest])  # the old card, the new draft's id
    rows = await handle(pressed(ALICE, stale), world.deps)
    assert said(rows)[0] == "这张测评卡已经过期了, 请发「测评」打开最新的一张"
    ballot = await service.ballot("telegram", ALICE)
    assert ballot.scores == {} or all(not s for s in ballot.scores.values())  # nothing was rated
    rows = await handle(pressed(ALICE, fresh), world.deps)
    assert (await service.ballot("telegram", ALICE)).rated(ballot.current.member_id)  # the new card works
