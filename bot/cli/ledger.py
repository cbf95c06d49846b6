"""``partybot ledger add|correct|list``: what the recorder records for members, corrections, and
a member's entries, from the command line (the same use cases as 记分, 更正 and 积分明细 in a
private chat). The operator at the command line acts with every role; entries name them
(``cli:<operator>``, see ``PARTYBOT_OPERATOR``)."""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.db import cli_actor, with_database
from bot.i18n import t
from bot.scoring.text import table
from bot.services.common import Context, Source
from bot.services.ledger import LedgerService, RecordBatch, Replacement, number
from bot.storage import Database
from bot.storage.timeutil import to_local, utcnow

CLI_SOURCE = Source("cli")


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD, 如 2026-03-12, 收到 “{text}”") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "ledger", help="积分台账: 为党员记分、更正记录、查看积分明细",
        description="积分台账: 记分 (积分员/书记录入, 如党费、扣分、表彰), 更正 (冲正并可补记正确的一条), 积分明细。",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="为一名或多名党员记一条积分 (全部成功或全部不记)")
    add.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    add.add_argument("--item", required=True, help="积分项代码 (见 scheme show 方案), 如 dues_late")
    add.add_argument("--member", action="append", required=True, metavar="MEMBER",
                     help="党员编号、名册编号或姓名; 可写多次")  # fmt: skip
    add.add_argument("--date", type=iso_day, help="日期 YYYY-MM-DD (默认今天)")
    add.add_argument("--points", type=float, help="分值 (分值有范围的积分项须写明; 减分项可写正数)")
    add.add_argument("--reason", required=True, help="原因 (必填, 记入台账)")
    add.set_defaults(handler=_add)
    fix = sub.add_parser("correct", help="更正一条记录: 写一条冲正记录, 可同时补记正确的一条")
    fix.add_argument("entry", type=int, metavar="ENTRY", help="记录编号 (见 ledger list)")
    fix.add_argument("--reason", required=True, help="更正原因 (必填)")
    fix.add_argument("--item", help="正确的积分项代码 (不写则不变)")
    fix.add_argument("--points", type=float, help="正确的分值")
    fix.add_argument("--date", type=iso_day, help="正确的日期 YYYY-MM-DD")
    fix.set_defaults(handler=_correct)
    listing = sub.add_parser("list", help="一名党员的积分明细 (带记录编号)")
    listing.add_argument("--branch", type=int, required=True, help="党支部编号")
    listing.add_argument("--member", required=True, help="党员编号、名册编号或姓名")
    listing.add_argument("--year", type=int, help="年度 (默认今年)")
    listing.set_defaults(handler=_list)


def _add(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        ledger = LedgerService(ctx)
        members = await ledger.member_ids(args.branch, args.member)
        day = args.date or to_local(utcnow()).date()
        cmd = RecordBatch(args.branch, members, args.item, day, args.reason, args.points, CLI_SOURCE)
        batch = await ledger.record_batch(cmd, cli_actor())
        names = dict(await ledger.roster(args.branch, cli_actor()))
        if batch.pending:
            print(t("recording.cli_pending", who=", ".join(f"{names[m]} #{c}" for m, c in batch.pending)))
            return 0
        who = ", ".join(f"{names[m]} #{e}" for m, e in batch.entries)
        print(t("recording.cli_done", item=batch.item.name, points=number(batch.points), date=day, who=who))
        return 0

    return with_database(args, work)


def _correct(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        change = None
        if args.item or args.points is not None or args.date:
            change = Replacement(args.item, args.points, args.date)
        done = await LedgerService(ctx).correct(args.entry, cli_actor(), args.reason, change, CLI_SOURCE)
        new = (
            f"#{done.replacement.id} {done.replacement.name} {number(done.replacement.points)}"
            if done.replacement
            else "-"
        )
        print(t("correct.cli_done", entry=args.entry, reversal=done.reversal_id, new=new))
        return 0

    return with_database(args, work)


def _list(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        ledger = LedgerService(ctx)
        [member] = await ledger.member_ids(args.branch, [args.member])
        year = args.year or to_local(utcnow()).year
        lines = await ledger.entries(args.branch, member, cli_actor(), year)
        rows = [
            [
                str(x.id), x.day.isoformat(), x.name if x.reverses is None else t("entries.cli_reversal", original=x.reverses),
                number(x.points), x.by, x.reason, f"#{x.reversed_by}" if x.reversed_by else "",
            ]
            for x in lines
        ]  # fmt: skip
        print(
            table(t("entries.cli_header").split("|"), rows)
            if rows
            else t("entries.none", name=args.member, year=year)
        )
        return 0

    return with_database(args, work)
