"""``partybot db upgrade``, and the helper every storage command uses to reach the database."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Config, load_config
from bot.i18n import t
from bot.services.common import Actor, Context, SchemeCache
from bot.services.errors import DomainError
from bot.storage import Database, open_database

T = TypeVar("T")

#: Where ``config_of`` keeps the loaded config on the parsed arguments.
_LOADED = "_loaded_config"


def config_of(args: argparse.Namespace) -> Config:
    """The config named by ``--config`` (or PARTYBOT_CONFIG, or ./config.toml), loaded once per command."""
    loaded: Config | None = getattr(args, _LOADED, None)
    if loaded is None:
        loaded = load_config(getattr(args, "config", None))
        setattr(args, _LOADED, loaded)
    return loaded


def context_for(db: Database, config: Config) -> Context:
    """The use cases' dependencies for this database and config (schemes found in ``[bot] scheme_dirs``)."""
    return Context(db.uow, SchemeCache(dirs=config.bot.scheme_dirs))


def _operator() -> str:
    """Who runs the command: ``PARTYBOT_OPERATOR`` if set (e.g. a name), else the login name."""
    name = os.environ.get("PARTYBOT_OPERATOR", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name known (some containers)
            name = ""
    return f"cli:{name}" if name else "cli"


def cli_actor() -> Actor:
    """Who the command line acts as, in the ledger and the audit log: ``cli:<operator>``, read when asked."""
    return Actor(None, _operator())


#: ``cli_actor()`` as it was when the command line started.
CLI_ACTOR = cli_actor()


def with_database(args: argparse.Namespace, work: Callable[[Database, Context], Awaitable[int]]) -> int:
    """Open (and upgrade) the configured database, run ``work``, print domain errors, return the exit code."""

    async def run() -> int:
        config = config_of(args)
        db = await open_database(config.database.url, echo=config.database.echo)
        try:
            return await work(db, context_for(db, config))
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except DomainError as exc:
        print(exc, file=sys.stderr)
        return 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("db", help="数据库: 升级表结构", description="数据库维护。")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sub.add_parser("upgrade", help="把数据库升级到最新版本 (空库会建好全部表)").set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    async def work(db: Database, _ctx: Context) -> int:
        _current, head = await db.revision()
        print(t("db.upgraded", revision=head, url=db.engine.url.render_as_string(hide_password=True)))
        return 0

    return with_database(args, work)
