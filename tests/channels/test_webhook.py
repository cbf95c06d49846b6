"""Webhook mode: the one HTTP app (``App.http()``) checks the secret token header before an
update is looked at, handles a redelivered update once, and answers ``/healthz``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from handlers.chatworld import ALICE, GROUP, ChatWorld

from bot.channels.telegram import SECRET_HEADER, TelegramApp, webhook_path, webhook_routes
from bot.cli import main
from channels.offline import DATE, OfflineRequest

SECRET = "s3cret-token"


@pytest.fixture
def client(app: TelegramApp, world: ChatWorld) -> httpx.AsyncClient:
    """The bot's HTTP app, as ``partybot telegram`` serves it in webhook mode."""
    world.app.routes += webhook_routes(app, "/telegram", SECRET)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app.http()), base_url="http://bot.test")


def claim_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7, "date": DATE, "text": "申报 志愿服务 3月5日",
            "chat": {"id": int(GROUP), "type": "supergroup", "title": "群"},
            "from": {"id": int(ALICE), "is_bot": False, "first_name": "张三"},
        },
    }  # fmt: skip


async def test_an_update_with_the_secret_is_processed(client: httpx.AsyncClient, api: OfflineRequest) -> None:
    async with client as http:
        response = await http.post("/telegram", json=claim_update(9001), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    [sent] = api.calls
    assert sent.method == "sendMessage" and sent.buttons[0].startswith("a:")


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_happens(
    client: httpx.AsyncClient, api: OfflineRequest, world: ChatWorld
) -> None:
    async with client as http:
        wrong = await http.post("/telegram", json=claim_update(9002), headers={SECRET_HEADER: "guess"})
        missing = await http.post("/telegram", json=claim_update(9003))
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert api.calls == [] and await world.deps.chat.pending(world.branch_id) == []


async def test_a_redelivered_webhook_update_is_processed_once(
    client: httpx.AsyncClient, api: OfflineRequest, world: ChatWorld
) -> None:
    async with client as http:
        for _ in range(2):
            response = await http.post("/telegram", json=claim_update(9004), headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
    assert len(api.calls) == 1 and len(await world.deps.chat.pending(world.branch_id)) == 1


async def test_garbage_is_a_bad_request(client: httpx.AsyncClient, api: OfflineRequest) -> None:
    async with client as http:
        response = await http.post("/telegram", content=b"not json", headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400
    assert api.calls == []


async def test_healthz_reports_the_database_and_the_outbox(client: httpx.AsyncClient) -> None:
    async with client as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["migrations"] == "ok" and body["failing"] == []


def test_webhook_path_comes_from_the_public_address() -> None:
    assert webhook_path("https://bot.example.org/tg/hook") == "/tg/hook"
    assert webhook_path("https://bot.example.org") == "/telegram"


@pytest.mark.parametrize(
    ("telegram", "message"),
    [
        ({"token": ""}, "没有 Telegram 机器人 token"),
        ({"token": "1:x", "mode": "webhook"}, "webhook 模式需要配置"),
    ],
)
def test_the_runner_refuses_an_incomplete_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], telegram: dict[str, str], message: str
) -> None:
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in telegram.items())
    config = tmp_path / "config.toml"
    config.write_text(f"[telegram]\n{lines}\n", encoding="utf-8")
    assert main(["--config", str(config), "telegram"]) == 1
    assert message in capsys.readouterr().err
