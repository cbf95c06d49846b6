"""The outbox on both databases: replies written with the update, delivered once, taken over by
another process when their writer died before sending, and every copy of a card kept in step,
across processes (replicas) and platforms."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from handlers.chatworld import db_folder
from sqlalchemy import select

from bot.app import App, build
from bot.channels.render import text_of
from bot.delivery import Bucket, Refused
from bot.handlers import router
from bot.handlers.router import commit, handle
from bot.handlers.types import Incoming, body_of
from bot.media import MediaStore
from bot.services.claims import ClaimService
from bot.services.common import Context
from bot.storage import Database, open_database
from bot.storage.outbox import OutboxQueries, Outgoing
from bot.storage.schema import OutboxRow
from bot.storage.timeutil import utcnow
from integration.world import Target, World, schemes

GROUP = "room-1"
_updates = itertools.count(1)


class Recorder:
    """A platform that records what it is asked to deliver (and can refuse one chat)."""

    platform = "fake"

    def __init__(self, refuse: str | None = None) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (kind, chat, text)
        self.refuse = refuse
        self._ids = itertools.count(100)

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        if row.chat == self.refuse:
            raise Refused("403 Forbidden: bot was blocked by the user")
        text = text_of(body_of(row.payload)) if row.kind != "answer" else str(row.payload.get("text"))
        if row.kind == "refresh":
            for chat, message in row.payload["copies"]:
                self.sent.append(("edit", f"{chat}/{message}", text))
            return []
        self.sent.append((row.kind, row.chat, text))
        return [(row.chat, str(next(self._ids)))] if row.kind == "send" else []


def _app(db: Database, instance: str, recorder: Recorder) -> App:
    app = build(
        db, ["fake"], context=Context(db.uow, schemes), media=MediaStore(db_folder(db) / "media"), instance=instance,
        today=lambda: date(2026, 3, 10),
    )  # fmt: skip
    app.add_transport(recorder)
    return app


async def _linked(world: World) -> None:
    async with world.db.uow() as uow:
        await uow.branches.bind_chat(world.branch_id, "fake", GROUP)
        for actor, account in ((world.secretary, "sec"), (world.alice, "alice"), (world.bob, "bob")):
            await uow.members.link(actor.member_id or 0, "fake", account)
        await uow.commit()


def said(user: str, text: str, chat: str = GROUP) -> Incoming:
    n = str(next(_updates))
    return Incoming("fake", user, chat, chat == user, text=text, message=f"m{n}", update=n)


def pressed(user: str, data: str, message: str, chat: str = GROUP) -> Incoming:
    n = str(next(_updates))
    return Incoming("fake", user, chat, chat == user, data=data, message=message, update=n, press=f"q{n}")


async def test_a_claim_approved_on_another_replica_updates_the_card_posted_by_the_first(
    world: World, target: Target
) -> None:
    await _linked(world)
    other = await open_database(target.url, connect_args=target.connect_args, upgrade=False)
    try:
        one, two = Recorder(), Recorder()
        first, second = _app(world.db, "replica-1", one), _app(other, "replica-2", two)
        await handle(said("alice", "申报 志愿服务 3月5日"), first.deps)
        [(kind, chat, card)] = one.sent
        assert (kind, chat) == ("send", GROUP) and "待审核" in card
        await handle(pressed("sec", "a:1", message="100"), second.deps)
        assert [(k, c) for k, c, _ in two.sent] == [
            ("answer", GROUP),
            ("edit", f"{GROUP}/100"),
            ("send", "alice"),
        ]
        assert "已通过" in two.sent[1][2] and "已通过" in two.sent[2][2]
        again = await handle(pressed("sec", "a:1", message="100"), second.deps)  # a second press
        assert [r.kind for r in again] == ["answer", "refresh"] and "已处理" in two.sent[-2][2]
        async with world.db.uow() as uow:
            states = (await uow.session.scalars(select(OutboxRow.state))).all()
        assert set(states) == {"sent"}
    finally:
        await other.close()


async def test_rows_a_crashed_writer_left_are_sent_once_by_another_process(
    world: World, target: Target
) -> None:
    await _linked(world)
    dead, alive = Recorder(), Recorder()
    crashed = _app(world.db, "replica-1", dead)
    rows = await commit(said("alice", "申报 志愿服务 3月5日"), crashed.deps)  # committed, never sent
    assert [r.kind for r in rows] == ["send"] and dead.sent == []
    other = await open_database(target.url, connect_args=target.connect_args, upgrade=False)
    try:
        survivor = _app(other, "replica-2", alive)
        sender = survivor.delivery.senders["fake"]
        assert await sender.poll() == 0  # the writer's lease has not run out: it may still send them
        sender.now = lambda: utcnow() + timedelta(seconds=61)
        assert await sender.poll() == 1 and [k for k, _, _ in alive.sent] == ["send"]
        assert await sender.poll() == 0  # once
        restarted = _app(world.db, "replica-1", dead).delivery.senders["fake"]
        restarted.now = lambda: utcnow() + timedelta(seconds=120)
        assert await restarted.poll() == 0 and dead.sent == []  # not twice, not by its writer either
    finally:
        await other.close()


async def test_a_refused_chat_is_recorded_and_holds_nobody_up(world: World) -> None:
    await _linked(world)
    await world_set(world, approvals="private")
    recorder = Recorder(refuse="sec")  # the secretary blocked the bot
    app = _app(world.db, "replica-1", recorder)
    await handle(said("alice", "申报 志愿服务 3月5日"), app.deps)
    assert [(k, c) for k, c, _ in recorder.sent] == [("send", GROUP)]  # the member's acknowledgement went
    async with world.db.uow() as uow:
        rows = (
            await uow.session.execute(select(OutboxRow.chat, OutboxRow.state, OutboxRow.last_error))
        ).all()
        assert await OutboxQueries(uow.session).failed("fake") == [
            (r.key, "fake", "sec", "403 Forbidden: bot was blocked by the user")
            for r in (await uow.session.scalars(select(OutboxRow).where(OutboxRow.chat == "sec"))).all()
        ]
    assert ("sec", "failed", "403 Forbidden: bot was blocked by the user") in [tuple(r) for r in rows]
    assert await app.delivery.senders["fake"].poll() == 0  # never retried


async def world_set(world: World, **settings: object) -> None:
    async with world.db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.settings = {**(branch.settings or {}), **settings}
        await uow.commit()


async def test_twin_claims_at_once_on_two_replicas_make_one_claim_and_one_refusal(
    world: World, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both replicas find no earlier claim, then both insert: the unique key stops the second,
    whose update is handled again from the start and refused with a pointer to the first. (On
    SQLite the writers queue, so the second finds the first at once.)"""
    await _linked(world)
    both_checked, tries = asyncio.Barrier(2), []
    check, once = ClaimService._refuse_duplicate, router._once

    async def checked(*args: object) -> None:
        await check(*args)  # type: ignore[arg-type]
        with contextlib.suppress(TimeoutError):  # SQLite's second writer waits for the lock
            await asyncio.wait_for(both_checked.wait(), 0.5)

    async def counted(*args: object) -> object:
        tries.append(1)
        return await once(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ClaimService, "_refuse_duplicate", staticmethod(checked))
    monkeypatch.setattr(router, "_once", counted)
    other = await open_database(target.url, connect_args=target.connect_args, upgrade=False)
    try:
        one, two = Recorder(), Recorder()
        first, second = _app(world.db, "replica-1", one), _app(other, "replica-2", two)
        await asyncio.gather(
            handle(said("alice", "申报 志愿服务 3月5日"), first.deps),
            handle(said("alice", "申报 志愿服务 3月5日"), second.deps),
        )
        texts = [text for _, _, text in one.sent + two.sent]
        assert sum(t.startswith("📝 积分申报") for t in texts) == 1  # one card
        assert sum(t.startswith("重复申报") for t in texts) == 1  # and the twin told why
        async with world.db.uow() as uow:
            assert await uow.claims.get(1) is not None and await uow.claims.get(2) is None
        if target.url.startswith("postgresql"):
            assert len(tries) == 3  # the twin's update was handled a second time
    finally:
        await other.close()
