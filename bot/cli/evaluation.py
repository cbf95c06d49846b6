"""``partybot evaluation template | import FILE | set``: the results of a democratic evaluation held
on paper ballots (民主测评): each member's per-item average and the number of raters.

``partybot evaluation open | invite | status | close``: one held in the chat, anonymous
(``bot/services/evaluation.py``): opened with a deadline, codes for masses representatives, the
participation (counts and who has not voted, never a score), closed early."""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.db import cli_actor, with_database
from bot.cli.ledger import iso_day
from bot.cli.ratings import by_option, import_file, write_template
from bot.i18n import t
from bot.services.common import Context
from bot.services.evaluation import EvaluationService, Participation
from bot.services.sheets import EVALUATION, SheetService
from bot.storage import Database
from bot.storage.timeutil import to_local, utcnow


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "evaluation",
        help="民主测评: 聊天里无记名投票 (发起、测评码、情况、结束), 纸质票结果 (模板、导入、录入)",
        description="民主测评: 在聊天里无记名投票 (open/invite/status/close), 或录入纸质测评结果 (template/import/set)。",
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
    start = sub.add_parser(
        "open", help="发起聊天里的无记名民主测评: 党员和群众代表私聊机器人发「测评」逐人逐项打分"
    )
    start.add_argument("--branch", type=int, required=True, help="党支部编号")
    start.add_argument(
        "--deadline", type=iso_day, required=True, help="投票的最后一天 YYYY-MM-DD (当天 24 点结束)"
    )
    start.add_argument("--year", type=int, help="测评的年度 (默认今年)")
    start.set_defaults(handler=_open)
    invite = sub.add_parser("invite", help="为进行中的测评生成一次性测评码, 每个码给一位群众代表")
    invite.add_argument("--branch", type=int, required=True, help="党支部编号")
    invite.add_argument("--count", type=int, required=True, help="生成几个测评码, 如 10")
    invite.set_defaults(handler=_invite)
    status = sub.add_parser("status", help="投票情况: 人数和还没投票的党员 (看不到任何人的打分)")
    status.add_argument("--branch", type=int, required=True, help="党支部编号")
    status.set_defaults(handler=_status)
    close = sub.add_parser("close", help="提前结束进行中的测评 (到期后机器人会自动结束); 结果按方案计入积分")
    close.add_argument("--branch", type=int, required=True, help="党支部编号")
    close.set_defaults(handler=_close)


def _today() -> date:
    return to_local(utcnow()).date()


def _open(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        done = await EvaluationService(ctx).open(cli_actor(), args.branch, args.deadline, _today(), args.year)
        print(t("evaluation.cli.opened", id=done.evaluation_id, branch=done.branch, year=done.year,
                deadline=done.deadline.isoformat(), count=done.ratees, masses=done.masses_needed))  # fmt: skip
        return 0

    return with_database(args, work)


def _invite(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        invited = await EvaluationService(ctx).invite(cli_actor(), args.branch, args.count)
        print(t("evaluation.cli.codes", count=len(invited.codes)))
        print("\n".join(invited.codes))
        return 0

    return with_database(args, work)


def _status(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        _print(await EvaluationService(ctx).status(cli_actor(), args.branch))
        return 0

    return with_database(args, work)


def _close(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        _print(await EvaluationService(ctx).close(cli_actor(), args.branch))
        return 0

    return with_database(args, work)


def _print(p: Participation) -> None:
    state = "incomplete" if p.incomplete else "closed" if p.closed else "open"
    print(t("evaluation.cli.status", id=p.evaluation_id, branch=p.branch, year=p.year, deadline=p.deadline.isoformat(),
            state=t(f"evaluation.cli.state_{state}"), members_voted=p.members_voted, members=p.members,
            masses=p.masses_voted, least=p.masses_needed, issued=p.codes_issued, used=p.codes_used))  # fmt: skip
    print(t("evaluation.cli.not_voted", names="、".join(p.not_voted) or t("evaluation.card.nobody")))


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
