"""The bot's clock: a sign-in closes once across processes, its sheet is posted once, a run that
fails is recorded and tried again, and the chat state is pruned once a day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from handlers.chatworld import db_folder
from sqlalchemy import func, select

from bot.app import App, build
from bot.channels.console import ConsoleTransport
from bot.media import MediaStore
from bot.services.common import Context
from bot.services.meetings import MeetingService
from bot.services.outbox import console_group
from bot.storage import Database, open_database
from bot.storage.schema import AttendanceRow, JobRun, OutboxRow
from integration.world import Target, World, schemes

OPENED = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)


def _app(db: Database, clock: list[datetime]) -> tuple[App, ConsoleTransport]:
    app = build(
        db, ["console"], context=Context(db.uow, schemes), media=MediaStore(db_folder(db) / "media"), instance="one",
        today=lambda: date(2026, 3, 5),
        now=lambda: clock[0],
    )  # fmt: skip
    transport = ConsoleTransport()
    app.add_transport(transport)
    return app, transport


async def test_two_processes_close_a_sign_in_once_and_post_its_sheet_once(
    world: World, target: Target
) -> None:
    clock = [OPENED]
    sheet = await world_meetings(world).open(
        world.branch_id, world.secretary, "theme_day", 30, OPENED, "console", "-1"
    )
    other = await open_database(target.url, connect_args=target.connect_args, upgrade=False)
    try:
        (first, out1), (second, out2) = _app(world.db, clock), _app(other, clock)
        assert await first.clock.tick() == [] and await second.clock.tick() == []  # not due yet
        clock[0] = OPENED + timedelta(minutes=30)
        rows1, rows2 = await asyncio.gather(first.clock.tick(), second.clock.tick())
        posted = [r for r in rows1 + rows2 if r.kind == "send"]
        assert [r.chat for r in posted] == [console_group(world.branch_id)]  # the group hears it once
        printed = out1.take() + out2.take()
        assert sum("签到结束" in line for line in printed) == 1
        async with world.db.uow() as uow:
            absent = await uow.session.scalar(
                select(func.count())
                .select_from(AttendanceRow)
                .where(AttendanceRow.meeting_id == sheet.meeting_id)
            )
            runs = (
                await uow.session.scalars(select(JobRun.state).where(JobRun.job == "meeting.close"))
            ).all()
        assert absent == 4 and runs == ["done"]  # everyone expected, recorded absent once
        clock[0] += timedelta(minutes=1)
        assert [r for r in await first.clock.tick() if r.kind == "send"] == []  # never twice
    finally:
        await other.close()


async def test_a_run_that_fails_is_recorded_and_tried_again(world: World) -> None:
    clock = [OPENED]
    meetings = world_meetings(world)
    await meetings.open(world.branch_id, world.secretary, "theme_day", 30, OPENED, "console", "-1")
    app, transport = _app(world.db, clock)
    clock[0] = OPENED + timedelta(minutes=31)
    real = app.deps.meetings.close

    async def broken(meeting_id: int, now: datetime) -> None:
        raise RuntimeError("disk full")

    app.deps.meetings.close = broken  # type: ignore[method-assign]
    assert await app.clock.tick() == []
    async with world.db.uow() as uow:
        closing = JobRun.job == "meeting.close"
        run = (
            await uow.session.execute(select(JobRun.state, JobRun.attempts, JobRun.last_error).where(closing))
        ).one()
        pending = await uow.session.scalar(select(func.count()).select_from(OutboxRow))
    assert run == ("failed", 1, "RuntimeError: disk full") and pending == 0  # nothing half done
    app.deps.meetings.close = real  # type: ignore[method-assign]
    rows = await app.clock.tick()
    assert any("签到结束" in line for line in transport.take()) and rows
    async with world.db.uow() as uow:
        assert (await uow.session.execute(select(JobRun.state, JobRun.attempts).where(closing))).one() == (
            "done",
            2,
        )


def world_meetings(world: World) -> MeetingService:
    return MeetingService(Context(world.db.uow, schemes))
