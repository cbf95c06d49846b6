"""An update is marked processed before it is handled; an unexpected failure takes the mark back,
so a redelivery of that update is handled instead of skipped."""

from __future__ import annotations

import pytest

from bot.handlers.router import handle
from bot.services.claims import SubmitClaim, Submitted
from handlers.chatworld import ALICE, ChatWorld
from handlers.test_claims import said


async def test_a_failed_update_is_handled_when_redelivered(
    world: ChatWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = world.deps.claims.submit
    calls: list[SubmitClaim] = []

    async def fails_once(cmd: SubmitClaim) -> Submitted:
        calls.append(cmd)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return await submit(cmd)

    monkeypatch.setattr(world.deps.claims, "submit", fails_once)
    incoming = said(ALICE, "申报 志愿服务 3月5日")
    with pytest.raises(RuntimeError):
        await handle(incoming, world.deps)
    [card] = await handle(incoming, world.deps)  # the redelivery
    assert card.text.startswith("📝 积分申报 #")
    assert await handle(incoming, world.deps) == []  # handled now: skipped from here on
    assert len(calls) == 2


async def test_a_refused_update_stays_processed(world: ChatWorld) -> None:
    incoming = said(ALICE, "申报 志愿服务 2025年3月5日")
    [refused] = await handle(incoming, world.deps)
    assert refused.text.startswith("日期 2025-03-05 不在当前积分周期"), refused.text
    assert await handle(incoming, world.deps) == []


async def test_forgetting_an_update_lets_it_through_once_more(world: ChatWorld) -> None:
    chat = world.deps.chat
    assert await chat.first_time("telegram", "77")
    assert not await chat.first_time("telegram", "77")
    await chat.forget_update("telegram", "77")
    await chat.forget_update("wecom", "77")  # nothing to forget: no harm
    assert await chat.first_time("telegram", "77")
    assert not await chat.first_time("telegram", "77")
