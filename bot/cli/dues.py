"""``partybot dues template | import FILE --branch ID --month YYYY-MM``: a month's dues (党费) from a sheet.

A sheet has one row per member: 姓名 (or 编号 for namesakes) and 状态 (已交, 迟交, 未交). Members not
in the sheet are left as they were. The import is all or nothing, names each bad cell, and takes a
file (by its content) once for a month; each member given a deduction is told privately.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bot.cli.attendance import operator, with_notices
from bot.cli.db import cli_actor, config_of, with_database
from bot.cli.sheet_rows import sheet_rows, write_template
from bot.handlers.context import today_local
from bot.handlers.dues import notices
from bot.handlers.types import Reply
from bot.i18n import t
from bot.services.common import Context
from bot.services.dues import CODE, NAME, STATUS, DuesService, month_days
from bot.services.recorded import on_roster
from bot.storage import Database

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "dues", help="党费: 登记表模板、导入一个月的党费登记", description="一个月的党费登记 (Excel 或 CSV)。"
    )
    sub = parser.add_subparsers(dest="dues_command", metavar="ACTION", required=True)
    template = sub.add_parser("template", help="生成党费登记表: 该月在册党员, 状态预填 已交")
    template.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    template.add_argument("--month", required=True, help="月份 YYYY-MM, 如 2026-03")
    template.add_argument(
        "-o", "--output", metavar="FILE", help="输出文件 .xlsx 或 .csv (默认 党费YYYY-MM.xlsx)"
    )
    template.set_defaults(handler=_template)
    load = sub.add_parser(
        "import", help="导入党费登记表; 有任何一格出错则什么都不记录; 同一文件同一月份只导入一次",
        description="列: 姓名, 编号 (同名时填), 状态 (已交/迟交/未交)。迟交、未交按方案扣分 (dues_late),"
        " 已交按方案加分 (dues); 改变原登记会冲销原来的积分; 被扣分的党员各自收到私信。",
    )  # fmt: skip
    load.add_argument("file", metavar="FILE", help="党费登记表 .xlsx 或 .csv")
    load.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    load.add_argument("--month", required=True, help="月份 YYYY-MM, 如 2026-03")
    load.set_defaults(handler=_import)


def _month_of(value: str) -> tuple[int, int] | None:
    found = _MONTH.match(value.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        print(t("dues.bad_month_option", value=value), file=sys.stderr)
        return None
    return int(found.group(1)), int(found.group(2))


def _template(args: argparse.Namespace) -> int:
    month = _month_of(args.month)
    if month is None:
        return 1
    path = Path(args.output or f"党费{month[0]}-{month[1]:02d}.xlsx")

    async def work(_db: Database, ctx: Context) -> int:
        first, last = month_days(*month)
        members = [
            m
            for m in await DuesService(ctx).members(args.branch)
            if not m.exempt and on_roster(m, first, last)
        ]
        write_template(
            path,
            "党费",
            (NAME, CODE, STATUS),
            [[m.name, m.code or "", "已交"] for m in members],
            text=(CODE,),
        )
        print(t("dues.template_written", path=path))
        return 0

    return with_database(args, work)


def _import(args: argparse.Namespace) -> int:
    month = _month_of(args.month)
    if month is None:
        return 1
    path = Path(args.file)
    if not path.is_file():
        print(t("cli.file_missing", path=path), file=sys.stderr)
        return 1

    async def work(db: Database, ctx: Context) -> int:
        sheet = sheet_rows(path)

        async def record() -> tuple[list[str], list[Reply], list[str]]:
            marked = await DuesService(ctx).import_sheet(
                args.branch, cli_actor(), *month, sheet, today_local()
            )
            counts = {s: len(marked.names(s)) for s in ("paid", "late", "unpaid")}
            line = t(
                "dues.imported",
                year=marked.year,
                month=marked.month,
                unchanged=len(marked.unchanged),
                **counts,
            )
            told = notices(marked, operator())
            return [line], told, [c.name for c in marked.changed if c.deductions or c.reversed]

        print("\n".join(await with_notices(db, config_of(args), record)))
        return 0

    return with_database(args, work)
