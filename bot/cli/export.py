"""``partybot export card|ledger|publicity|annual|committee``: the Excel files a branch files with
the township (the same files as 导出 in a private chat), written to a file. A branch's files for
every branch of a committee at once (``--committee``) go to a folder, one file per branch, with a
progress bar; so does the committee's roll-up while it reads its branches."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.db import cli_actor, with_database
from bot.cli.progress import progress_bar
from bot.i18n import t
from bot.services.common import Context
from bot.services.errors import Invalid, NotFound
from bot.services.ledger import LedgerService
from bot.services.reports import Export, ExportRequest, ReportService
from bot.storage import Database
from bot.storage.reports import committee as committee_of
from bot.storage.timeutil import to_local, utcnow

HELP = {
    "card": "党员积分卡 (积分登记表): 每名党员一页, 逐月逐项, 基础分、加分、扣分和全年合计",
    "ledger": "积分台账: 全年每一条记录 (日期、积分项、分值、记录/审核人、来源), 冲正记录列在被冲正的记录下面",
    "publicity": "公示栏: 一期 (月/季度/半年/年度) 每名党员的本期得分、年度累计、等次或星级、季度之星/年度之星",
    "annual": "党员年度综合得分登记表: 全支部党员全年得分、各季度、等次、排名, 供党委存档",
    "committee": "全镇汇总表: 各党支部党员数、平均分、等次分布、按时公示、待审核申报、支部星级",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "export", help="导出 Excel 表格: 党员积分卡、台账、公示栏、年度综合得分登记表、全镇汇总表",
        description="按纸质表格的样式导出 Excel 文件 (中文表头、冻结表头、A4 打印)。"
        "与群聊中私聊机器人发送 “导出” 得到的文件相同。",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    for kind, text in HELP.items():
        one = sub.add_parser(kind, help=text, description=text)
        if kind == "committee":
            one.add_argument("--committee", required=True, help="镇党委的名称或编号 (见 branch list)")
        else:
            where = one.add_mutually_exclusive_group(required=True)
            where.add_argument("--branch", type=int, help="党支部编号 (见 branch list)")
            where.add_argument("--committee", help="镇党委的名称或编号: 为其下每个党支部各导出一个文件")
        one.add_argument("--year", type=int, help="年度 (默认今年; 年度未结束时为截至今天的得分)")
        if kind == "publicity":
            one.add_argument("--period", help="期间: 2026-11 (月)、2026-Q3 (季度)、2026-H1 (半年) 或 2026 (年度); "
                             "默认最近一次公示")  # fmt: skip
        if kind == "card":
            one.add_argument("--member", help="只导出一名党员 (党员编号、名册编号或姓名); 默认全支部每人一页")
        one.add_argument("-o", "--out", metavar="FILE",
                         help="写到哪个文件 (默认当前目录下的中文文件名); 用 --committee 时为文件夹")  # fmt: skip
        one.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        today = to_local(utcnow()).date()
        year = args.year or today.year
        service = ReportService(ctx)
        period = getattr(args, "period", None)
        if args.export_kind == "committee":
            with progress_bar(t("export.cli_progress")) as step:
                made = await service.export(
                    ExportRequest("committee", year, today, committee=args.committee), cli_actor(), step
                )
            _write(made, Path(args.out) if args.out else Path(made.name))
            return 0
        if args.branch is not None:
            member = None
            if getattr(args, "member", None):
                member = (await LedgerService(ctx).member_ids(args.branch, [args.member]))[0]
            request = ExportRequest(
                args.export_kind, year, today, args.branch, member_id=member, period=period
            )
            made = await service.export(request, cli_actor())
            _write(made, Path(args.out) if args.out else Path(made.name))
            return 0
        async with ctx.uow(read_only=True) as uow:
            found = await committee_of(uow, args.committee)
            if found is None:
                raise NotFound("export.unknown_committee", committee=args.committee)
            branches = [(b.id, b.name) for b in await uow.branches.list(found.id)]
        folder = Path(args.out or ".")
        folder.mkdir(parents=True, exist_ok=True)
        with progress_bar(t("export.cli_progress")) as step:
            for n, (branch, name) in enumerate(branches):
                step(n, len(branches), name)
                request = ExportRequest(args.export_kind, year, today, branch, period=period)
                try:
                    _write(await service.export(request, cli_actor()), folder)
                except (
                    Invalid
                ) as exc:  # a branch of another kind (scored as a branch): said, and the rest go on
                    print(f"{name}: {exc}", file=sys.stderr)
            step(len(branches), len(branches), "")
        return 0

    return with_database(args, work)


def _write(made: Export, path: Path) -> None:
    """Write the file (into ``path`` when it is a folder) and say where, with what it holds."""
    if path.is_dir() or str(path).endswith(("/", "\\")):
        path = path / made.name
    path.write_bytes(made.data)
    print(t("export.cli_done", path=path, count=t(f"export.count.{made.kind}", count=made.count)))
