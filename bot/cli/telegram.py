"""``partybot telegram``: run the Telegram bot, by long polling or behind a webhook (see ``[telegram]``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TypeAlias

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    TelegramApp,
    build_application,
    webhook_path,
    webhook_routes,
)
from bot.config import Config, load_config
from bot.handlers.context import Deps
from bot.i18n import set_locale, t
from bot.services.common import Context
from bot.storage import open_database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "telegram",
        help="运行 Telegram 机器人 (长轮询或 webhook, 见配置文件 [telegram])",
        description="运行 Telegram 机器人。mode = polling 时主动拉取消息; mode = webhook 时在 [server] 地址上接收。",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not config.telegram.token.get_secret_value():
        print(t("telegram.no_token"), file=sys.stderr)
        return 1
    if config.telegram.mode == "webhook" and not (
        config.telegram.webhook_url and config.telegram.secret_token.get_secret_value()
    ):
        print(t("telegram.webhook_incomplete"), file=sys.stderr)
        return 1
    set_locale(config.bot.locale)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(config))
    return 0


async def serve(config: Config) -> None:
    db = await open_database(config.database.url, echo=config.database.echo)
    tg = config.telegram
    app = build_application(
        tg.token.get_secret_value(),
        Deps.of(Context(db.uow)),
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
    )
    try:
        async with app:
            if tg.mode == "polling":
                await _poll(app)
            else:
                await _webhook(app, config)
    finally:
        await db.close()


async def _poll(app: TelegramApp) -> None:
    assert app.updater is not None
    await app.start()
    await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await app.updater.stop()
    await app.stop()


async def _healthz(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _webhook(app: TelegramApp, config: Config) -> None:
    tg = config.telegram
    secret = tg.secret_token.get_secret_value()
    await app.bot.set_webhook(tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    routes = [*webhook_routes(app, webhook_path(tg.webhook_url), secret), Route("/healthz", _healthz)]
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=routes), host=config.server.host, port=config.server.port)
    )
    await server.serve()
