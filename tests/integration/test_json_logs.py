"""The log of a running bot: one JSON object per line, with the update's platform, id, branch and
member, and never a token, a secret, an AES key or a phone number."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest
from channels.offline import DATE, OfflineRequest
from handlers.chatworld import ALICE, GROUP, make_chat_world

from bot import logs
from bot.cli import main
from bot.cli.telegram import serve
from bot.config import load_config
from bot.storage import open_database

TOKEN = "987654321:AAH-secret-token-of-the-branch-bot"
AES = "Zx9" * 14 + "Q"  # 43 characters
PHONE = "13912345678"


class LoggingRequest(OfflineRequest):
    """The offline Bot API, logging each call the way the real HTTP client (httpx) does: the URL,
    which holds the bot's token."""

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        logging.getLogger("httpx").info('HTTP Request: %s %s "HTTP/1.1 200 OK"', method, url)
        return await super().do_request(url, method, *args, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_real_update_logs_json_lines_without_secrets(tmp_path: Path, restore_logging) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    db = await open_database(url)
    world = await make_chat_world(db)
    async with db.uow() as uow:  # the runner loads the branch's scheme by id: a shipped preset
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        branch.scheme = "twelve-point"
        await uow.commit()
    await db.close()
    (tmp_path / "token").write_text(TOKEN, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\nlog_format = "json"\n\n[database]\nurl = "{url}"\n\n[telegram]\ntoken_file = "token"\n\n'
        f'[wecom]\nencoding_aes_key = "{AES}"\n\n[media]\ndir = "{tmp_path / "media"}"\n\n'
        f'[server]\nport = {_free_port()}\ninstance = "logs"\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    out = io.StringIO()
    logs.configure(config.bot.log_format, config.secret_values(), out)
    api = LoggingRequest()
    api.updates = [{
        "update_id": 501, "message": {
            "message_id": 9, "date": DATE, "text": "我的积分",
            "chat": {"id": int(GROUP), "type": "supergroup", "title": "群"},
            "from": {"id": int(ALICE), "is_bot": False, "first_name": "张三"},
        },
    }]  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, api, stop))
    for _ in range(1000):
        if api.of("sendMessage") or running.done():
            break
        await asyncio.sleep(0.01)
    with logs.scope(platform="telegram", update="502"):  # a line that quotes what a person wrote
        logging.getLogger("bot.test").warning("张三 wrote: 我的电话 %s, key %s, token %s", PHONE, AES, TOKEN)
    stop.set()
    await running

    text = out.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    assert lines and all({"ts", "level", "logger", "msg"} <= set(line) for line in lines)
    for secret in (TOKEN, AES, PHONE, TOKEN.partition(":")[2]):
        assert secret not in text
    handled = [line for line in lines if line["msg"].startswith("update handled")]
    assert handled == [{
        **handled[0], "logger": "bot.handlers.router", "level": "INFO", "platform": "telegram", "update": "501",
        "branch": world.branch_id, "member": world.ids[ALICE],
    }]  # fmt: skip
    calls = [line for line in lines if line["logger"] == "httpx"]
    assert any("/bot***/sendMessage" in line["msg"] for line in calls)  # the URL is there, its token is not
    sendings = [c for c in calls if "sendMessage" in c["msg"]]
    assert sendings and all(c.get("update") == "501" for c in sendings)  # sent on the update's behalf
    [quoted] = [line for line in lines if line["logger"] == "bot.test"]
    assert quoted["msg"] == "张三 wrote: 我的电话 ***, key ***, token ***" and quoted["update"] == "502"


def test_the_text_format_carries_the_fields_and_is_redacted_too(restore_logging) -> None:
    out = io.StringIO()
    logs.configure("text", ["hook-secret-1"], out)
    with logs.scope(platform="wecom", update="u-1"):
        logs.bind(branch=3, member=17)
        try:
            raise RuntimeError("posting to https://x/hook-secret-1 for 18600001111 failed")
        except RuntimeError:
            logging.getLogger("bot.delivery").exception("delivery failed")
    text = out.getvalue()
    assert "ERROR bot.delivery: delivery failed [platform=wecom update=u-1 branch=3 member=17]" in text
    assert "RuntimeError: posting to https://x/*** for *** failed" in text  # the traceback too
    assert "hook-secret-1" not in text and "18600001111" not in text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("call 13800138000 now", "call *** now"),
        ("order 213800138000 and 1380013800", "order 213800138000 and 1380013800"),  # not a mobile
        ("+86 15012345678.", "+86 ***."),
        ("claim #12 approved by member 3", "claim #12 approved by member 3"),
    ],
)
def test_phone_numbers_are_eleven_digit_mobiles_only(text: str, kept: str) -> None:
    assert logs.Redactor()(text) == kept


def test_the_flag_overrides_the_config(tmp_path: Path, restore_logging, capsys) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[bot]\nlog_format = "json"\n', encoding="utf-8")
    config = load_config(path, {})
    assert isinstance(logs.configure_for(Namespace(log_format=None), config).formatter, logs.JsonFormatter)
    assert isinstance(logs.configure_for(Namespace(log_format="text"), config).formatter, logs.TextFormatter)
    assert logging.getLogger().handlers == [
        logging.getLogger().handlers[0]
    ]  # one handler, not one more per call
    with pytest.raises(SystemExit):
        main(["--config", str(path), "telegram", "--log-format", "yaml"])
    assert "参数 --log-format: “yaml” 不是可选的值" in capsys.readouterr().err
