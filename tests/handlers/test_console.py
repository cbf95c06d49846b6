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


def _config(tmp_path: Path, database: str) -> Path:
    """A config file naming a SQLite database and a media folder in ``tmp_path``."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / database}"\n[media]\ndir = "{tmp_path / "m"}"\n',
        encoding="utf-8",
    )
    return config


def test_the_console_command_runs_on_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "c.db")
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
    config = _config(tmp_path, "d.db")
    typed = iter(["申报 志愿服务", "/as 王书记", "1", "/quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(typed))
    assert main(["--config", str(config), "console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "已新建示范党支部 1" in out and "现在以 张三 的身份发言" in out
    assert "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in out


def test_console_needs_a_branch_and_a_member_or_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--branch", "1"]) == 2
    assert "--demo" in capsys.readouterr().err


def test_demo_is_reused_and_says_how_to_return_and_to_start_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "d.db")
    typed = iter(["申报 志愿服务 3月1日", "/quit", "撤回", "/quit", "/quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(typed))
    demo = ["--config", str(config), "console", "--demo"]
    assert main(demo) == 0
    first = capsys.readouterr().out
    assert "已新建示范党支部 1" in first and "下次回到这里: partybot console --branch 1 --as 张三" in first
    assert main(demo) == 0  # make demo again: the same branch, the claim still there
    again = capsys.readouterr().out
    assert "继续使用示范党支部 1 (上次建的, 记录都在)。要从头开始: partybot console --demo --fresh" in again
    assert "已新建" not in again and "撤回 #1 志愿服务" in again
    assert main([*demo, "--fresh"]) == 0
    assert "已新建示范党支部 2" in capsys.readouterr().out


async def test_a_photo_that_is_not_there_is_refused_and_nothing_is_claimed(
    db: Database, tmp_path: Path
) -> None:
    world = await make_chat_world(db, platforms=("console",))
    console = Console(world.app, world.branch_id)
    await console.become("张三")
    missing = tmp_path / "没有这张.jpg"
    assert await console.feed(f"/photo {missing} 申报 志愿服务 3月5日") == [
        f"找不到照片文件 {missing}, 没有申报。请检查文件名 (用法: /photo 文件名 申报 事项 日期)"
    ]
    assert await console.feed("/photo") == ["用法: /photo 文件名 申报 事项 日期 说明"]
    assert await world.deps.chat.pending(world.branch_id) == []
