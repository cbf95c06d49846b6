"""The Bot API failing: a 5xx, a 429 with ``retry_after`` and a broken connection are retried
and delivered; a 403 (the bot was blocked) fails its row for good with the reason, is never
tried again, and does not hold up the other chats. Time is moved on through the sender's clock,
never slept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from channels.updates import message, press
from handlers.chatworld import ALICE, GROUP, SECRETARY
from sqlalchemy import select
from telegram.error import NetworkError, TimedOut

from bot.storage import Database
from bot.storage.schema import ChatMessage, OutboxRow
from bot.storage.timeutil import utcnow
from faults.faulty import BLOCKED, FaultyRequest
from faults.telegram_world import Tg, telegram


@dataclass
class Later:
    """The sender's clock: the real time, moved on by the test."""

    ahead: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def move(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


@pytest.fixture
async def tg(db: Database) -> AsyncIterator[Tg]:
    tg = await telegram(db, FaultyRequest())
    tg.sender.now = Later()
    try:
        yield tg
    finally:
        await tg.app.shutdown()


def api(tg: Tg) -> FaultyRequest:
    assert isinstance(tg.api, FaultyRequest)
    return tg.api


def clock(tg: Tg) -> Later:
    assert isinstance(tg.sender.now, Later)
    return tg.sender.now


async def rows(tg: Tg) -> list[OutboxRow]:
    async with tg.world.db.uow() as uow:
        return list((await uow.session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def claim(tg: Tg) -> None:
    await tg.app.process_update(message(tg.app.bot, ALICE, "申报 志愿服务 3月5日"))


async def test_a_5xx_is_retried_after_the_backoff_and_delivered(tg: Tg) -> None:
    api(tg).answers["sendMessage"] = [(500, "Internal Server Error", {})]
    await claim(tg)
    assert api(tg).delivered() == []
    [row] = await rows(tg)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "network: Internal Server Error")
    assert await tg.sender.poll() == 0  # not due yet
    clock(tg).move(2.5)  # the first backoff is 2 s
    assert await tg.sender.poll() == 1
    [card] = api(tg).delivered("sendMessage")
    assert card.params["chat_id"] == int(GROUP) and card.buttons[0].startswith("a:")
    [row] = await rows(tg)
    assert (row.state, row.attempts) == ("sent", 2)
    async with tg.world.db.uow() as uow:  # where the card was posted is remembered
        posted = (await uow.session.scalars(select(ChatMessage.message_id))).all()
    assert posted == [str(card.result["message_id"])]
    assert await tg.sender.poll() == 0


async def test_a_429_waits_as_long_as_telegram_says_then_delivers(
    tg: Tg, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns (deprecation) whenever RetryAfter is made, unless retry_after is a timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api(tg).answers["sendMessage"] = [(429, "Too Many Requests: retry after 1", {"retry_after": 1})]
    before = utcnow()
    await claim(tg)
    [row] = await rows(tg)
    assert row.state == "pending" and row.last_error == "429 Too Many Requests"
    # The wait Telegram asked for (1 s), not the sender's own backoff (2 s).
    assert timedelta(seconds=1) <= row.next_at - before < timedelta(seconds=2)
    clock(tg).move(1.2)
    assert await tg.sender.poll() == 1
    assert len(api(tg).delivered("sendMessage")) == 1
    assert [r.state for r in await rows(tg)] == ["sent"]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        NetworkError("httpx.ConnectError: All connection attempts failed"),
        TimedOut("Timed out"),
    ],
    ids=["httpx-connect", "network-error", "timed-out"],
)
async def test_a_broken_connection_is_retried_and_delivered(tg: Tg, error: BaseException) -> None:
    api(tg).raises["sendMessage"] = [error]
    await claim(tg)
    [row] = await rows(tg)
    assert row.state == "pending" and (row.last_error or "").startswith("network: ")
    assert api(tg).delivered() == []
    clock(tg).move(2.5)
    assert await tg.sender.poll() == 1
    assert len(api(tg).delivered("sendMessage")) == 1
    assert [r.state for r in await rows(tg)] == ["sent"]


async def test_a_press_answered_after_a_5xx_on_the_edit(tg: Tg) -> None:
    """One row of a batch failing does not stop the rows after it; only it is tried again."""
    await claim(tg)
    claim_id = int(api(tg).delivered("sendMessage")[0].buttons[0].split(":")[1])
    api(tg).clear()
    api(tg).answers["editMessageText"] = [(502, "Bad Gateway", {})]
    await tg.app.process_update(press(tg.app.bot, SECRETARY, f"a:{claim_id}", message_id=1000))
    assert [c.method for c in api(tg).delivered()] == ["answerCallbackQuery", "sendMessage"]
    clock(tg).move(2.5)
    assert await tg.sender.poll() == 1
    assert [c.method for c in api(tg).delivered()] == [
        "answerCallbackQuery",
        "sendMessage",
        "editMessageText",
    ]
    assert {r.state for r in await rows(tg)} == {"sent"}


async def test_a_blocked_chat_fails_for_good_and_the_others_are_delivered(tg: Tg) -> None:
    await claim(tg)
    claim_id = int(api(tg).delivered("sendMessage")[0].buttons[0].split(":")[1])
    api(tg).clear()
    api(tg).blocked.add(int(ALICE))  # Alice blocked the bot: her private notice cannot be sent
    await tg.app.process_update(press(tg.app.bot, SECRETARY, f"a:{claim_id}", message_id=1000))
    # The press is answered and the group's card updated all the same.
    assert [(c.method, c.params.get("chat_id")) for c in api(tg).delivered()] == [
        ("answerCallbackQuery", None),
        ("editMessageText", int(GROUP)),
    ]
    [failed] = [r for r in await rows(tg) if r.state == "failed"]
    assert (failed.chat, failed.attempts, failed.last_error) == (ALICE, 1, f"403 {BLOCKED}")
    assert {r.state for r in await rows(tg) if r.id != failed.id} == {"sent"}
    # Never tried again, however long the sender waits.
    tried = len(api(tg).calls)
    clock(tg).move(3600)
    assert await tg.sender.poll() == 0
    assert len(api(tg).calls) == tried
    async with tg.world.db.uow() as uow:
        from bot.storage.outbox import OutboxQueries

        assert [(c, e) for _, _, c, e in await OutboxQueries(uow.session).failed("telegram")] == [
            (ALICE, f"403 {BLOCKED}")
        ]
    # A later message to another chat is still delivered.
    await tg.app.process_update(message(tg.app.bot, SECRETARY, "申报 志愿服务 3月6日"))
    assert api(tg).delivered("sendMessage")[-1].params["chat_id"] == int(GROUP)
