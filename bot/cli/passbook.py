"""``partybot passbook catalog|balance|redeem|cancel``: the red passbook (红色存折 / 积分兑换).

``catalog list|add|set|load`` keeps a branch's goods (points, value in yuan, stock; ``load`` takes
the config's ``[[passbook.goods]]``); ``balance`` prints a member's passbook; ``redeem`` records
a redemption at once, as at the counter (the same checks as the secretary's 确认兑换); ``cancel``
reverses one (the goods came back). The member is told privately where a chat platform runs.
"""

from __future__ import annotations

import argparse
import sys

from bot.app import load_catalog
from bot.cli.attendance import operator, with_notices
from bot.cli.db import cli_actor, config_of, with_database
from bot.handlers.cards import number
from bot.handlers.passbook import passbook_text
from bot.handlers.types import Reply, Send, ToMember
from bot.i18n import t
from bot.services.common import Context
from bot.services.passbook import Goods, GoodsSpec, PassbookService
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "passbook", help="红色存折 (积分兑换): 兑换目录、存折余额、登记兑换",
        description="红色存折: 党员用年度积分 (结果确定后计入, 与考核积分分开) 兑换物品。"
        " 兑换从不降低考核积分和等次; 每次兑换都记入只增不改的存折记录。",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="passbook_command", metavar="ACTION", required=True)
    catalog = sub.add_parser("catalog", help="兑换目录: list 查看, add 添加, set 修改, load 从配置文件载入")
    what = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    listing = what.add_parser("list", help="列出党支部的兑换物品 (积分、价值、库存)")
    _branch(listing)
    listing.add_argument("--all", action="store_true", help="连已下架的物品一起列出")
    listing.set_defaults(handler=_list)
    add = what.add_parser(
        "add", help="添加一件物品",
        description="价值每分不得高于方案的 yuan_per_point_max (base-incentive: 5 元), 否则拒绝并说明至少要标多少分。",
    )  # fmt: skip
    _branch(add)
    add.add_argument("name", metavar="NAME", help="物品名称, 如 洗衣液")
    add.add_argument("--points", type=float, required=True, help="兑换一件所需积分")
    add.add_argument("--yuan", type=float, required=True, help="一件的价值 (元)")
    add.add_argument("--stock", type=int, default=0, help="库存件数 (默认 0)")
    add.set_defaults(handler=_add)
    change = what.add_parser("set", help="修改一件物品的积分、价值或库存, 或下架/恢复")
    _branch(change)
    change.add_argument("name", metavar="NAME", help="物品名称")
    change.add_argument("--points", type=float, help="新的所需积分")
    change.add_argument("--yuan", type=float, help="新的价值 (元)")
    change.add_argument("--stock", type=int, help="新的库存件数 (补货后的总数)")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--withdraw", action="store_true", help="下架 (不再出现在目录中; 已有记录保留)")
    state.add_argument("--restore", action="store_true", help="重新上架")
    change.set_defaults(handler=_set)
    load = what.add_parser(
        "load", help="把配置文件 [[passbook.goods]] 载入数据库",
        description="新物品按配置的库存添加; 已有物品更新积分和价值, 库存以数据库为准 (用 set 修改)。全部成功才写入。",
    )  # fmt: skip
    load.add_argument("--branch", type=int, help="只载入这个党支部的物品 (默认: 配置中的全部党支部)")
    load.set_defaults(handler=_load)
    balance = sub.add_parser("balance", help="一名党员的存折: 余额、每年计入多少、兑换记录")
    _branch(balance)
    balance.add_argument("member", metavar="MEMBER", help="党员姓名、名册编号或编号 (id)")
    balance.set_defaults(handler=_balance)
    redeem = sub.add_parser(
        "redeem", help="为党员登记一次兑换 (如在支部当面兑换), 立即从存折扣分",
        description="与书记在聊天中确认兑换的检查相同: 余额、库存、每分价值上限; 党员会收到私信。",
    )  # fmt: skip
    _branch(redeem)
    redeem.add_argument("member", metavar="MEMBER", help="党员姓名、名册编号或编号 (id)")
    redeem.add_argument("goods", metavar="GOODS", help="物品名称")
    redeem.add_argument("--quantity", type=int, default=1, help="件数 (默认 1)")
    redeem.add_argument("--reason", default="", help="备注, 如 现场兑换")
    redeem.set_defaults(handler=_redeem)
    cancel = sub.add_parser(
        "cancel", help="冲销一次兑换 (物品退回): 写一条冲销记录, 库存退回",
        description="存折记录只增不改: 冲销是一条新的正数记录, 原记录保留。",
    )  # fmt: skip
    _branch(cancel)
    cancel.add_argument("entry", type=int, metavar="ENTRY", help="存折记录编号 (#, 见 balance)")
    cancel.add_argument("--reason", required=True, help="冲销理由, 如 物品退回")
    cancel.set_defaults(handler=_cancel)


def _branch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")


def _goods_line(key: str, goods: Goods, **extra: str) -> str:
    withdrawn = "" if goods.active else t("passbook.cli.withdrawn")
    return t(
        key, name=goods.name, points=number(goods.points), yuan=number(goods.yuan), stock=goods.stock,
        withdrawn=withdrawn, **extra,
    )  # fmt: skip


def _list(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        goods = await PassbookService(ctx).catalog(args.branch, withdrawn=args.all)
        print(
            "\n".join(_goods_line("passbook.cli.goods", g) for g in goods)
            or t("passbook.cli.empty", branch=args.branch)
        )
        return 0

    return with_database(args, work)


def _add(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        spec = GoodsSpec(args.name, args.points, args.yuan, args.stock)
        print(
            _goods_line(
                "passbook.cli.added", await PassbookService(ctx).add_goods(cli_actor(), args.branch, spec)
            )
        )
        return 0

    return with_database(args, work)


def _set(args: argparse.Namespace) -> int:
    active = True if args.restore else False if args.withdraw else None
    if (args.points, args.yuan, args.stock, active) == (None, None, None, None):
        print(t("passbook.cli.nothing_to_set"), file=sys.stderr)
        return 2

    async def work(_db: Database, ctx: Context) -> int:
        spec = GoodsSpec(args.name, args.points, args.yuan, args.stock, active)
        print(
            _goods_line(
                "passbook.cli.set", await PassbookService(ctx).set_goods(cli_actor(), args.branch, spec)
            )
        )
        return 0

    return with_database(args, work)


def _load(args: argparse.Namespace) -> int:
    configured = config_of(args).passbook.goods
    if args.branch is not None and not any(g.branch == args.branch for g in configured):
        print(t("passbook.cli.none_configured", branch=args.branch), file=sys.stderr)
        return 1

    async def work(_db: Database, ctx: Context) -> int:
        entries = [g for g in configured if args.branch is None or g.branch == args.branch]
        for word, _branch, goods in await load_catalog(ctx, entries, cli_actor()):
            print(_goods_line("passbook.cli.loaded", goods, word=t(f"passbook.cli.word.{word}")))
        return 0

    return with_database(args, work)


def _balance(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        print(passbook_text(await PassbookService(ctx).passbook(args.branch, args.member, cli_actor())))
        return 0

    return with_database(args, work)


def _redeem(args: argparse.Namespace) -> int:
    async def work(db: Database, ctx: Context) -> int:
        async def record() -> tuple[list[str], list[Reply], list[str]]:
            view = await PassbookService(ctx).redeem(
                args.branch, cli_actor(), args.member, args.goods, args.quantity, args.reason
            )
            params = {
                "goods": view.goods, "quantity": view.quantity, "points": number(view.points),
                "balance": number(view.balance),
            }  # fmt: skip
            line = t("passbook.cli.redeemed", member=view.member, **params)
            told = t("passbook.told.confirmed", id=view.id, by=operator(), **params)
            return [line], [Send(ToMember(view.member_id), told)], [view.member]

        print("\n".join(await with_notices(db, config_of(args), record)))
        return 0

    return with_database(args, work)


def _cancel(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        line = await PassbookService(ctx).cancel(args.branch, cli_actor(), args.entry, args.reason)
        print(t("passbook.cli.cancelled", of=line.reverses, id=line.id, points=f"+{number(line.points)}"))
        return 0

    return with_database(args, work)
