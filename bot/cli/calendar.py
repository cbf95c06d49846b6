"""``partybot calendar show|set|reopen|meeting``: a branch's publicity calendar (公示) from the command
line, the same as ``/calendar`` (日程) and ``重新开放`` in the chat. The operator acts with every
role; a reopening is recorded in the audit log under ``cli:<operator>``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from bot.channels.render import text_of
from bot.cli.db import cli_actor, with_database
from bot.handlers.publicity import calendar_card, period_label, reminders_field
from bot.handlers.types import Card
from bot.i18n import t
from bot.scoring.model import MEETING_TYPES
from bot.services.admin import AdminService
from bot.services.common import Context, branch_of
from bot.services.evaluation import EvaluationService
from bot.services.policy import settings_of
from bot.services.publicity import PublicityService, period_of_key
from bot.services.schedule import ScheduleService
from bot.storage import Database
from bot.storage.timeutil import local_zone, show, utcnow


def _period(text: str) -> str:
    try:
        return period_of_key(text).key
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(
            f"期间应写成 2026-11、2026-Q3、2026-H1 或 2026, 收到 “{text}”"
        ) from None


def _moment(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=local_zone())
    except ValueError:
        raise argparse.ArgumentTypeError(f'时间应写成 "2026-03-15 19:00", 收到 “{text}”') from None


def _count(high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) > high:
            raise argparse.ArgumentTypeError(f"应为 0 到 {high} 之间的整数 (0 关闭提醒), 收到 “{text}”")
        return int(text)

    return parse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "calendar", help="支部日程: 公示期、异议与结果确定",
        description="支部日程: 按方案的 [publicity] 每期公示积分结果 (公示期内可提异议), 期满且异议处理完毕后结果确定。",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    showing = sub.add_parser("show", help="查看支部的公示安排和最近的公示")
    showing.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号 (见 branch list)")
    showing.set_defaults(handler=_show)
    setting = sub.add_parser("set", help="群内公示的内容")
    setting.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号")
    setting.add_argument(
        "--publicity", choices=["notice", "grades", "scores"],
        help="notice (默认): 群里只通知已公示, 个人得分私信本人; grades: 群里列出每人等次/星级; "
             "scores: 群里列出每人得分 (branch set --rank on 时带名次)",
    )  # fmt: skip
    setting.add_argument(
        "--theme-day",
        type=int,
        metavar="DAY",
        help="主题党日是每月几日 (1-28; 0 关闭提醒): 前一天 18:00 和当天 8:00 在群里提醒",
    )
    setting.add_argument(
        "--dues-day", type=_count(28), metavar="DAY", help="每月几日提醒交纳党费 (1-28; 0 关闭)"
    )
    setting.add_argument(
        "--pending-days",
        type=int,
        metavar="DAYS",
        help="申报等待审核超过几天时每天早上私信提醒审核人 (0 关闭)",
    )
    setting.add_argument("--review-alerts", choices=["on", "off"],
                         help="连续6个月未参加组织生活或未交党费时, 每月1日私信提醒书记 (自行脱党审查; 默认 on)")  # fmt: skip
    setting.add_argument("--returns-alerts", choices=["on", "off"],
                         help="每年10月1日私信提醒书记: 回村(居)参加组织生活不足方案要求次数的流动党员 (默认 on)")  # fmt: skip
    setting.add_argument("--followup-alerts", choices=["on", "off"],
                         help="年度结果确定后私信提醒书记: 告诫满6个月、限期整改满1年 (star-hundred), "
                              "连续两个周期低于60分 (pioneer-index) (默认 on)")  # fmt: skip
    setting.set_defaults(handler=_set)
    reopen = sub.add_parser("reopen", help="重新开放已确定的期间 (记入操作日志)")
    reopen.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号")
    reopen.add_argument(
        "period", type=_period, metavar="PERIOD", help="期间, 如 2026-11、2026-Q3、2026-H1、2026"
    )
    reopen.add_argument("--reason", required=True, help="理由 (必填, 记入操作日志)")
    reopen.set_defaults(handler=_reopen)
    meeting = sub.add_parser("meeting", help="安排一次会议: 前一天 18:00 和开会前 2 小时在群里提醒")
    meeting.add_argument("--branch", type=int, required=True, metavar="BRANCH", help="党支部编号")
    meeting.add_argument("--type", required=True, choices=sorted(MEETING_TYPES), dest="kind",
                         help="会议类型: " + ", ".join(f"{k} ({v})" for k, v in MEETING_TYPES.items()))  # fmt: skip
    meeting.add_argument(
        "--at", required=True, type=_moment, metavar="TIME", help='开始时间, 如 "2026-03-15 19:00"'
    )
    meeting.set_defaults(handler=_meeting)


def _show(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        async with ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, args.branch)
        windows = await PublicityService(ctx).windows(branch.id)
        rules = ctx.schemes(branch.scheme).publicity
        meetings = await ScheduleService(ctx).upcoming(branch.id, utcnow())
        evaluation = await EvaluationService(ctx).running(branch.id)
        card = calendar_card(branch.name, rules, windows, utcnow(), settings_of(branch), meetings, evaluation)
        print(text_of(card))
        return 0

    return with_database(args, work)


def _set(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        asked = {"publicity": args.publicity, "theme_day": args.theme_day, "dues_day": args.dues_day,
                 "pending_days": args.pending_days}  # fmt: skip
        changes: dict[str, object] = {k: (None if v == 0 else v) for k, v in asked.items() if v is not None}
        if args.review_alerts is not None:
            changes["review_alerts"] = args.review_alerts == "on"
        for switch in ("returns_alerts", "followup_alerts"):
            if getattr(args, switch) is not None:
                changes[switch] = getattr(args, switch) == "on"
        view = await AdminService(ctx).settings(cli_actor(), args.branch, changes)
        print(t("pub.cli_set", name=view.name, show=t(f"pub.show.{view.settings.publicity}")))
        print(text_of(Card("", (reminders_field(view.settings),))).strip())
        return 0

    return with_database(args, work)


def _reopen(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        window = await PublicityService(ctx).reopen(
            cli_actor(), args.branch, args.period, args.reason, utcnow()
        )
        print(t("pub.reopened", period=period_label(window.period), time=show(window.closes_at)))
        return 0

    return with_database(args, work)


def _meeting(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        meeting = await ScheduleService(ctx).schedule(cli_actor(), args.branch, args.kind, args.at, utcnow())
        print(t("sched.done", name=meeting.title, time=show(meeting.at)))
        return 0

    return with_database(args, work)
