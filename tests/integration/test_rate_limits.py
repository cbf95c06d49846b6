"""Rate limits kept in the database are shared by every process on it (replicas on PostgreSQL)."""

from __future__ import annotations

from bot.delivery import Bucket, Limiter, SharedLimiter
from bot.storage import open_database
from integration.world import Target

GROUP = Bucket("telegram:group:-100", 3, 60.0)


async def test_two_processes_share_one_groups_limit(target: Target) -> None:
    first = await open_database(target.url, connect_args=target.connect_args)
    second = await open_database(target.url, connect_args=target.connect_args, upgrade=False)
    moment = 1_800_000_000.0  # a fixed clock: 10 s into a 60 s window
    try:
        a, b = SharedLimiter(first.uow, clock=lambda: moment), SharedLimiter(second.uow, clock=lambda: moment)
        assert [await a.acquire([GROUP]), await b.acquire([GROUP]), await a.acquire([GROUP])] == [
            0.0,
            0.0,
            0.0,
        ]
        wait = await b.acquire([GROUP])  # the fourth message in the minute, from the other process
        assert wait == 60.0 - moment % 60.0
        assert (
            await a.acquire([Bucket("telegram:group:-200", 3, 60.0)]) == 0.0
        )  # another group is not held up
        later = SharedLimiter(second.uow, clock=lambda: moment + wait)
        assert await later.acquire([GROUP]) == 0.0  # the next window
    finally:
        await second.close()
        await first.close()


async def test_a_refused_message_takes_no_room() -> None:
    now = [0.0]
    limiter = Limiter(clock=lambda: now[0])
    bot_wide, group = Bucket("bot", 30, 1.0), Bucket("g", 1, 60.0)
    assert await limiter.acquire([bot_wide, group]) == 0.0
    assert await limiter.acquire([bot_wide, group]) == 60.0  # the group is full for a minute
    now[0] = 0.5
    assert all([await limiter.acquire([bot_wide]) == 0.0 for _ in range(29)])  # the refused one took no room
    assert await limiter.acquire([bot_wide]) > 0
