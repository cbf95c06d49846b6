"""Chat state that nobody needs any more is deleted once a day: processed update ids after 3 days,
claim drafts after a week, where card copies were posted after 90 days. The ledger and the
claims stay whole."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.handlers.router import handle, tick
from bot.handlers.types import ALERT, Reply
from bot.storage.schema import ChatMessage, ClaimDraft, LedgerEntry, ProcessedUpdate
from bot.storage.timeutil import to_local, utcnow
from handlers.chatworld import ALICE, SECRETARY, ChatWorld
from handlers.test_claims import buttons, claim, pressed, said


async def _count(
    world: ChatWorld, model: type[ProcessedUpdate | ClaimDraft | ChatMessage | LedgerEntry]
) -> int:
    async with world.db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _state(world: ChatWorld) -> dict[str, int]:
    return {
        "updates": await _count(world, ProcessedUpdate),
        "drafts": await _count(world, ClaimDraft),
        "cards": await _count(world, ChatMessage),
    }


async def test_old_chat_state_goes_the_ledger_stays(world: ChatWorld) -> None:
    [offer] = await handle(said(ALICE, "申报 打扫卫生 3月4日"), world.deps)  # a draft
    claim_id = await claim(world)
    await handle(pressed(SECRETARY, f"a:{claim_id}"), world.deps)
    await world.deps.chat.remember("telegram", f"claim:{claim_id}", "-1001", "77")  # a card copy
    before = await _state(world)
    assert before == {"updates": 3, "drafts": 1, "cards": 1}

    now = utcnow()
    assert await world.deps.chat.prune(now) == {"updates": 0, "drafts": 0, "cards": 0}
    assert await world.deps.chat.prune(now) is None  # once a day

    assert await world.deps.chat.prune(now + timedelta(days=8)) == {"updates": 3, "drafts": 1, "cards": 0}
    assert await world.deps.chat.prune(now + timedelta(days=91)) == {"updates": 0, "drafts": 0, "cards": 1}
    assert await _state(world) == {"updates": 0, "drafts": 0, "cards": 0}
    assert await _count(world, LedgerEntry) == 1 and await world.status(claim_id) == "approved"

    [expired] = await handle(pressed(ALICE, buttons(offer)[0]), world.deps)
    assert expired == Reply("这个按钮已失效。", to=ALERT)


async def test_another_replica_that_pruned_today_is_not_repeated(world: ChatWorld) -> None:
    await handle(said(ALICE, "申报 打扫卫生 3月4日"), world.deps)
    later = utcnow() + timedelta(days=8)
    async with world.db.uow() as uow:  # as if another replica had run today's prune
        assert await uow.jobs.claim("prune_chat_state", "all", to_local(later).date().isoformat())
        await uow.commit()
    assert await world.deps.chat.prune(later) is None
    assert (await _state(world))["drafts"] == 1


async def test_the_tick_prunes(world: ChatWorld) -> None:
    await handle(said(ALICE, "申报 打扫卫生 3月4日"), world.deps)
    world.clock.moment = utcnow() + timedelta(days=8)
    assert await tick(world.deps, "telegram") == []
    assert await _state(world) == {"updates": 0, "drafts": 0, "cards": 0}
