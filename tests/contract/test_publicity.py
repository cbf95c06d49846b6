"""公示 and 异议 on every channel: the clock posts a period's results (only a notice in the group,
each member's score privately), a member objects, the secretary corrects the entry from the card
and the member is told; the period becomes final and a record dated in it is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.services.common import Actor
from bot.services.ledger import RecordEntry
from bot.storage.schema import LedgerEntry
from contract.driver import ALICE, GROUP, RECORDER, SECRETARY, Driver


async def test_an_objection_is_corrected_from_the_card_and_the_period_becomes_final(driver: Driver) -> None:
    world = driver.world
    alice, secretary = world.ids["200"], world.ids["100"]
    async with world.db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        await uow.commit()
    entry = await world.deps.ledger.record(
        RecordEntry(world.branch_id, alice, "volunteer", date(2025, 6, 1), "清理河道"),
        Actor(secretary, f"member:{secretary}"),
    )
    await driver.tick()  # the 2025 results, due on 1 January, posted late
    [post] = driver.chat(GROUP)
    assert post.lines[0] == "2025年度积分公示" and "因系统停机延后发布" in post.text
    assert "公示期至 2026-03-14 24:00 止。" in post.text and "13" not in post.text
    assert post.labels == ["有异议"]
    mine = driver.chat(ALICE)[-1]
    assert mine.text.startswith("2025年度积分公示: 你的年度得分 13")

    await driver.press(ALICE, "有异议", on=post)
    assert "请私聊机器人发送: 异议 原因" in driver.chat(ALICE)[-1].text
    shown = await driver.say(ALICE, "异议 6月清理河道那天我在外地, 不是我", private=True)
    ack = next(m for m in shown if m.where == ALICE)
    card = next(m for m in shown if m.where == SECRETARY)
    assert "已提交给支部书记" in ack.text
    assert "6月清理河道那天我在外地" in card.text and f"#{entry.entry_id} 2025-06-01 志愿服务 1" in card.text
    assert card.labels == ["维持", "更正"]
    await driver.press(SECRETARY, "更正", on=card)
    picker = driver.chat(SECRETARY)[-1]
    await driver.press(SECRETARY, f"#{entry.entry_id} 2025-06-01 志愿服务 1", on=picker)
    told = driver.chat(ALICE)[-1]
    assert (
        told.text.startswith("你对2025年度结果的异议") and "已更正" in told.text and "异议属实" in told.text
    )
    async with world.db.uow() as uow:
        reversal = (
            await uow.session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id == entry.entry_id))
        ).one()
    assert reversal.points == -1 and reversal.actor_id == secretary

    world.clock.advance(6 * 24 * 60)
    await driver.tick()
    assert driver.chat(GROUP)[-1].text.startswith("2025年度积分公示期满, 异议均已处理")
    [refused] = await driver.say(RECORDER, "记分 志愿服务 张三 2025年7月1日 补记", private=True)
    assert refused.text.startswith("2025-07-01 属于已确定的 2025 期间")
