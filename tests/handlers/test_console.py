"""``partybot console``: the terminal session (``run``), its command line and the demo branch.
The chat flows themselves run on the console in ``tests/contract``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.console import Console, run
from bot.services.errors import NotFound
from bot.storage import Database
from handlers.chatworld import make_chat_world


async def test_run_reads_lines_until_quit(db: Database) -> None:
    world = await make_chat_world(db, platforms=("console",))
    console = Console(world.app, world.branch_id)
    await console.become("李四")
    lines = iter(["/as 没有这个人", "我的积分", "/dm", "我的积分", "/quit", "never read"])
    printed: list[str] = []

    async def ask(_prompt: str) -> str:
        return next(lines)

    await run(console, ask, printed.append, every=3600)
    assert printed[1] == "党支部 1 中没有党员 “没有这个人”"
    assert printed[2] == "[消息 #2] 机器人私信 李四:" and printed[3].startswith("  李四 2026 年积分")
    assert "[消息 #3] 机器人:" in printed and "现在在与机器人的私聊中" in printed
    assert next(lines) == "never read"


async def test_an_unknown_member_cannot_start_a_session(db: Database) -> None:
    world = await make_chat_world(db, platforms=("console",))
    with pytest.raises(NotFound):
        await Console(world.app, world.branch_id).become("nobody")


def test_the_console_command_runs_on_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "c.db"}"\n[media]\ndir = "{tmp_path / "m"}"\n',
        encoding="utf-8",
    )
    run_ = ["--config", str(config)]
    assert main([*run_, "branch", "add", "第一党支部", "--scheme", "twelve-point"]) == 0
    assert main([*run_, "member", "add", "--branch", "1", "张三"]) == 0
    typed = iter(["申报 志愿服务", "我的积分"])

    def fake_input(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    assert main([*run_, "console", "--branch", "1", "--as", "张三"]) == 0
    out = capsys.readouterr().out
    assert "现在以 张三 的身份发言" in out and "📝 积分申报 #1" in out and "年积分 (截至" in out
    assert main([*run_, "console", "--branch", "9", "--as", "张三"]) == 1


def test_demo_creates_a_branch_to_try_every_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "d.db"}"\n[media]\ndir = "{tmp_path / "m"}"\n',
        encoding="utf-8",
    )
    typed = iter(["申报 志愿服务", "/as 王书记", "1", "/quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(typed))
    assert main(["--config", str(config), "console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "已新建示范党支部 1" in out and "现在以 张三 的身份发言" in out
    assert "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in out


def test_console_needs_a_branch_and_a_member_or_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--branch", "1"]) == 2
    assert "--demo" in capsys.readouterr().err
