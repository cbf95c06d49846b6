"""``partybot ratings template --branch ID --month YYYY-MM | import FILE``: the committee's monthly
ratings (支委会逐月逐项评分) as an Excel sheet. The sheet import is shared with ``partybot evaluation``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.db import cli_actor, with_database
from bot.i18n import t
from bot.services.common import Context
from bot.services.errors import Invalid
from bot.services.sheets import RATINGS, SheetService, describe
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "ratings", help="月度评分: 模板、导入", description="支委会逐月逐项评分 (评星方案, 如 star-hundred)。"
    )
    sub = parser.add_subparsers(dest="ratings_command", metavar="ACTION", required=True)
    template = sub.add_parser("template", help="生成某月的评分表 (党员 × 评分项目, 免于积分的党员不列)")
    template.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    template.add_argument("--month", required=True, metavar="YYYY-MM", help="评分月份, 如 2026-03")
    template.add_argument("--out", "-o", metavar="FILE", help="输出文件 (默认 月度评分-支部-月份.xlsx)")
    template.set_defaults(handler=_template)
    load = sub.add_parser("import", help="导入填好的评分表; 有任何一格出错则什么都不导入, 同一文件只导入一次")
    load.add_argument("file", metavar="FILE", help="评分表 .xlsx")
    load.add_argument("--branch", type=int, help="党支部编号 (默认取表格 说明 页写明的支部)")
    by_option(load)
    load.set_defaults(handler=lambda args: import_file(args, RATINGS))


def by_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by", metavar="MEMBER", help="代哪名党员录入 (姓名或编号; 须有方案允许的角色), 记为评分人/录入人"
    )


def month_of(text: str) -> tuple[int, int]:
    year, _, month = text.partition("-")
    if not (year.isdigit() and month.isdigit()):
        raise Invalid("sheets.bad_month", month=text)
    return int(year), int(month)


def write_template(args: argparse.Namespace, name: str, data: bytes, members: int, items: int) -> None:
    path = Path(args.out or name)
    path.write_bytes(data)
    print(t("sheets.template_written", path=path, members=members, items=items))


def _template(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        year, month = month_of(args.month)
        made = await SheetService(ctx).ratings_template(cli_actor(), args.branch, year, month)
        write_template(args, made.filename, made.data, made.members, made.items)
        return 0

    return with_database(args, work)


def import_file(args: argparse.Namespace, kind: str) -> int:
    """Import a ratings or evaluation sheet named on the command line; print what it did or every error."""
    path = Path(args.file)
    if not path.is_file():
        print(t("cli.file_missing", path=path), file=sys.stderr)
        return 1

    async def work(_db: Database, ctx: Context) -> int:
        service = SheetService(ctx)
        result = await service.import_sheet(
            cli_actor(), path.read_bytes(), path.name, branch_id=args.branch, kind=kind, by=args.by
        )
        for line in describe(result):
            print(line)
        return 0

    return with_database(args, work)
