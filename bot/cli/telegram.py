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
from telegram.request import BaseRequest

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


async def serve(
    config: Config, request: BaseRequest | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set (default: SIGINT or SIGTERM). ``request`` replaces the HTTP transport."""
    db = await open_database(config.database.url, echo=config.database.echo)
    tg = config.telegram
    app = build_application(
        tg.token.get_secret_value(),
        Deps.of(Context(db.uow)),
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
        request=request,
    )
    stop = stop or _on_signals()
    try:
        async with app:
            await app.start()  # the job queue: sign-in windows close on its tick
            if tg.mode == "polling":
                await _poll(app, stop)
            else:
                await _webhook(app, config, stop)
            await app.stop()
    finally:
        await db.close()


def _on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _poll(app: TelegramApp, stop: asyncio.Event) -> None:
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    await stop.wait()
    await app.updater.stop()


async def _healthz(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def http_app(app: TelegramApp, config: Config) -> Starlette:
    """The HTTP side in webhook mode: the Telegram webhook and ``/healthz``."""
    tg = config.telegram
    routes = webhook_routes(app, webhook_path(tg.webhook_url), tg.secret_token.get_secret_value())
    return Starlette(routes=[*routes, Route("/healthz", _healthz)])


async def _webhook(app: TelegramApp, config: Config, stop: asyncio.Event) -> None:
    tg = config.telegram
    secret = tg.secret_token.get_secret_value()
    await app.bot.set_webhook(tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    server = uvicorn.Server(
        uvicorn.Config(http_app(app, config), host=config.server.host, port=config.server.port)
    )
    serving, stopping = asyncio.create_task(server.serve()), asyncio.create_task(stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
