"""民主测评 in a private chat, anonymous: the secretary opens it, members and masses representatives
(with one-time codes) rate every other member item by item, by buttons or typed scores, resume and
change their ballot until they submit it once; nobody sees a result before it closes.

The branch is on ``star-hundred`` cut to two rating items and one masses representative, so that a
ballot is a few presses. Every flow here runs for every driver (see ``conftest.py``), on SQLite and
PostgreSQL."""

from __future__ import annotations

import re

import pytest
from handlers.chatworld import chat_scheme
from sqlalchemy import select

from bot.scoring.loader import load_scheme
from bot.scoring.model import Scheme
from bot.storage.schema import BallotDraft, BallotReceipt, EvaluationResult, MemberRow
from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, Driver, Shown, Toast
from contract.test_backfill import private

CODE = re.compile(r"^[A-Z2-9]{8}$")


def two_items() -> Scheme:
    star = load_scheme("star-hundred")
    assert star.rating is not None
    rating = star.rating.model_copy(update={"items": star.rating.items[:2], "min_mass_raters": 1})
    return star.model_copy(update={"rating": rating})


@pytest.fixture
async def evaluated(driver: Driver) -> Driver:
    """The chat world's branch on a two-item ``star-hundred``."""
    scheme = two_items()
    driver.world.deps.chat.ctx.schemes = lambda spec: scheme if spec == "star-hundred" else chat_scheme()
    async with driver.world.db.uow() as uow:
        branch = await uow.branches.get(driver.world.branch_id)
        assert branch is not None
        branch.scheme = "star-hundred"
        await uow.commit()
    return driver


async def opened(d: Driver) -> Shown:
    [reply] = await private(d, SECRETARY, "测评 开始 3月20日")
    return reply


async def ballot(d: Driver, who: str, text: str = "测评") -> Shown:
    """The ballot card (where a platform's card holds fewer buttons, its first part)."""
    replies = await private(d, who, text)
    return next((r for r in replies if r.lines and r.lines[0].startswith("🗳")), replies[0])


async def results(d: Driver) -> list[tuple[str, str, float, int]]:
    async with d.world.db.uow() as uow:
        query = (
            select(MemberRow.name, EvaluationResult.item, EvaluationResult.total, EvaluationResult.count)
            .join(MemberRow, MemberRow.id == EvaluationResult.member_id)
            .order_by(MemberRow.id, EvaluationResult.item)
        )
        return [(n, i, float(t), c) for n, i, t, c in (await uow.session.execute(query)).tuples()]


def latest(d: Driver, who: str) -> Shown:
    """The ballot card as it stands: the last one in the chat (its first part)."""
    cards = [m for m in d.chat(who) if m.lines and m.lines[0].startswith(("🗳", "✅"))]
    return cards[-1]


async def test_the_secretary_opens_it_and_a_member_rates_everyone_else_by_buttons(evaluated: Driver) -> None:
    d = evaluated
    reply = await opened(d)
    assert reply.lines[0].startswith(
        "🗳 2026 年民主测评已发起, 2026-03-20 截止 (当天 24 点结束)。测评 4 名党员"
    )
    card = await ballot(d, ALICE)
    assert card.lines[:3] == [
        "🗳 2026 年民主测评 (无记名) · 第 1/3 位: 王书记",
        "政治坚定: 未评",
        "学习进步: 未评",
    ]
    assert "张三" not in card.text  # a member never rates themselves
    assert "“政治坚定” 打几分? (0–10)" in card.lines
    assert await d.press(ALICE, "8", on=card) == Toast("")
    card = latest(d, ALICE)
    assert card.lines[1:3] == ["政治坚定: 8", "学习进步: 未评"] and "“学习进步” 打几分? (0–10)" in card.lines
    await d.press(ALICE, "9", on=card)
    card = latest(d, ALICE)  # the next member, once this one is rated on every item
    assert card.lines[0] == "🗳 2026 年民主测评 (无记名) · 第 2/3 位: 赵积分员"
    assert "已评完 1/3 人 · 2026-03-20 截止 · 提交后不能再改" in card.lines
    await d.press(ALICE, "上一位", on=card)
    card = latest(d, ALICE)
    assert card.lines[:3] == ["🗳 2026 年民主测评 (无记名) · 第 1/3 位: 王书记", "政治坚定: 8", "学习进步: 9"]
    await d.press(ALICE, "重评此人", on=card)
    card = latest(d, ALICE)
    assert card.lines[1:3] == ["政治坚定: 未评", "学习进步: 未评"]
    assert await results(d) == [(n, i, 0.0, 0) for n in ("王书记", "赵积分员", "张三", "李四")
                                for i in ("political", "study")]  # fmt: skip


async def test_typed_scores_resume_and_a_ballot_is_submitted_once(evaluated: Driver) -> None:
    d = evaluated
    await opened(d)
    card = await ballot(d, BOB, "9 8")
    assert card.lines[0] == "🗳 2026 年民主测评 (无记名) · 第 2/3 位: 赵积分员"
    again = await ballot(d, BOB)  # resumed where it was left, days later or not
    assert again.lines[0] == card.lines[0]
    [wrong] = await private(d, BOB, "7 8 9")
    assert wrong.text == "要一次写 2 个分数 (依次是 政治坚定、学习进步), 你写了 3 个"
    [big] = await private(d, BOB, "11 8")
    assert big.text == "“政治坚定” 的分数应在 0 到 10 之间, 11 不行, 请重新打分"
    [early] = await private(d, BOB, "测评 提交")
    assert early.text == "还有 2 名党员没有评完: 赵积分员、张三。请评完再提交 (发「测评」继续)"
    await ballot(d, BOB, "测评 7 6")  # the same with 测评 in front
    card = await ballot(d, BOB, "10，10")
    assert "已评完 3/3 人 · 2026-03-20 截止 · 提交后不能再改" in card.lines
    toast = await d.press(BOB, "提交", on=card)
    assert toast.text in ("已提交", "")
    done = latest(d, BOB)
    assert done.text.startswith("✅ 你的测评票已提交 (评了 3 名党员)")
    [twice] = await private(d, BOB, "测评")
    assert twice.text == "你已经提交过这次民主测评的票了, 每人只能投一次, 提交后不能再改"
    assert await results(d) == [
        ("王书记", "political", 9.0, 1), ("王书记", "study", 8.0, 1),
        ("赵积分员", "political", 7.0, 1), ("赵积分员", "study", 6.0, 1),
        ("张三", "political", 10.0, 1), ("张三", "study", 10.0, 1),
        ("李四", "political", 0.0, 0), ("李四", "study", 0.0, 0),
    ]  # fmt: skip
    async with d.world.db.uow() as uow:
        assert (await uow.session.scalars(select(BallotDraft))).all() == []
        [receipt] = (await uow.session.scalars(select(BallotReceipt))).all()
        assert receipt.voter == f"member:{d.world.ids['201']}"
        assert (receipt.created_at.hour, receipt.created_at.minute, receipt.created_at.second) == (0, 0, 0)


async def test_the_secretary_sees_counts_and_who_has_not_voted_never_a_score(evaluated: Driver) -> None:
    d = evaluated
    await opened(d)
    await ballot(d, BOB, "9 8")
    await ballot(d, BOB, "7 6")
    await ballot(d, BOB, "10 10")
    await private(d, BOB, "测评 提交")
    [status] = await private(d, SECRETARY, "测评 情况")
    assert status.lines == [
        "🗳 第一党支部 2026 年民主测评 · 进行中 (2026-03-20 截止)", "党员投票: 1/4 人",
        "群众代表: 0 人投票 (至少 1 人; 测评码发出 0 个, 已用 0 个)", "未投票的党员: 王书记、赵积分员、张三",
        "⚠️ 群众代表还差 1 名; 截止时不足的话, 本次测评结果数据不全。请发「测评 邀请 1」再生成测评码。",
    ]  # fmt: skip
    [refused] = await private(d, ALICE, "测评 情况")
    assert refused.text.startswith("只有")  # a member may not see who has voted
    [group] = await d.say(SECRETARY, "测评 情况")
    assert (
        group.where == GROUP and group.text == "民主测评是无记名的, 请私聊机器人发送「测评」, 不要在群里打分"
    )


async def test_a_masses_representative_votes_with_a_code_used_once(evaluated: Driver) -> None:
    d = evaluated
    await opened(d)
    [codes] = await private(d, SECRETARY, "测评 邀请 1")
    code = next(line for line in codes.lines if CODE.match(line))
    card = await ballot(d, STRANGER, f"测评 {code.lower()}")
    assert (
        card.lines[0] == "🗳 2026 年民主测评 (无记名) · 第 1/4 位: 王书记"
    )  # every member, none is themselves
    for scores in ("9 9", "8 8", "7 7", "6 6"):
        card = await ballot(d, STRANGER, scores)
    await d.press(STRANGER, "提交", on=card)
    assert latest(d, STRANGER).text.startswith("✅ 你的测评票已提交 (评了 4 名党员)")
    [used] = await private(d, STRANGER, f"测评 {code}")
    assert used.text == "你已经提交过这次民主测评的票了, 每人只能投一次, 提交后不能再改"
    [member] = await private(d, RECORDER, f"测评 {code}")
    assert member.text == "这个测评码已经用过了, 每个码只能用一次; 请向支部书记要一个新的"
    [bad] = await private(d, RECORDER, "测评 ABCDEFGH")
    assert bad.text.startswith("测评码不对")
    [status] = await private(d, SECRETARY, "测评 情况")
    assert "群众代表: 1 人投票 (至少 1 人; 测评码发出 1 个, 已用 1 个)" in status.lines


async def test_closing_feeds_the_scheme_and_tells_the_secretary_privately(evaluated: Driver) -> None:
    d = evaluated
    await opened(d)
    [codes] = await private(d, SECRETARY, "测评 邀请 1")
    code = next(line for line in codes.lines if CODE.match(line))
    await ballot(d, STRANGER, f"测评 {code}")
    for scores in ("9 9", "8 8", "7 7", "6 6"):
        await ballot(d, STRANGER, scores)
    await private(d, STRANGER, "测评 提交")
    await ballot(d, ALICE, "5 5")  # started, never submitted: counts for nothing and is deleted
    replies = await private(d, SECRETARY, "测评 结束")
    [closed] = [r for r in replies if r.lines[0].startswith("🗳 第一党支部")]
    assert closed.lines == [
        "🗳 第一党支部 2026 年民主测评 · 已结束 (2026-03-20 截止)", "党员投票: 0/4 人",
        "群众代表: 1 人投票 (至少 1 人; 测评码发出 1 个, 已用 1 个)", "未投票的党员: 王书记、赵积分员、张三、李四",
        "测评结果已按方案计入积分 (民主测评部分)。",
    ]  # fmt: skip
    [late] = await private(d, ALICE, "测评")
    assert late.text.startswith("第一党支部 现在没有进行中的民主测评")
    async with d.world.db.uow() as uow:
        assert (await uow.session.scalars(select(BallotDraft))).all() == []
    assert ("王书记", "political", 9.0, 1) in await results(d)


async def test_the_calendar_shows_the_evaluation_while_it_is_held(evaluated: Driver) -> None:
    d = evaluated
    line = "2026 年民主测评: 进行中, 2026-03-20 截止 (当天 24 点); 私聊机器人发「测评」投票"
    [before] = await private(d, ALICE, "日程")
    assert "民主测评" not in before.text
    await opened(d)
    [held] = await private(d, ALICE, "日程")
    assert line in held.text and "第一党支部 日程" in held.text
    await private(d, SECRETARY, "测评 结束")
    [after] = await private(d, ALICE, "日程")
    assert "民主测评" not in after.text
