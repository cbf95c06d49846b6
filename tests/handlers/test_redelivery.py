"""An update is handled once per platform and update id: a redelivery changes nothing and
sends nothing; an unexpected failure takes the processed mark back, so that a redelivery is
handled instead of skipped; a refusal stays processed."""

from __future__ import annotations

import itertools

import pytest

from bot.handlers.router import handle
from bot.handlers.types import Incoming
from bot.services.claims import SubmitClaim, Submitted
from bot.storage.outbox import Outgoing
from handlers.chatworld import ALICE, GROUP, SECRETARY, ChatWorld

_ids = itertools.count(1)


def said(user: str, text: str) -> Incoming:
    n = str(next(_ids))
    return Incoming("telegram", user, GROUP, False, text=text, message=n, update=f"u{n}")


def texts(rows: list[Outgoing]) -> list[str]:
    return [str(r.payload.get("text") or r.payload.get("card", {}).get("title")) for r in rows]


async def test_a_redelivered_update_changes_nothing(world: ChatWorld) -> None:
    claim = said(ALICE, "申报 志愿服务 3月5日")
    [card] = await handle(claim, world.deps)
    assert texts([card])[0].startswith("📝 积分申报 #")
    assert await handle(claim, world.deps) == []
    claim_id = int(texts([card])[0].split("#")[1])
    press = Incoming(
        "telegram", SECRETARY, GROUP, False, data=f"a:{claim_id}", message="500", update="p1", press="q1"
    )
    assert await handle(press, world.deps) != []
    assert await handle(press, world.deps) == []
    assert len(await world.ledger()) == 1


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
    assert texts([card])[0].startswith("📝 积分申报 #")
    assert await handle(incoming, world.deps) == []  # handled now: skipped from here on
    assert len(calls) == 2 and len(await world.deps.chat.pending(world.branch_id)) == 1


async def test_a_refused_update_stays_processed(world: ChatWorld) -> None:
    incoming = said(ALICE, "申报 志愿服务 2025年3月5日")
    [refused] = await handle(incoming, world.deps)
    assert texts([refused])[0].startswith("日期 2025-03-05 不在当前积分周期")
    assert await handle(incoming, world.deps) == []
