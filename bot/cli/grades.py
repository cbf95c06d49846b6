"""``partybot grades set``: 年底直接评星定级, the stars a branch gives an exempt member directly at
year end. A later grade supersedes the earlier one, which is kept as it was."""

from __future__ import annotations

import argparse

from bot.cli.db import cli_actor, with_database
from bot.cli.ratings import by_option
from bot.i18n import t
from bot.services.common import Context
from bot.services.sheets import SheetService
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "grades",
        help="年底直接评星定级 (免于积分的党员)",
        description="免于积分的党员, 年底由支部直接评星定级。",
    )
    sub = parser.add_subparsers(dest="grades_command", metavar="ACTION", required=True)
    put = sub.add_parser("set", help="记录一名免于积分党员的星级; 再记一次则取代前一次 (原记录保留)")
    put.add_argument("--branch", type=int, required=True, help="党支部编号")
    put.add_argument("--year", type=int, required=True, help="年度")
    put.add_argument("--member", required=True, help="党员姓名或编号")
    put.add_argument("--stars", type=int, required=True, help="星级, 如 8")
    put.add_argument("--reason", required=True, help="理由 (记入记录)")
    by_option(put)
    put.set_defaults(handler=_set)


def _set(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        done = await SheetService(ctx).set_grade(
            cli_actor(), args.branch, args.year, args.member, args.stars, args.reason, by=args.by
        )
        print(t("sheets.grade_set", name=done.member, year=done.year, stars=done.stars, id=done.grade_id))
        if done.supersedes is not None:
            print(t("sheets.grade_superseded", id=done.supersedes))
        return 0

    return with_database(args, work)
