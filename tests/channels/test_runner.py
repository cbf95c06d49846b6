"""``partybot telegram``: polling serves updates until told to stop, the bot's clock runs
alongside, and the same process answers /healthz."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

from handlers.chatworld import ALICE, GROUP, SECRETARY, ChatWorld, make_chat_world

from bot.cli.telegram import serve
from bot.config import Config
from bot.services.common import Actor
from bot.storage import open_database
from bot.storage.timeutil import utcnow
from channels.offline import DATE, OfflineRequest


async def _world_on_a_preset(url: str) -> ChatWorld:
    """The chat world in a database file; the runner loads the branch's scheme by id, so the
    branch uses a shipped preset."""
    db = await open_database(url)
    world = await make_chat_world(db)
    async with db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.scheme = "twelve-point"
        await uow.commit()
    return world


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve_until_sent(tmp_path: Path, url: str, api: OfflineRequest) -> None:
    """Run ``partybot telegram`` (polling) until the bot sends a message, then stop it."""
    config = Config.model_validate({
        "database": {"url": url}, "telegram": {"token": "123:TEST"}, "media": {"dir": str(tmp_path / "media")},
        "server": {"port": _free_port(), "instance": "runner"},
    })  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, api, stop))
    for _ in range(1000):  # the polling loop's own pace: each empty long poll yields 10 ms
        if api.of("sendMessage") or running.done():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running


async def test_polling_serves_updates_until_stopped(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await (await _world_on_a_preset(url)).db.close()
    api = OfflineRequest()
    api.updates = [{
        "update_id": 77, "message": {
            "message_id": 5, "date": DATE, "text": "/help",
            "chat": {"id": int(GROUP), "type": "supergroup", "title": "群"},
            "from": {"id": int(ALICE), "is_bot": False, "first_name": "张三"},
        },
    }]  # fmt: skip
    await _serve_until_sent(tmp_path, url, api)
    [reply] = api.of("sendMessage")
    assert "第一党支部" in reply.params["text"] and "张三" in reply.params["text"]
    assert api.calls[0].method == "getMe"


async def test_the_clock_closes_a_due_sign_in_while_serving(tmp_path: Path) -> None:
    """No direct call: the running bot's clock ticks at start and posts the report."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tick.db'}"
    world = await _world_on_a_preset(url)
    secretary = Actor(world.ids[SECRETARY], f"member:{world.ids[SECRETARY]}")
    ten_minutes_ago = utcnow() - timedelta(minutes=10)
    await world.deps.meetings.open(
        world.branch_id, secretary, "theme_day", 5, ten_minutes_ago, "telegram", GROUP
    )
    await world.db.close()
    api = OfflineRequest()
    await _serve_until_sent(tmp_path, url, api)
    [report] = api.of("sendMessage")
    assert report.params["chat_id"] == int(GROUP) and "缺席" in report.params["text"]


async def test_telegram_out_of_reach_is_one_chinese_line_per_retry(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """No network (here: nothing listens where the Bot API should be): no traceback, a line per try."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'offline.db'}"
    await (await _world_on_a_preset(url)).db.close()
    config = Config.model_validate({
        "database": {"url": url}, "media": {"dir": str(tmp_path / "media")},
        "telegram": {"token": "123:TEST", "base_url": f"http://127.0.0.1:{_free_port()}/bot"},
        "server": {"port": _free_port(), "instance": "runner"},
    })  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, None, stop, backoff=(0.01, 0.02)))
    err = ""
    for _ in range(500):
        err += capsys.readouterr().err
        if err.count("连不上 Telegram") >= 2 or running.done():
            break
        await asyncio.sleep(0.01)
    stop.set()
    assert await running is False
    err += capsys.readouterr().err
    assert "(第 1 次)" in err and "(第 2 次)" in err
    lines = [line for line in err.splitlines() if line]
    assert lines and all(line.startswith("连不上 Telegram, ") and "秒后重试" in line for line in lines), err
    assert "Traceback" not in err


async def test_a_token_telegram_refuses_ends_the_run_with_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'token.db'}"
    await (await _world_on_a_preset(url)).db.close()
    config = Config.model_validate({
        "database": {"url": url}, "telegram": {"token": "123:TEST"}, "media": {"dir": str(tmp_path / "media")},
        "server": {"port": _free_port(), "instance": "runner"},
    })  # fmt: skip
    api = OfflineRequest()
    api.fail["getMe"] = [(401, "Unauthorized")]
    assert await serve(config, api, asyncio.Event()) is False
    assert (
        capsys.readouterr().err.strip()
        == "Telegram 不认这个机器人 token ([telegram] token), 请在 @BotFather 处核对后改正"
    )
