"""``partybot evaluation template | import FILE | set``: the results of a democratic evaluation held
on paper ballots (民主测评): each member's per-item average and the number of raters."""

from __future__ import annotations

import argparse

from bot.cli.db import cli_actor, with_database
from bot.cli.ratings import by_option, import_file, write_template
from bot.i18n import t
from bot.services.common import Context
from bot.services.sheets import EVALUATION, SheetService
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "evaluation",
        help="民主测评结果 (纸质票): 模板、导入、录入",
        description="民主测评结果: 每名党员每项的平均分和测评人数。",
    )
    sub = parser.add_subparsers(dest="evaluation_command", metavar="ACTION", required=True)
    template = sub.add_parser("template", help="生成某年的民主测评结果表 (党员 × 测评人数、各项平均分)")
    template.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    template.add_argument("--year", type=int, required=True, help="年度, 如 2026")
    template.add_argument("--out", "-o", metavar="FILE", help="输出文件 (默认 民主测评-支部-年度.xlsx)")
    template.set_defaults(handler=_template)
    load = sub.add_parser(
        "import", help="导入填好的测评结果表; 有任何一格出错则什么都不导入, 同一文件只导入一次"
    )
    load.add_argument("file", metavar="FILE", help="测评结果表 .xlsx")
    load.add_argument("--branch", type=int, help="党支部编号 (默认取表格 说明 页写明的支部)")
    by_option(load)
    load.set_defaults(handler=lambda args: import_file(args, EVALUATION))
    put = sub.add_parser("set", help="录入一名党员一个项目的测评结果")
    put.add_argument("--branch", type=int, required=True, help="党支部编号")
    put.add_argument("--year", type=int, required=True, help="年度")
    put.add_argument("--member", required=True, help="党员姓名或编号")
    put.add_argument("--item", required=True, help="评分项目: 代码或名称, 如 political 或 政治坚定")
    put.add_argument("--average", type=float, required=True, help="平均分 (最多两位小数)")
    put.add_argument("--raters", type=int, required=True, help="测评人数")
    by_option(put)
    put.set_defaults(handler=_set)


def _template(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        made = await SheetService(ctx).evaluation_template(cli_actor(), args.branch, args.year)
        write_template(args, made.filename, made.data, made.members, made.items)
        return 0

    return with_database(args, work)


def _set(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        done = await SheetService(ctx).set_evaluation(
            cli_actor(), args.branch, args.year, args.member, args.item, args.average, args.raters, by=args.by
        )
        print(t("sheets.evaluation_set", name=done.member, item=done.item, average=f"{done.average:g}",
                raters=done.raters, id=done.evaluation_id))  # fmt: skip
        return 0

    return with_database(args, work)
