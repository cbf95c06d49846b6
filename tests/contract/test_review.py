"""述职评议 by anonymous ballot on every channel: committee staff open it for a branch, two members
rate the secretary's report privately (a button, then a typed grade), a second ballot is refused,
the secretary does not rate their own report, staff see counts and never a ballot, the clock closes
it once and the committee's card shows the 述职评议 score from the ballot."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import BranchScore
from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, Driver
from contract.test_backfill import private
from contract.test_committee import _committee_with_staff


async def test_members_rate_the_report_once_and_the_clock_scores_the_branch(driver: Driver) -> None:
    await _committee_with_staff(driver)  # 李四 (BOB) is the committee's staff and a member
    [opened] = await private(driver, BOB, "述职评议 开始 第一党支部 3月10日")
    assert "已发起 第一党支部 书记 王书记 的 2025 年度述职评议, 截止 2026-03-10" in opened.text
    assert "本支部 3 名党员参加, 至少 2 人评议才计分" in opened.text
    assert any("请各位党员私聊机器人发送「述职评议」" in m.text for m in driver.chat(GROUP))

    [ballot] = await private(driver, ALICE, "述职评议")
    assert ballot.lines[0] == "🗳 2025 年度述职评议 · 第一党支部 书记 王书记"
    assert ballot.labels == ["好", "较好", "一般", "差", "提交"]
    await driver.press(ALICE, "好", on=ballot)
    await driver.press(ALICE, "较好", on=ballot)  # changed before submitting
    assert "你的评价: 较好 (80 分)" in driver.chat(ALICE)[-1].text
    toast = await driver.press(ALICE, "提交", on=driver.chat(ALICE)[-1])
    assert "已提交对 第一党支部 书记述职的评议" in driver.chat(ALICE)[-1].text or toast.text == "已提交"
    [again] = await private(driver, ALICE, "述职评议")
    assert "你已经提交过对 第一党支部 书记述职的评议, 每人只能评一次" in again.text

    [typed] = await private(driver, RECORDER, "述职评议 好")
    assert "你的评价: 好 (100 分)" in typed.text
    [done] = await private(driver, RECORDER, "述职评议 提交")
    assert "已提交对 第一党支部 书记述职的评议" in done.text
    [unknown] = await private(driver, BOB, "述职评议 不错")
    assert "看不懂「不错」: 评价请写 好、较好、一般 或 差" in unknown.text
    [own] = await private(driver, SECRETARY, "述职评议")
    assert "这是你本人的述职, 你不参加对自己的评议" in own.text
    [in_group] = await driver.say(ALICE, "述职评议")
    assert in_group.text == "述职评议是无记名的, 请私聊机器人发送「述职评议」, 不要在群里评"

    [status] = await private(driver, BOB, "述职评议 情况 第一党支部")
    assert "本支部党员: 2/3 人已评" in status.text and "评议人数: 2 人 (至少 2 人)" in status.text
    assert "80" not in status.text and "100" not in status.text  # counts, never a ballot

    driver.world.clock.advance(24 * 60)  # past the deadline: the clock closes it
    await driver.tick()
    closed = [m for m in driver.chat(BOB) if "述职评议 · 已结束" in m.text]
    assert len(closed) == 1 and "述职评议分 90 (百分制, 2 人评议的平均分)" in closed[0].text
    assert any("书记述职评议投票已结束, 共 2 人参加" in m.text for m in driver.chat(GROUP))
    assert not any("90" in m.text for m in driver.chat(GROUP))  # the score stays with the committee
    await driver.tick()
    assert len([m for m in driver.chat(BOB) if "述职评议 · 已结束" in m.text]) == 1

    [card] = await private(driver, BOB, "评星 第一党支部")
    assert "述职评议: 90 (第 1 次述职评议投票, 2 人评议的平均分)" in card.text
    async with driver.world.db.uow() as uow:
        [row] = (await uow.session.scalars(select(BranchScore))).all()
    assert (row.actor, row.source, float(row.points)) == ("system:clock", "evaluation:1", 90.0)

    [typed_score] = await private(driver, BOB, "述职评议 第一党支部 85")  # a later typed one supersedes it
    assert "述职评议: 85" in typed_score.text and "述职评议投票" not in typed_score.text
