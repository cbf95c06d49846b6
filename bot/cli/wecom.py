"""``partybot wecom``: run WeCom's intelligent robot, over the long connection or the callback URL
(see ``[wecom]``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TypeAlias

import httpx
import websockets

from bot import logs
from bot.app import App, start
from bot.channels.wecom.callback import CallbackEndpoint, CallbackTransport, ResponseUrls
from bot.channels.wecom.connection import AuthFailed, LongConnection
from bot.channels.wecom.longconn import Downloader, LongConnectionChannel, LongConnectionTransport
from bot.channels.wecom.protocol import PLATFORM
from bot.channels.wecom.transport import Presses
from bot.cli.db import context_for, schema_behind
from bot.cli.telegram import on_signals, serve_http
from bot.config import Config, WecomSection, load_config
from bot.i18n import set_locale, t
from bot.storage import open_database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
log = logging.getLogger(__name__)


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "wecom",
        help="运行企业微信智能机器人 (长连接或回调 URL, 见配置文件 [wecom])",
        description="运行企业微信智能机器人。mode = long_connection (默认) 时主动连接企业微信, 无需公网地址;"
        " mode = callback 时在 [server] 地址的 callback_path 上接收企业微信的加密回调。两种方式都在 [server]"
        " 地址上提供 /healthz。bot_id 或 secret 错误时以非零状态退出。",
    )
    logs.add_flag(parser)
    parser.set_defaults(handler=_run)


def problem(wecom: WecomSection) -> str | None:
    """What is missing from ``[wecom]`` for its mode (a message), or None."""
    if not wecom.corp_id:
        return t("wecom.no_corp")
    if wecom.mode == "long_connection" and not (wecom.bot_id and wecom.secret.get_secret_value()):
        return t("wecom.no_credentials")
    if wecom.mode == "callback" and not (
        wecom.token.get_secret_value()
        and len(wecom.encoding_aes_key.get_secret_value()) == 43
        and wecom.callback_path
    ):
        return t("wecom.callback_incomplete")
    return None


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    missing = problem(config.wecom)
    if missing:
        print(missing, file=sys.stderr)
        return 1
    set_locale(config.bot.locale)
    logs.configure_for(args, config)
    behind = schema_behind(config)
    if behind:
        print(behind, file=sys.stderr)
        return 1
    return asyncio.run(serve(config))


async def serve(config: Config, stop: asyncio.Event | None = None) -> int:
    """Run until ``stop`` (default: SIGINT or SIGTERM); the exit status."""
    db = await open_database(config.database.url, upgrade=config.database.migrate, echo=config.database.echo)
    try:
        bot = await start(db, [PLATFORM], config, context_for(db, config))
        stop = stop or on_signals()
        async with httpx.AsyncClient(timeout=15.0) as http:
            if config.wecom.mode == "callback":
                return await _callback(bot, config, http, stop)
            return await _long_connection(bot, config, http, stop)
    finally:
        await db.close()


async def _long_connection(bot: App, config: Config, http: httpx.AsyncClient, stop: asyncio.Event) -> int:
    wecom, presses = config.wecom, Presses()
    channel = LongConnectionChannel(bot.deps, wecom.corp_id, Downloader(bot.media, http), presses)
    connection = LongConnection(
        wecom.bot_id,
        wecom.secret.get_secret_value(),
        channel.on_frame,
        url=wecom.url,
        heartbeat=wecom.heartbeat,
    )
    try:
        first = await connection.open()
    except AuthFailed as err:
        print(t("wecom.auth_failed", code=err.errcode, msg=err.errmsg), file=sys.stderr)
        return 2
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        print(t("wecom.unreachable", error=exc), file=sys.stderr)
        return 1
    bot.add_transport(LongConnectionTransport(connection, wecom.corp_id, bot.media, presses))
    status = 0

    async def keep() -> None:
        nonlocal status
        try:
            await connection.run(stop, first)
        except AuthFailed as err:  # the secret was changed while running
            print(t("wecom.auth_failed", code=err.errcode, msg=err.errmsg), file=sys.stderr)
            status = 2
        if connection.replaced:
            print(t("wecom.replaced"), file=sys.stderr)
            status = 3
        stop.set()

    await asyncio.gather(keep(), bot.run(stop), serve_http(bot.http(), config, stop))
    await connection.settled()
    return status


async def _callback(bot: App, config: Config, http: httpx.AsyncClient, stop: asyncio.Event) -> int:
    wecom, presses, urls = config.wecom, Presses(), ResponseUrls()
    aes = wecom.encoding_aes_key.get_secret_value()
    endpoint = CallbackEndpoint(
        bot.deps,
        wecom.corp_id,
        wecom.token.get_secret_value(),
        aes,
        Downloader(bot.media, http),
        presses,
        urls,
    )
    bot.routes += endpoint.routes(wecom.callback_path)
    bot.add_transport(CallbackTransport(wecom.corp_id, bot.media, presses, urls, http))
    await asyncio.gather(bot.run(stop), serve_http(bot.http(), config, stop))
    return 0
