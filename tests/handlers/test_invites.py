"""/bind and /join with one-time codes: each works once, only for the right person, and not after expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.handlers.router import handle
from bot.handlers.types import ALERT, EDIT, Reply, to_chat
from bot.services import invites
from bot.services.common import Actor
from bot.storage.schema import MemberRow
from handlers.chatworld import ALICE, BOB, SECRETARY, STRANGER, ChatWorld
from handlers.test_claims import pressed, said

NEW_GROUP = "-3003"


async def new_member(world: ChatWorld, name: str = "孙五") -> int:
    async with world.db.uow() as uow:
        member = await uow.members.add(MemberRow(branch_id=world.branch_id, name=name))
        await uow.commit()
        return member.id


async def code_for(world: ChatWorld, member_id: int | None = None) -> str:
    return await world.deps.invites.issue(Actor(None, "cli"), world.branch_id, member_id)


async def test_join_links_the_account_once(world: ChatWorld) -> None:
    code = await code_for(world, await new_member(world))
    [joined] = await handle(said(STRANGER, f"/join {code.lower()}", chat=STRANGER), world.deps)
    assert joined.text == "已关联: 你是 第一党支部 的 孙五。发送 帮助 查看可以做什么。"
    [me] = await handle(said(STRANGER, "我的积分", chat=STRANGER), world.deps)
    assert me.text.startswith("孙五 2026 年积分")
    [again] = await handle(said("998", f"/join {code}", chat="998"), world.deps)
    assert again.text == "邀请码已经用过, 每个邀请码只能用一次"


async def test_bad_expired_and_wrong_kind_codes_are_refused(
    world: ChatWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    [bad] = await handle(said(STRANGER, "/join ABCD2345", chat=STRANGER), world.deps)
    assert bad.text.startswith("邀请码不对")
    branch_code = await code_for(world)
    [wrong_kind] = await handle(said(STRANGER, f"加入 {branch_code}", chat=STRANGER), world.deps)
    assert wrong_kind.text.startswith("邀请码不对")
    monkeypatch.setattr(invites, "VALID_FOR", timedelta(days=-1))
    expired = await code_for(world, await new_member(world))
    [old] = await handle(said(STRANGER, f"/join {expired}", chat=STRANGER), world.deps)
    assert old.text == "邀请码已过期, 请向管理员要新的邀请码"
    [usage] = await handle(said(STRANGER, "/join", chat=STRANGER), world.deps)
    assert usage.text == "用法: /join 邀请码"


async def test_a_linked_account_or_member_cannot_be_linked_again(world: ChatWorld) -> None:
    [mine] = await handle(
        said(ALICE, f"/join {await code_for(world, await new_member(world))}", chat=ALICE), world.deps
    )
    assert mine.text == "你的账号已关联到党员 张三, 不能再关联"
    [theirs] = await handle(
        said(STRANGER, f"/join {await code_for(world, world.ids[BOB])}", chat=STRANGER), world.deps
    )
    assert theirs.text.startswith("党员 李四 已关联了另一个账号")


async def test_bind_by_the_secretary_then_claims_work_in_the_new_group(world: ChatWorld) -> None:
    code = await code_for(world)
    [unbound] = await handle(said(ALICE, "申报 志愿服务", chat=NEW_GROUP), world.deps)
    assert "尚未绑定" in unbound.text
    [refused] = await handle(said(BOB, f"/bind {code}", chat=NEW_GROUP), world.deps)
    assert refused.text == "只有支部书记/党委可以这样做。"
    [bound] = await handle(said(SECRETARY, f"绑定 {code}", chat=NEW_GROUP), world.deps)
    assert bound.text.startswith("本群已绑定到 第一党支部")
    [card] = await handle(said(ALICE, "申报 志愿服务", chat=NEW_GROUP), world.deps)
    assert card.text.startswith("📝 积分申报")
    [twice] = await handle(said(SECRETARY, f"/bind {await code_for(world)}", chat=NEW_GROUP), world.deps)
    assert twice.text == "本群已绑定到 第一党支部, 不能再绑定"


async def test_bind_needs_a_group_a_code_and_a_linked_account(world: ChatWorld) -> None:
    code = await code_for(world)
    [private] = await handle(said(SECRETARY, f"/bind {code}", chat=SECRETARY), world.deps)
    assert private.text == "请在要绑定的群里发送 /bind 绑定码"
    [usage] = await handle(said(SECRETARY, "/bind", chat=NEW_GROUP), world.deps)
    assert usage.text.startswith("用法: /bind")
    [stranger] = await handle(said(STRANGER, f"/bind {code}", chat=NEW_GROUP), world.deps)
    assert "尚未关联" in stranger.text
    [member_code] = await handle(
        said(SECRETARY, f"/bind {await code_for(world, world.ids[BOB])}", chat=NEW_GROUP), world.deps
    )
    assert member_code.text.startswith("邀请码不对")


def test_cli_issues_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "cli.db"}"\n', encoding="utf-8")
    run = ["--config", str(config)]
    assert main([*run, "branch", "add", "第一党支部", "--scheme", "twelve-point"]) == 0
    assert main([*run, "member", "add", "--branch", "1", "张三"]) == 0
    assert main([*run, "branch", "invite", "1"]) == 0
    assert main([*run, "member", "invite", "--branch", "1", "张三"]) == 0
    assert main([*run, "member", "invite", "--branch", "1", "无名"]) == 1
    out = capsys.readouterr()
    codes = list(dict.fromkeys(re.findall(r"\b[A-Z2-9]{8}\b", out.out)))
    assert len(codes) == 2 and "/bind " + codes[0] in out.out and "/join " + codes[1] in out.out
    assert "没有党员 “无名”" in out.err


async def test_start_with_a_code_joins(world: ChatWorld) -> None:
    code = await code_for(world, await new_member(world))
    [joined] = await handle(said(STRANGER, f"/start {code}", chat=STRANGER), world.deps)
    assert joined.text.startswith("已关联: 你是 第一党支部 的 孙五")


async def test_join_by_name_asks_the_secretary_who_confirms(world: ChatWorld) -> None:
    await new_member(world)
    [card] = await handle(said(STRANGER, "/join 孙五"), world.deps)
    assert card.text == f"{STRANGER} 申请关联为党员 孙五, 请支部书记确认"
    confirm_data, decline_data = (b.data for row in card.buttons for b in row)
    [refused] = await handle(pressed(BOB, confirm_data), world.deps)
    assert refused.to == ALERT and refused.text == "只有支部书记/党委可以这样做。"
    [declined] = await handle(pressed(BOB, decline_data), world.deps)
    assert declined.to == ALERT
    edit, _notice, told = await handle(pressed(SECRETARY, confirm_data), world.deps)
    assert edit.to == EDIT and edit.text == "已确认: 孙五 的账号已关联 (确认人: 王书记)"
    assert told.to == to_chat(STRANGER) and told.text.startswith("已关联: 你是 第一党支部 的 孙五")
    [again] = await handle(pressed(SECRETARY, confirm_data), world.deps)
    assert again.to == ALERT and "已关联到党员 孙五" in again.text


async def test_join_requests_need_the_group_and_a_roster_name(world: ChatWorld) -> None:
    [private] = await handle(said(STRANGER, "/join 孙五", chat=STRANGER), world.deps)
    assert private.text.startswith("没有邀请码时, 请在党支部群里发送")
    [unknown] = await handle(said(STRANGER, "/join 无名氏"), world.deps)
    assert unknown.text == "党支部 第一党支部 中没有党员 “无名氏”"
    [linked] = await handle(said(ALICE, "/join 张三"), world.deps)
    assert linked.text == "你的账号已关联到党员 张三, 不能再关联"


async def test_a_secretary_declines_a_request(world: ChatWorld) -> None:
    await new_member(world)
    [card] = await handle(said(STRANGER, "/join 孙五"), world.deps)
    decline_data = card.buttons[0][1].data
    [declined] = await handle(pressed(SECRETARY, decline_data), world.deps)
    assert declined == Reply("已拒绝关联申请 (处理人: 王书记)", to=EDIT)
