"""``partybot committee``: the township committee's branch star rating (党支部评星定级) from the
command line: ``score`` an area, an item or the report evaluation, ``result`` (the table, or an
.xlsx with ``--out``), ``template`` and ``import`` for the Excel sheet, ``set`` the scheme the
committee rates with and the day from which it is told what is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.channels.render import card_lines
from bot.cli import review
from bot.cli.db import cli_actor, with_database
from bot.cli.sheet_rows import sheet_rows, write_template
from bot.handlers.committee import card, report_text, scored_text
from bot.handlers.context import today_local
from bot.i18n import t
from bot.services.committee import SHEET_HEADINGS, SHEET_TITLE, CommitteeService, rating_year, result_workbook
from bot.services.common import Context
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "committee",
        help="镇党委: 党支部评星定级 (评分、结果、表格导入)",
        description="镇党委为所属党支部评星定级: 六个方面、加减分项、书记述职评议; 结果、五星比例、整顿名单与县级抽查名单。",
    )
    sub = parser.add_subparsers(dest="committee_command", metavar="ACTION", required=True)
    score = sub.add_parser(
        "score",
        help="给一个支部打分: --area 方面, --bonus/--deduction 加减分项 (须 --reason), 或 --evaluation 述职评议",
        description="再打一次同一项则取代前一次 (原记录保留); 加减分项记 0 分即撤销。不带分值只显示该支部的评分卡。",
    )
    _common(score)
    score.add_argument("--branch", required=True, help="党支部编号或名称")
    what = score.add_mutually_exclusive_group()
    what.add_argument("--area", help="方面代码或名称, 如 leadership 或 班子建设")
    what.add_argument("--bonus", metavar="ITEM", help="加分项代码或名称, 如 county_award")
    what.add_argument("--deduction", metavar="ITEM", help="减分项代码或名称, 如 major_failure (分值写正数)")
    what.add_argument("--evaluation", action="store_true", help="书记述职评议 (百分制)")
    score.add_argument("--points", type=float, help="分值")
    score.add_argument("--reason", default="", help="加减分项的理由 (记入记录)")
    score.set_defaults(handler=_score)
    result = sub.add_parser("result", help="评定结果: 总表、五星比例、二星级及以下整顿名单、县级抽查名单")
    _common(result)
    result.add_argument("--out", metavar="FILE", help="另存为 Excel 文件 (.xlsx)")
    result.set_defaults(handler=_result)
    template = sub.add_parser("template", help="生成评分表 (每个支部的六个方面和述职评议, 加减分项另起一行)")
    template.add_argument("--committee", type=int, required=True, help="党委编号")
    template.add_argument("--out", metavar="FILE", help="输出文件 (.xlsx 或 .csv), 默认 评星定级.xlsx")
    template.set_defaults(handler=_template)
    load = sub.add_parser("import", help="导入填好的评分表; 有任何一格出错则什么都不导入, 同一文件只导入一次")
    load.add_argument("file", help="填好的 .xlsx 或 .csv")
    _common(load)
    load.set_defaults(handler=_import)
    put = sub.add_parser("set", help="本党委的设置: 评星定级方案 (默认 branch-star), 缺项提醒日期")
    put.add_argument("--committee", type=int, required=True, help="党委编号")
    put.add_argument("--scheme", help="方案 id 或文件, 如 branch-star 或 my-town.toml (可用 extends)")
    put.add_argument(
        "--deadline", metavar="MM-DD", help="次年此日起, 向党委提示哪些支部尚未评完 (默认 01-31)"
    )
    put.set_defaults(handler=_set)
    listing = sub.add_parser("list", help="列出各党委 (编号、名称、所属支部数、评星定级方案)")
    listing.set_defaults(handler=_list)
    review.register(sub)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--committee", type=int, required=True, help="党委编号")
    parser.add_argument("--year", type=int, help="年度 (默认: 上半年为上一年度, 下半年为本年度)")


def _year(args: argparse.Namespace) -> int:
    return int(args.year) if args.year is not None else rating_year(today_local())


def _score(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        service, year, actor = CommitteeService(ctx), _year(args), cli_actor()
        if args.points is None:
            if args.area or args.bonus or args.deduction or args.evaluation:
                print(t("cm.usage_points", word=""), file=sys.stderr)
                return 2
            print("\n".join(card_lines(card(await service.sheet(actor, args.committee, args.branch, year)))))
            return 0
        if args.area:
            done = await service.score_area(actor, args.committee, args.branch, year, args.area, args.points)
        elif args.bonus or args.deduction:
            item = args.bonus or args.deduction
            done = await service.score_item(
                actor, args.committee, args.branch, year, item, args.points, args.reason
            )
        elif args.evaluation:
            done = await service.score_evaluation(actor, args.committee, args.branch, year, args.points)
        else:
            print(t("cm.usage"), file=sys.stderr)
            return 2
        print("\n".join(card_lines(card(done.sheet, scored_text(done)))))
        return 0

    return with_database(args, work)


def _result(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        report = await CommitteeService(ctx).result(cli_actor(), args.committee, _year(args))
        print(report_text(report))
        if args.out:
            Path(args.out).write_bytes(result_workbook(report))
            print(t("cm.cli.written", path=args.out))
        return 0

    return with_database(args, work)


def _template(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        _name, rows = await CommitteeService(ctx).template_rows(cli_actor(), args.committee)
        path = Path(args.out or "评星定级.xlsx")
        write_template(path, SHEET_TITLE, SHEET_HEADINGS, rows)
        print(t("cm.cli.written", path=path))
        return 0

    return with_database(args, work)


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(t("cli.file_missing", path=path), file=sys.stderr)
        return 1

    async def work(_db: Database, ctx: Context) -> int:
        count = await CommitteeService(ctx).import_sheet(
            cli_actor(), args.committee, _year(args), sheet_rows(path)
        )
        print(t("cm.cli.imported", count=count))
        return 0

    return with_database(args, work)


def _set(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        scheme, deadline = await CommitteeService(ctx).configure(
            cli_actor(), args.committee, args.scheme, args.deadline
        )
        print(t("cm.cli.settings", committee=args.committee, scheme=scheme, deadline=deadline))
        return 0

    return with_database(args, work)


def _list(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        for row in await CommitteeService(ctx).committees():
            print(t("cm.cli.list_line", id=row[0], name=row[1], branches=row[2], scheme=row[3]))
        return 0

    return with_database(args, work)
