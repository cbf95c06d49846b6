"""``partybot roster template | import FILE --branch ID``."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bot.cli.db import cli_actor, config_of, with_database
from bot.cli.progress import progress_bar
from bot.i18n import t
from bot.services.common import Context, SchemeCache
from bot.services.roster import COLUMNS, allowed_values, import_roster, template_rows
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "roster", help="党员名册: 模板、导入", description="党员名册 (Excel 或 CSV)。"
    )
    sub = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    template = sub.add_parser("template", help="生成名册模板")
    template.add_argument("--format", choices=["csv", "xlsx"], default="xlsx", help="模板格式 (默认 xlsx)")
    template.add_argument("-o", "--output", metavar="FILE", help="输出文件 (默认 名册模板.xlsx / .csv)")
    template.add_argument(
        "--scheme",
        help="列出哪个积分方案的人员类别 (默认取配置 [bot] default_scheme); xlsx 的第二页列出每列可填的值",
    )
    template.set_defaults(handler=_template)
    load = sub.add_parser("import", help="导入名册; 有任何一行出错则什么都不导入")
    load.add_argument("file", metavar="FILE", help="名册文件 .xlsx 或 .csv")
    load.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    load.set_defaults(handler=_import)


def _template(args: argparse.Namespace) -> int:
    path = Path(args.output or f"名册模板.{args.format}")
    config = config_of(args)
    scheme = SchemeCache(dirs=config.bot.scheme_dirs)(args.scheme or config.bot.default_scheme)
    if args.format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(template_rows())
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "党员名册"
        for row in template_rows():  # the header and one example row
            sheet.append(row)
        allowed = book.create_sheet(t("newuser.roster.allowed_sheet"))
        for row in allowed_values(scheme):
            allowed.append(row)
        # 编号 and 手机号 as text, so that Excel keeps 001 and long numbers as typed
        for name in ("编号", "手机号"):
            column = sheet.cell(row=1, column=COLUMNS.index(name) + 1).column_letter
            sheet.column_dimensions[column].number_format = "@"
        book.save(path)
    print(t("roster.template_written", path=path))
    return 0


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(t("cli.file_missing", path=path), file=sys.stderr)
        return 1

    async def work(_db: Database, ctx: Context) -> int:
        with progress_bar(t("roster.progress")) as step:
            result = await import_roster(ctx, args.branch, path, cli_actor(), step)
        for note in result.skipped:
            print(note)
        print(t("roster.imported", added=result.added, branch=args.branch, skipped=len(result.skipped)))
        return 0

    return with_database(args, work)
