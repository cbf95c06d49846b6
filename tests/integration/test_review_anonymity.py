"""述职评议 by ballot keeps the democratic evaluation's anonymity: after ballots (pressed, typed, one
left unsubmitted) and the clock's close, no row of any table names a rater beside a choice, nothing
logged does, and the bytes of the deleted draft are gone. The average becomes the branch's 述职评议
score, recorded by the system with the ballot as its source, and the branch's total uses it; the
members' evaluation results read by the scorer leave it out. Too few raters: no score, the committee
told. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from handlers.chatworld import ALICE, BOB, RECORDER, SECRETARY, ChatWorld, make_chat_world

from bot.handlers.router import handle
from bot.scoring.loader import load_scheme
from bot.services.common import Actor, Context
from bot.storage import Database
from bot.storage.read import load_year
from bot.storage.schema import Committee
from integration.test_evaluation_anonymity import (
    buttons,
    dump,
    names_a_voter,
    pressed,
    said,
    table_names,
    write,
)

BRANCH_STAR = load_scheme("branch-star")
#: What shows a rater's choice: the ballot's buttons, the choice on its card, a draft's scores.
FINGERPRINTS = ("evr:", "evrok:", "(100 分)", "(80 分)", "(60 分)", "(40 分)", "'report': ")


async def review_world(db: Database) -> ChatWorld:
    """The chat world's branch under 城关镇党委 (since 2025), 李四 (BOB) its staff."""
    world = await make_chat_world(db)
    async with db.uow() as uow:
        committee = Committee(name="城关镇党委", settings={})
        uow.session.add(committee)
        await uow.session.flush()
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.committee_id, branch.created_at = committee.id, datetime(2025, 1, 1, tzinfo=UTC)
        await uow.members.grant(world.ids[BOB], "committee", committee_id=committee.id)
        await uow.commit()
    schemes, chat = (lambda spec: BRANCH_STAR), world.deps.chat.ctx.schemes
    context = Context(db.uow, lambda spec: schemes(spec) if spec == "branch-star" else chat(spec))
    for service in (world.deps.committee, world.deps.review):
        assert service is not None
        service.ctx = context
    return world


def shows_a_choice(row: dict[str, object]) -> bool:
    return any(f in repr(row) for f in FINGERPRINTS)


async def test_nothing_stored_or_logged_links_a_rater_to_a_choice_and_the_total_uses_the_score(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await review_world(db)
    deps = world.deps
    opened = said(await handle(write(BOB, "述职评议 开始 第一党支部 3月10日"), deps))[0]
    assert opened.startswith("已发起 第一党支部 书记 王书记 的 2025 年度述职评议")

    rows = await handle(write(ALICE, "述职评议"), deps)
    rows = await handle(pressed(ALICE, buttons(rows)["一般"]), deps)
    rows = await handle(pressed(ALICE, buttons(rows)["好"]), deps)  # changed: 100
    card = buttons(rows)
    rows = await handle(pressed(ALICE, card["提交"]), deps)
    assert any("已提交对 第一党支部 书记述职的评议" in s for s in said(rows)), said(rows)
    for again in (card["差"], card["提交"]):  # the card pressed again: nothing changes
        assert any(
            "这张选票已经提交或评议已经结束了" in s for s in said(await handle(pressed(ALICE, again), deps))
        )
    await handle(write(RECORDER, "述职评议 较好"), deps)
    assert any("已提交" in s for s in said(await handle(write(RECORDER, "述职评议 提交"), deps)))
    await handle(write(BOB, "述职评议 第一党支部"), deps)
    await handle(
        write(BOB, "述职评议 差"), deps
    )  # left unsubmitted: counts for nothing, deleted at the close
    stored = await dump(db)
    assert [r["voter"] for r in stored["ballot_drafts"]] == [f"member:{world.ids[BOB]}"]
    assert shows_a_choice(stored["ballot_drafts"][0])  # what the fingerprints find, before the close

    await handle(
        write(BOB, "述职评议 第一党支部 70"), deps
    )  # typed meanwhile: the ballot's score supersedes it
    world.clock.moment += timedelta(days=1)  # past the deadline
    closed = await world.app.clock.tick()
    assert [r for r in closed if "述职评议分 90 (百分制, 2 人评议的平均分)" in repr(r.payload)]
    assert await world.app.clock.tick() == []  # once

    stored = await dump(db)
    assert set(stored) | {"alembic_version"} >= await table_names(db)  # every table is looked at
    marks = {f"telegram:{a}" for a in (ALICE, BOB, RECORDER)} | {ALICE, BOB, RECORDER}
    marks |= {f"member:{world.ids[a]}" for a in (ALICE, BOB, RECORDER)}
    linked = [(table, row) for table, rows in stored.items() for row in rows
              if names_a_voter(row, marks) and shows_a_choice(row)]  # fmt: skip
    assert linked == []
    assert stored["ballot_drafts"] == []
    [result] = stored["evaluation_results"]  # the secretary's report: a sum and a count, no rater
    assert (result["member_id"], result["item"], float(result["total"]), result["count"]) == (
        world.ids[SECRETARY], "report", 180.0, 2,
    )  # fmt: skip
    receipts = stored["ballot_receipts"]
    assert {r["voter"] for r in receipts} == {f"member:{world.ids[ALICE]}", f"member:{world.ids[RECORDER]}"}
    assert {(r["created_at"].hour, r["created_at"].minute) for r in receipts} == {(0, 0)}  # the day only
    logged = [r.getMessage() for r in caplog.records]
    assert not [m for m in logged if any(f.strip("' ") in m for f in FINGERPRINTS)]
    if db.engine.dialect.name == "sqlite":  # the deleted draft's bytes are overwritten
        name = db.engine.url.database
        assert name is not None
        with contextlib.closing(sqlite3.connect(name)) as plain:
            plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert b"evr:" not in Path(name).read_bytes()

    # the score: recorded by the system, the ballot its source; the branch's total uses it
    typed, score = stored["branch_scores"]
    assert (float(typed["points"]), score["supersedes_id"]) == (70.0, typed["id"])
    assert (score["kind"], float(score["points"]), score["actor"], score["recorded_by"]) == (
        "evaluation", 90.0, "system:clock", None,
    )  # fmt: skip
    assert score["source"] == f"evaluation:{result['evaluation_id']}" and "2 人评议" in score["reason"]
    for area, points in (("班子建设", 14), ("工作运行", 14), ("党员管理", 18), ("组织生活", 18), ("基础保障", 9),
                         ("作用发挥", 18)):  # fmt: skip
        await handle(write(BOB, f"评星 第一党支部 {area} {points}"), deps)
    assert deps.committee is not None
    sheet = await deps.committee.sheet(Actor(world.ids[BOB], "test"), None, "第一党支部", 2025)
    assert (sheet.row.evaluation, sheet.row.total) == (90.0, pytest.approx(91 * 0.7 + 90 * 0.3))
    async with db.uow(read_only=True) as uow:  # not a member's democratic evaluation
        assert list((await load_year(uow, world.branch_id, 2025)).evaluations) == []


async def test_too_few_raters_give_no_score_and_the_committee_is_told(db: Database) -> None:
    world = await review_world(db)
    await handle(write(BOB, "述职评议 开始 第一党支部 3月10日"), world.deps)
    await handle(write(ALICE, "述职评议 好"), world.deps)
    await handle(write(ALICE, "述职评议 提交"), world.deps)  # 1 of the 2 needed
    [refused] = said(await handle(write(ALICE, "述职评议 提交"), world.deps))
    assert "每人只能评一次" in refused
    world.clock.moment += timedelta(days=1)
    told = [r for r in await world.app.clock.tick() if r.chat == BOB]
    assert any("评议人数不足 (至少 2 人, 实际 1 人): 不计分" in repr(r.payload) for r in told)
    assert (await dump(db))["branch_scores"] == []  # never scored as 0
    [status] = said(await handle(write(BOB, "述职评议 情况 第一党支部"), world.deps))
    assert status.startswith("🗳 第一党支部 书记 王书记 2025 年度述职评议 · 已结束")


async def test_the_evening_before_the_deadline_those_who_have_not_rated_are_reminded_once(
    db: Database,
) -> None:
    world = await review_world(db)
    await handle(write(BOB, "述职评议 开始 第一党支部 3月11日"), world.deps)
    await handle(write(ALICE, "述职评议 较好"), world.deps)
    await handle(write(ALICE, "述职评议 提交"), world.deps)
    assert [
        r for r in await world.app.clock.tick() if r.key.startswith("job:review.")
    ] == []  # 10:00 on the eve
    world.clock.moment = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    reminded = [
        r for r in await world.app.clock.tick() if "述职评议明天 (2026-03-11) 截止" in repr(r.payload)
    ]
    assert sorted(r.chat for r in reminded) == sorted([RECORDER, BOB])  # not 张三 (rated), not the secretary
    assert [r for r in await world.app.clock.tick() if r.key.startswith("job:review.")] == []  # once
