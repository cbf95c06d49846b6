"""``partybot telegram``: run the Telegram bot, by long polling or behind a webhook (see ``[telegram]``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import TypeAlias

import uvicorn
from starlette.applications import Starlette
from telegram.error import InvalidToken, NetworkError
from telegram.request import BaseRequest

from bot import logs
from bot.app import App, start
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    PLATFORM,
    TelegramApp,
    TelegramTransport,
    build_application,
    webhook_path,
    webhook_routes,
)
from bot.cli.db import context_for, schema_behind
from bot.config import Config, load_config
from bot.i18n import set_locale, t
from bot.storage import open_database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: Seconds between attempts to reach Telegram at start (the last one repeats).
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "telegram",
        help="运行 Telegram 机器人 (长轮询或 webhook, 见配置文件 [telegram])",
        description="运行 Telegram 机器人。mode = polling 时主动拉取消息; mode = webhook 时在 [server] 地址上接收。"
        " 两种方式都在 [server] 地址上提供 /healthz。",
    )
    logs.add_flag(parser)
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
    logs.configure_for(args, config)
    behind = schema_behind(config)
    if behind:
        print(behind, file=sys.stderr)
        return 1
    return 0 if asyncio.run(serve(config)) else 1


async def serve(
    config: Config, request: BaseRequest | None = None, stop: asyncio.Event | None = None,
    backoff: Sequence[float] = BACKOFF,
) -> bool:  # fmt: skip
    """Run until ``stop`` is set (default: SIGINT or SIGTERM). ``request`` replaces the HTTP transport.
    Telegram out of reach at start is retried with ``backoff``, said in one line each time; a
    token Telegram refuses ends the run (False)."""
    db = await open_database(config.database.url, upgrade=config.database.migrate, echo=config.database.echo)
    tg = config.telegram
    try:
        bot = await start(db, [PLATFORM], config, context_for(db, config))
        app = build_application(
            tg.token.get_secret_value(), bot.deps, bot.media, base_url=tg.base_url,
            base_file_url=tg.base_file_url, request=request,
        )  # fmt: skip
        bot.add_transport(TelegramTransport(app.bot, bot.media))
        stop = stop or on_signals()
        if not await _reach(app, stop, backoff):
            return False
        async with app:
            await app.start()
            background = asyncio.create_task(bot.run(stop))  # the clock, and the outbox's retries
            if tg.mode == "polling":
                await asyncio.gather(_poll(app, stop), serve_http(bot.http(), config, stop))
            else:
                bot.routes += webhook_routes(
                    app, webhook_path(tg.webhook_url), tg.secret_token.get_secret_value()
                )
                await _webhook(app, bot, config, stop)
            await background
            await app.stop()
        return True
    finally:
        await db.close()


async def _reach(app: TelegramApp, stop: asyncio.Event, backoff: Sequence[float]) -> bool:
    """Initialize the application (its first call to Telegram), retrying while the network fails."""
    attempt = 0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken:
            print(t("newuser.telegram_bad_token"), file=sys.stderr)
            return False
        except NetworkError:  # no route, DNS, a timeout, a proxy: not the bot's fault, try again
            delay = backoff[min(attempt, len(backoff) - 1)]
            attempt += 1
            print(t("newuser.telegram_unreachable", delay=f"{delay:g}", attempt=attempt), file=sys.stderr)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    return False


def on_signals() -> asyncio.Event:
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


async def _webhook(app: TelegramApp, bot: App, config: Config, stop: asyncio.Event) -> None:
    tg = config.telegram
    secret = tg.secret_token.get_secret_value()
    await app.bot.set_webhook(tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    await serve_http(bot.http(), config, stop)


async def serve_http(http: Starlette, config: Config, stop: asyncio.Event) -> None:
    """Serve the one HTTP app on ``[server]`` until ``stop``."""
    # uvicorn's own lines go through the root logger (``bot.logs``: the chosen format, redacted)
    server = uvicorn.Server(
        uvicorn.Config(http, host=config.server.host, port=config.server.port, log_config=None)
    )
    serving, stopping = asyncio.create_task(server.serve()), asyncio.create_task(stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
