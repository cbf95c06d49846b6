"""``partybot db upgrade``, ``backup`` and ``restore``, and the helper every storage command uses
to reach the database.

A SQLite backup is taken with SQLite's online backup API: one consistent copy of the database as
it was when the copy began, while the bot goes on writing (WAL mode lets writers go on). The copy
is written beside the target under another name, checked, then renamed into place. PostgreSQL is
backed up with its own tools; the commands print the recipe (``pg_dump -Fc`` / ``pg_restore``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import make_url

from bot.config import Config, load_config
from bot.i18n import t
from bot.services.common import Actor, Context, SchemeCache
from bot.services.errors import DomainError
from bot.storage import Database, open_database
from bot.storage.database import BUSY_TIMEOUT, alembic_config

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


def schema_behind(config: Config) -> str | None:
    """With ``[database] migrate = false`` (a replica), what to do when the database is not at the
    code's migration (``partybot db upgrade`` first); None when it is, or when the bot migrates itself."""
    if config.database.migrate:
        return None

    async def revision() -> tuple[str | None, str | None]:
        db = await open_database(config.database.url, upgrade=False, echo=config.database.echo)
        try:
            return await db.revision()
        finally:
            await db.close()

    current, head = asyncio.run(revision())
    return None if current == head else t("ops.schema_behind", current=current or t("ops.empty"), head=head)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "db", help="数据库: 升级表结构、备份与恢复", description=t("ops.db_description")
    )
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sub.add_parser("upgrade", help="把数据库升级到最新版本 (空库会建好全部表)").set_defaults(handler=_upgrade)
    backup = sub.add_parser("backup", help=t("ops.backup_help"), description=t("ops.backup_description"))
    backup.add_argument("file", metavar="FILE", help=t("ops.backup_file_help"))
    backup.set_defaults(handler=_backup)
    restore = sub.add_parser("restore", help=t("ops.restore_help"), description=t("ops.restore_description"))
    restore.add_argument("file", metavar="FILE", help=t("ops.restore_file_help"))
    restore.add_argument("--force", action="store_true", help=t("ops.restore_force_help"))
    restore.set_defaults(handler=_restore)


def _upgrade(args: argparse.Namespace) -> int:
    """Migrate to head. Two at once (two operators, a one-shot service started twice, a replica
    migrating itself on start) take turns (``Database.upgrade``), and the later finds nothing to do."""

    async def run() -> int:
        config = config_of(args)
        db = await open_database(config.database.url, upgrade=False, echo=config.database.echo)
        try:
            await db.upgrade()
            _current, head = await db.revision()
            print(t("db.upgraded", revision=head, url=db.engine.url.render_as_string(hide_password=True)))
            return 0
        finally:
            await db.close()

    return asyncio.run(run())


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database (PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _backup(args: argparse.Namespace) -> int:
    config = config_of(args)
    source, target = sqlite_file(config.database.url), Path(args.file)
    if source is None:
        print(t("ops.pg_backup", url=_hidden(config.database.url), file=target), file=sys.stderr)
        return 2
    if not source.is_file():
        print(t("ops.no_database", path=source), file=sys.stderr)
        return 1
    if target.exists():
        print(t("ops.backup_exists", file=target), file=sys.stderr)
        return 1
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(source, partial)
        revision = describe(partial)
    except (sqlite3.Error, OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        print(t("ops.backup_failed", error=exc), file=sys.stderr)
        return 1
    os.replace(partial, target)
    print(t("ops.backup_done", file=target, revision=revision, size=target.stat().st_size))
    return 0


def _copy(source: Path, target: Path) -> None:
    """``source`` copied to a new file ``target`` in one step of the online backup (one snapshot)."""
    target.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def describe(path: Path) -> str:
    """The migration a partybot database is at; ValueError saying why ``path`` is not one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        raise ValueError(t("ops.not_sqlite", file=path)) from None
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables or "ledger_entries" not in tables:
            raise ValueError(t("ops.not_partybot", file=path))
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise ValueError(t("ops.not_sqlite", file=path)) from None
    finally:
        conn.close()
    if check is None or check[0] != "ok":
        raise ValueError(t("ops.damaged", file=path, check=check[0] if check else ""))
    revision = str(row[0]) if row else ""
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) if revision else None
    except CommandError:
        known = None
    if known is None:
        raise ValueError(t("ops.unknown_revision", file=path, revision=revision or t("ops.empty")))
    return revision


def _restore(args: argparse.Namespace) -> int:
    config = config_of(args)
    target, source = sqlite_file(config.database.url), Path(args.file)
    if target is None:
        print(t("ops.pg_restore", url=_hidden(config.database.url), file=source), file=sys.stderr)
        return 2
    try:
        revision = describe(source)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    aside = None
    if target.exists():
        in_use = target.with_name(target.name + "-wal").exists()
        if not args.force:
            key = "ops.restore_in_use" if in_use else "ops.restore_exists"
            print(t(key, path=target), file=sys.stderr)
            return 1
        aside = _move_aside(target)
    partial = target.with_name(target.name + ".restoring")
    _copy(source, partial)
    os.replace(partial, target)
    print(t("ops.restored", file=source, path=target, revision=revision))
    if aside is not None:
        print(t("ops.moved_aside", path=aside))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision != head:
        print(t("ops.restored_behind", revision=revision, head=head))
    return 0


def _move_aside(path: Path) -> Path:
    """Keep the database being replaced (with its WAL files) under a dated name; that name."""
    aside = path.with_name(f"{path.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
    for suffix in ("-wal", "-shm", ""):
        old = path.with_name(path.name + suffix)
        if old.exists():
            os.replace(old, aside.with_name(aside.name + suffix))
    return aside
