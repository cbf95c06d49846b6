"""``partybot attendance template | import FILE --branch ID``: the sheets of meetings held offline (补录签到).

A sheet has one row per member and meeting: 会议 (主题党日 or theme_day), 日期, 姓名 (or 编号 for
namesakes), 状态 (到会, 请假, 缺席, 线上). A file may hold several meetings; members expected at a
meeting and not in the sheet are present. The import is all or nothing, names each bad cell, and
takes a file (by its content) once.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bot.cli.db import cli_actor, config_of, with_database
from bot.cli.sheet_rows import sheet_rows, write_template
from bot.config import Config
from bot.handlers.backfill import absent_notices
from bot.handlers.context import today_local
from bot.handlers.types import Reply
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.backfill import HEADINGS, BackfillService, expected
from bot.services.common import Context
from bot.services.meetings import meeting_kind
from bot.services.outbox import Outbox
from bot.services.recorded import day_of
from bot.storage import Database
from bot.storage.timeutil import utcnow

T = TypeVar("T")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "attendance",
        help="补录签到: 签到表模板、导入线下会议的签到表",
        description="线下会议的签到表 (Excel 或 CSV)。",
    )
    sub = parser.add_subparsers(dest="attendance_command", metavar="ACTION", required=True)
    template = sub.add_parser("template", help="生成签到表: 应到党员名单, 状态预填 到会")
    template.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    template.add_argument("--meeting", default="", help="会议类型, 如 主题党日 或 theme_day (预填到每一行)")
    template.add_argument(
        "--date", default="", help="会议日期 YYYY-MM-DD (预填到每一行, 并按这天列出应到党员)"
    )
    template.add_argument("-o", "--output", metavar="FILE", help="输出文件 .xlsx 或 .csv (默认 签到表.xlsx)")
    template.set_defaults(handler=_template)
    load = sub.add_parser(
        "import", help="导入签到表; 有任何一格出错则什么都不记录; 同一文件只导入一次",
        description="列: 会议, 日期, 姓名, 编号 (同名时填), 状态 (到会/请假/缺席/线上)。"
        " 表中没有的应到党员记为到会; 缺席的党员各自收到私信。",
    )  # fmt: skip
    load.add_argument("file", metavar="FILE", help="签到表 .xlsx 或 .csv")
    load.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    load.set_defaults(handler=_import)


def _template(args: argparse.Namespace) -> int:
    kind = meeting_kind(args.meeting) if args.meeting else ""
    if kind is None:
        print(
            t("meeting.unknown_type", kind=args.meeting, known="、".join(MEETING_TYPES.values())),
            file=sys.stderr,
        )
        return 1
    day = day_of(args.date) if args.date else today_local()
    if day is None:
        print(t("records.bad_date", where="--date", value=args.date), file=sys.stderr)
        return 1
    path = Path(args.output or "签到表.xlsx")

    async def work(_db: Database, ctx: Context) -> int:
        members = expected(await BackfillService(ctx).members(args.branch), day)
        name = MEETING_TYPES.get(kind, "")
        rows = [[name, args.date and day.isoformat(), m.name, m.code or "", "到会"] for m in members]
        write_template(path, "签到表", HEADINGS, rows, text=("编号", "日期"))
        print(t("backfill.template_written", path=path))
        return 0

    return with_database(args, work)


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(t("cli.file_missing", path=path), file=sys.stderr)
        return 1

    async def work(db: Database, ctx: Context) -> int:
        sheet = sheet_rows(path)
        actor = cli_actor()

        async def record() -> tuple[list[str], list[Reply], list[str]]:
            done = await BackfillService(ctx).import_sheet(args.branch, actor, sheet, today_local())
            lines = [
                t("backfill.imported_line", name=d.name, date=d.day.isoformat(), id=d.meeting_id,
                  present=len(d.present), online=len(d.online), leave=len(d.leave), absent=len(d.absent))
                for d in done
            ]  # fmt: skip
            notices = [n for d in done for n in absent_notices(d, operator())]
            return lines, notices, [n for d in done for n in d.absent]

        lines = await with_notices(db, config_of(args), record)
        print("\n".join(lines))
        return 0

    return with_database(args, work)


def operator() -> str:
    """The person running the command, as members are told who recorded."""
    return cli_actor().label.removeprefix("cli:").removeprefix("cli") or "cli"


def chat_platforms(config: Config) -> tuple[str, ...]:
    """The chat platforms this deployment runs, where members are told."""
    return ("telegram",) if config.telegram.token.get_secret_value() else ()


Work = Callable[[], Awaitable[tuple[list[str], Sequence[Reply], Sequence[str]]]]


async def with_notices(db: Database, config: Config, work: Work) -> list[str]:
    """Run ``work`` in one transaction with the private notices it returns (outbox rows, sent by
    the bot) and the names of the members they are for; the lines to print, with how the members
    are told."""
    async with db.uow() as uow:
        with uow.current():
            lines, replies, names = await work()
            platforms = chat_platforms(config)
            if platforms and replies:
                await Outbox(platforms, "cli").write(uow, f"cli:{uuid.uuid4().hex}", replies, None, utcnow())
            await uow.commit()
    if replies:
        lines = [
            *lines,
            t("records.cli_told", count=len(replies))
            if platforms
            else t("records.cli_not_told", names="、".join(names)),
        ]
    return lines
