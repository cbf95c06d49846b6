"""Chat state nobody needs any more is deleted once a day by the bot's clock: processed update
ids after 3 days, offers (an item or a reason to pick) after a week, delivered outbox rows after
30 days, where card copies were posted after 90 days. The ledger and the claims stay whole."""

from __future__ import annotations

from datetime import timedelta

from contract.driver import ALICE, SECRETARY, Toast
from contract.flows import claim, claim_number
from contract.telegram_driver import TelegramDriver
from sqlalchemy import func, select

from bot.storage.schema import ChatMessage, LedgerEntry, Offer, OutboxRow, ProcessedUpdate
from bot.storage.timeutil import to_local, utcnow
from handlers.chatworld import ChatWorld

Model = type[ProcessedUpdate] | type[Offer] | type[ChatMessage] | type[OutboxRow] | type[LedgerEntry]


async def _count(world: ChatWorld, model: Model) -> int:
    async with world.db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _state(world: ChatWorld) -> dict[str, int]:
    return {
        "updates": await _count(world, ProcessedUpdate), "offers": await _count(world, Offer),
        "cards": await _count(world, ChatMessage), "outbox": await _count(world, OutboxRow),
    }  # fmt: skip


async def test_old_chat_state_goes_the_ledger_stays(world: ChatWorld) -> None:
    driver = await TelegramDriver.start(world)
    [picker] = await driver.say(ALICE, "申报 打扫卫生 3月4日")  # an offer of every item
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    assert await _state(world) == {"updates": 3, "offers": 1, "cards": 1, "outbox": 5}

    now = utcnow()
    counts = await world.deps.chat.prune(now + timedelta(days=8))
    assert {k: counts[k] for k in ("updates", "offers", "cards", "outbox")} == {
        "updates": 3, "offers": 1, "cards": 0, "outbox": 0,
    }  # fmt: skip
    counts = await world.deps.chat.prune(now + timedelta(days=91))
    assert {k: counts[k] for k in ("cards", "outbox")} == {"cards": 1, "outbox": 5}
    assert await _state(world) == {"updates": 0, "offers": 0, "cards": 0, "outbox": 0}
    assert await _count(world, LedgerEntry) == 1 and await world.status(claim_number(card)) == "approved"

    assert await driver.press(ALICE, picker.buttons[0][0], on=picker) == Toast("这个按钮已失效。", alert=True)
    await driver.close()


async def test_the_clock_prunes_once_a_day(world: ChatWorld) -> None:
    driver = await TelegramDriver.start(world)
    await driver.say(ALICE, "申报 打扫卫生 3月4日")
    world.clock.moment = utcnow() + timedelta(days=8)
    assert await driver.tick() == []
    assert (await _state(world))["offers"] == 0 and (await _state(world))["updates"] == 0
    await driver.close()


async def test_a_day_another_replica_pruned_is_not_pruned_again(world: ChatWorld) -> None:
    driver = await TelegramDriver.start(world)
    await driver.say(ALICE, "申报 打扫卫生 3月4日")
    later = utcnow() + timedelta(days=8)
    async with world.db.uow() as uow:  # as if another replica had run that day's prune
        assert await uow.jobs.claim("prune_chat_state", "all", to_local(later).date().isoformat())
        await uow.commit()
    world.clock.moment = later
    await driver.tick()
    assert (await _state(world))["offers"] == 1
    await driver.close()
