"""``partybot committee review open | status | close``: 述职评议 by anonymous ballot from the command
line (``bot/services/review.py``). Opening it tells the branch's group, through the bot, to rate
the secretary's report privately; status shows counts, never a ballot; close scores it now."""

from __future__ import annotations

import argparse
import uuid

from bot.channels.render import card_lines
from bot.cli.attendance import chat_platforms
from bot.cli.db import cli_actor, config_of, with_database
from bot.cli.ledger import iso_day
from bot.handlers.context import today_local
from bot.handlers.review import state_card
from bot.handlers.types import Send, ToGroup
from bot.i18n import t
from bot.services.common import Context
from bot.services.outbox import Outbox
from bot.services.review import ReviewService
from bot.storage import Database
from bot.storage.timeutil import utcnow


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "review",
        help="书记述职评议的无记名投票: 发起 (open)、参加人数 (status)、提前结束 (close)",
        description="镇党委为一个支部发起书记述职评议: 支部党员 (书记本人除外) 和镇党委工作人员私聊机器人发「述职评议」,"
        " 按 好 / 较好 / 一般 / 差 (100 / 80 / 60 / 40 分) 评价, 每人一票、提交前可改。到期后平均分记为该支部的述职评议分;"
        " 评议人数不足支部党员的一半则不计分, 并通知镇党委。",
    )
    actions = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    start = actions.add_parser("open", help="发起评议 (在支部群里通知党员私聊投票)")
    _branch(start)
    start.add_argument(
        "--deadline",
        type=iso_day,
        required=True,
        help="投票的最后一天 YYYY-MM-DD (当天 24 点结束)",
    )
    start.set_defaults(handler=_open)
    status = actions.add_parser("status", help="参加评议的人数 (看不到任何一张票); 结束后显示述职评议分")
    _branch(status)
    status.set_defaults(handler=_status)
    close = actions.add_parser("close", help="提前结束评议并计分 (到期后机器人会自动结束)")
    _branch(close)
    close.set_defaults(handler=_close)


def _branch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--committee", type=int, required=True, help="党委编号")
    parser.add_argument("--branch", required=True, help="党支部编号或名称")


def _open(args: argparse.Namespace) -> int:
    async def work(db: Database, ctx: Context) -> int:
        platforms = chat_platforms(config_of(args))
        async with db.uow() as uow:
            with uow.current():  # the opening and the group's notice in one transaction
                state = await ReviewService(ctx).open(
                    cli_actor(), args.committee, args.branch, args.deadline, today_local()
                )
                notice = t(
                    "review.opened_group", year=state.year, secretary=state.secretary, deadline=state.deadline
                )
                if platforms:
                    replies = [Send(ToGroup(state.branch_id), notice)]
                    await Outbox(platforms, "cli").write(
                        uow, f"cli:{uuid.uuid4().hex}", replies, None, utcnow()
                    )
                await uow.commit()
        print(t("review.opened", branch=state.branch, secretary=state.secretary, year=state.year,
                deadline=state.deadline, members=state.members, needed=state.needed))  # fmt: skip
        print(t("review.cli.told") if platforms else t("review.cli.not_told", notice=notice))
        return 0

    return with_database(args, work)


def _status(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        state = await ReviewService(ctx).status(cli_actor(), args.committee, args.branch)
        print("\n".join(card_lines(state_card(state))))
        return 0

    return with_database(args, work)


def _close(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        state = await ReviewService(ctx).close(cli_actor(), args.committee, args.branch)
        print("\n".join(card_lines(state_card(state))))
        return 0

    return with_database(args, work)
