"""``partybot console``: the terminal chat drives the same handlers (claim, press, switch person)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.console import Console, run
from bot.services.errors import NotFound
from handlers.chatworld import ALICE, ChatWorld


async def test_claim_switch_person_and_approve_by_number(world: ChatWorld) -> None:
    console = Console(world.db, world.deps, world.branch_id)
    assert await console.become("张三") == "现在以 张三 的身份发言"
    card = await console.feed("申报 志愿服务 3月5日")
    assert card[0] == "[消息 #2] 机器人:" and card[-1] == "  [1] 通过   [2] 驳回   [3] 调整分值"
    await console.become("王书记")
    approved = await console.feed("1")
    assert approved[0] == "[消息 #2 已更新]:"
    assert "  状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in approved
    assert "[提示] 已通过申报 1" in approved
    assert any(line.endswith("机器人私信 张三:") for line in approved)
    assert await world.ledger() == [(world.ids[ALICE], "volunteer", 1.0)]
    again = await console.feed("1")
    assert again[-1].startswith("[弹窗] 已处理")


async def test_self_approval_is_refused_in_the_console_too(world: ChatWorld) -> None:
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("王书记")
    await console.feed("申报 志愿服务")
    assert await console.feed("1") == ["[弹窗] 不能审批自己的申报"]


async def test_private_chat_photo_and_unknown_button(world: ChatWorld) -> None:
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("张三")
    assert await console.feed("/dm") == ["现在在与机器人的私聊中"]
    sent = await console.feed("/photo img.jpg 申报 志愿服务 3月5日")
    assert "  已收到申报 1, 已发给审核人。" in sent and "  凭证: 1 张图片" in sent
    assert sum(line.endswith("机器人私信 王书记:") for line in sent) == 1
    assert "[转发消息 #1 (照片) 给 王书记]" in sent  # the approver sees the photo before the card
    assert await console.feed("99") == ["没有编号为 99 的按钮"]


async def test_withdraw_in_the_console(world: ChatWorld) -> None:
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("张三")
    await console.feed("申报 志愿服务 3月5日")
    offer = await console.feed("撤回")
    assert offer[1] == "  请点选要撤回的申报 (只能撤回还没审核的):" and offer[2] == "  [4] 撤回 #1 志愿服务 2026-03-05"
    done = await console.feed("4")
    assert "  状态: 已撤回" in done and "  已撤回申报 #1。" in done
    assert await world.status(1) == "withdrawn"


async def test_run_reads_lines_until_quit(world: ChatWorld) -> None:
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("李四")
    lines = iter(["/as 没有这个人", "我的积分", "/quit", "never read"])
    printed: list[str] = []

    async def ask(_prompt: str) -> str:
        return next(lines)

    await run(console, ask, printed.append)
    assert printed[1] == "党支部 1 中没有党员 “没有这个人”"
    assert printed[3].startswith("  李四 2026 年积分")
    assert next(lines) == "never read"


async def test_an_unknown_member_cannot_start_a_session(world: ChatWorld) -> None:
    with pytest.raises(NotFound):
        await Console(world.db, world.deps, world.branch_id).become("nobody")


def test_the_console_command_runs_on_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "c.db"}"\n', encoding="utf-8")
    run = ["--config", str(config)]
    assert main([*run, "branch", "add", "第一党支部", "--scheme", "twelve-point"]) == 0
    assert main([*run, "member", "add", "--branch", "1", "张三"]) == 0
    typed = iter(["申报 志愿服务", "我的积分"])

    def fake_input(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    assert main([*run, "console", "--branch", "1", "--as", "张三"]) == 0
    out = capsys.readouterr().out
    assert "现在以 张三 的身份发言" in out and "📝 积分申报 #1" in out and "年积分 (截至" in out
    assert main([*run, "console", "--branch", "9", "--as", "张三"]) == 1


def test_demo_creates_a_branch_to_try_every_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "d.db"}"\n', encoding="utf-8")
    typed = iter(["申报 志愿服务", "/as 王书记", "1", "/quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(typed))
    assert main(["--config", str(config), "console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "已新建示范党支部 1" in out and "现在以 张三 的身份发言" in out
    assert "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in out


def test_console_needs_a_branch_and_a_member_or_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--branch", "1"]) == 2
    assert "--demo" in capsys.readouterr().err


async def test_a_decision_updates_every_copy_of_the_card(world: ChatWorld) -> None:
    await world.set_branch(approvals="private")
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("张三")
    sent = await console.feed("申报 志愿服务 3月5日")
    copies = [line for line in sent if "机器人私信" in line]
    assert copies == ["[消息 #3] 机器人私信 王书记:", "[消息 #4] 机器人私信 赵积分员:"]
    await console.become("王书记")
    approved = await console.feed("1")
    assert "[消息 #3 已更新]:" in approved and "[消息 #4 已更新]:" in approved
    assert approved.count("  状态: ✅ 已通过 (审核人: 王书记, 计 1 分)") == 3  # two cards and the member's notice


async def test_group_messages_are_shown_in_the_group_whoever_has_member_id_1(world: ChatWorld) -> None:
    """The console's group chat id is the branch id negated, so it never equals an account id:
    a message to the group is not shown as a private message to member 1 (王书记 here)."""
    console = Console(world.db, world.deps, world.branch_id)
    await console.become("王书记")
    [head, *_] = await console.feed("发起签到 主题党日 30")
    assert head.endswith("机器人:")
    await console.become("李四")
    await console.feed("2")  # 请假
    filed = await console.feed("4")  # 因病
    card_head = filed[filed.index("  🙋 请假申请 #1") - 1]
    assert card_head.endswith("] 机器人:")  # the group, not "机器人私信 王书记"
