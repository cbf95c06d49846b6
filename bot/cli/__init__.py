"""The ``partybot`` command line. Sub-commands register here, in one visible place."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.cli import (
    admin,
    attendance,
    calendar,
    chinese,
    committee,
    config,
    console,
    db,
    dues,
    evaluation,
    export,
    grades,
    ledger,
    passbook,
    ratings,
    roster,
    scheme,
    score,
    telegram,
    wecom,
)
from bot.i18n import set_locale, t
from bot.reports.fonts import configure as configure_fonts
from bot.scoring.records import InputError
from bot.scoring.tomlsource import TomlError
from bot.services.errors import DomainError
from bot.services.workdays import set_holidays
from bot.storage.timeutil import set_timezone

Handler = Callable[[argparse.Namespace], int]

#: Each module adds its sub-commands to the parser and sets ``handler`` on them; order is the help order.
MODULES = [scheme, score, db, admin, roster, ledger, calendar, console, telegram, wecom]
# what a branch records for its members: sheets of ratings and evaluation results, stars given
# directly, meetings held offline, dues
MODULES += [ratings, evaluation, grades, attendance, dues]
# running it: the config checked before start (backups and restores are under ``db``)
MODULES += [config]
# the red passbook (红色存折): the catalog, balances, redemptions
MODULES += [passbook]
# the township committee's branch star rating
MODULES += [committee]
# the Excel files a branch files with the township
MODULES += [export]


def build_parser() -> argparse.ArgumentParser:
    chinese.install()  # argparse's own texts (usage, errors) in the people's language
    parser = chinese.Parser(
        prog="partybot",
        description="党员积分制管理 bot: 积分方案、积分计算、台账与群聊机器人。",
    )
    parser.add_argument(
        "--version", action="version", version=f"partybot {__version__}", help=t("cli.version_help")
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="配置文件路径 (默认取环境变量 PARTYBOT_CONFIG, 否则 ./config.toml)",
    )
    parser.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN", help="输出语言 (默认 zh-CN)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in MODULES:
        module.register(commands)
    return parser


def _lang(argv: Sequence[str] | None) -> str:
    words = list(sys.argv[1:] if argv is None else argv)
    for n, word in enumerate(words):
        if word.startswith("--lang="):
            return word.partition("=")[2]
        if word == "--lang" and n + 1 < len(words):
            return words[n + 1]
    return "zh-CN"


def main(argv: Sequence[str] | None = None) -> int:
    set_locale(_lang(argv))  # argparse's errors come before the arguments are parsed
    parser = build_parser()
    args = parser.parse_args(argv)
    set_locale(args.lang)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        config = db.config_of(args)  # every sub-command reads the same config, loaded once here
        set_timezone(config.bot.timezone)
        set_holidays(config.calendar.holidays)
        configure_fonts(config.reports.font)
        return handler(args)
    except (TomlError, InputError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except DomainError as exc:  # a start refused (a [[passbook.goods]] entry that cannot be loaded)
        print(exc, file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (``partybot score ... | head``): nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush is silent
        return 0
