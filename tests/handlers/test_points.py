"""/me and /rank on the ledger the approvals wrote."""

from __future__ import annotations

from bot.handlers.router import handle
from handlers.chatworld import ALICE, BOB, SECRETARY, STRANGER, ChatWorld
from handlers.test_claims import claim, pressed, said


async def test_me_explains_the_year_so_far_item_by_item_citing_the_rule(world: ChatWorld) -> None:
    first = await claim(world, "申报 志愿服务 3月1日")
    second = await claim(world, "申报 义务劳动 3月2日")
    await handle(pressed(SECRETARY, f"a:{first}"), world.deps)
    await handle(pressed(SECRETARY, f"a:{second}"), world.deps)
    [reply] = await handle(said(ALICE, "我的积分"), world.deps)
    lines = reply.text.splitlines()
    assert lines[0] == "张三 2026 年积分 (截至 2026-03-10): 14 分"
    assert "· 基础分 12" in lines
    assert "· 志愿服务(volunteer) 2 次, 计 2 分 (依据: 二(二)2(2) 每次加1分)" in lines


async def test_me_without_entries_shows_the_base(world: ChatWorld) -> None:
    [reply] = await handle(said(BOB, "/me"), world.deps)
    assert reply.text.startswith("李四 2026 年积分 (截至 2026-03-10): 12 分")


async def test_me_needs_a_linked_account(world: ChatWorld) -> None:
    [reply] = await handle(said(STRANGER, "/me"), world.deps)
    assert "尚未关联" in reply.text


async def test_rank_is_off_by_default_and_on_when_the_branch_says_so(world: ChatWorld) -> None:
    [off] = await handle(said(ALICE, "排行"), world.deps)
    assert off.text == "本支部未开启积分排行。"
    await world.set_branch(rank=True)
    approved = await claim(world, "申报 志愿服务 3月1日")
    await handle(pressed(SECRETARY, f"a:{approved}"), world.deps)
    [on] = await handle(said(BOB, "/rank"), world.deps)
    lines = on.text.splitlines()
    assert lines[0] == "2026 年积分排行 (截至 2026-03-10):"
    assert lines[1] == "1. 张三 13 分"
    assert len(lines) == 5
