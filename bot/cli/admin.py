"""``partybot branch add|list|set|invite`` and ``partybot member add|list|exempt|role|invite``."""

from __future__ import annotations

import argparse
import sys
from typing import TypeAlias

from bot.cli import invite
from bot.cli.db import cli_actor, config_of, with_database
from bot.i18n import t
from bot.scoring.text import table
from bot.services.admin import AdminService, NewMember, parse_day
from bot.services.common import Context
from bot.storage import Database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Sub) -> None:
    branch = commands.add_parser(
        "branch", help="党支部: 添加、列出、设置、群绑定码", description="党支部管理。"
    )
    bsub = branch.add_subparsers(dest="branch_command", metavar="ACTION", required=True)
    add = bsub.add_parser("add", help="添加党支部")
    add.add_argument("name", metavar="NAME", help="党支部名称")
    add.add_argument(
        "--scheme",
        help="积分方案 id、方案文件或方案目录中的方案名 (见 scheme list; 默认取配置 [bot] default_scheme)",
    )
    add.add_argument("--committee", metavar="NAME", help="所属党委 (镇党委) 名称, 不存在则新建")
    add.set_defaults(handler=_branch_add)
    bsub.add_parser("list", help="列出全部党支部").set_defaults(handler=_branch_list)
    settings = bsub.add_parser("set", help="支部设置: 审核卡片发到群里还是私信审核人; 是否开放排行")
    settings.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号 (见 branch list)")
    settings.add_argument(
        "--approvals",
        choices=["group", "private"],
        help="审核卡片发到群里 (group, 默认) 或私信审核人 (private)",
    )
    settings.add_argument(
        "--rank", choices=["on", "off"], help="是否允许党员用 /rank (排行) 查看排名 (默认 off)"
    )
    settings.add_argument(
        "--online", choices=["on", "off"], help="流动党员能否在签到时选择 “线上参加” (默认 on)"
    )
    settings.add_argument(
        "--confirm-records", choices=["on", "off"],
        help="支部核定: 积分员记录的积分须经支部书记确认后才记入台账 (默认 off)",
    )  # fmt: skip
    settings.set_defaults(handler=_branch_set)
    invite.register_branch(bsub)
    _register_member(commands)


def _register_member(commands: Sub) -> None:
    member = commands.add_parser(
        "member", help="党员: 添加、列出、免于积分、角色、邀请码", description="党员管理。"
    )
    msub = member.add_subparsers(dest="member_command", metavar="ACTION", required=True)
    add = msub.add_parser("add", help="添加一名党员")
    add.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    add.add_argument("name", metavar="NAME", help="姓名")
    add.add_argument("--code", help="名册编号")
    add.add_argument("--category", default="", help="人员类别代码, 如 rural / community")
    add.add_argument("--migrant", action="store_true", help="流动党员")
    add.add_argument("--joined", help="入党/转入日期 YYYY-MM-DD")
    add.add_argument("--phone", help="手机号")
    add.set_defaults(handler=_member_add)
    listing = msub.add_parser("list", help="列出党支部的党员")
    listing.add_argument("--branch", type=int, required=True, help="党支部编号")
    listing.set_defaults(handler=_member_list)
    exempt = msub.add_parser("exempt", help="设为免于积分 (记入审计日志)")
    exempt.add_argument("--branch", type=int, required=True, help="党支部编号")
    exempt.add_argument("member", metavar="MEMBER", help="党员编号、名册编号或姓名")
    exempt.add_argument("--reason", default="", help="原因 (必填, 记入审计日志), 如 年老体弱、长期患病")
    exempt.set_defaults(handler=_member_exempt)
    role = msub.add_parser(
        "role", help="授予或收回角色: secretary 支部书记, recorder 积分员/组织委员, committee 镇党委"
    )
    role.add_argument("--branch", type=int, required=True, help="党支部编号")
    role.add_argument("member", metavar="MEMBER", help="党员编号、名册编号或姓名")
    role.add_argument("role", choices=["secretary", "recorder", "committee"], help="角色")
    role.add_argument("--revoke", action="store_true", help="收回该角色")
    role.set_defaults(handler=_member_role)
    invite.register_member(msub)


def _branch_add(args: argparse.Namespace) -> int:
    scheme = (args.scheme or config_of(args).bot.default_scheme).strip()
    if not scheme:
        print(t("newuser.scheme_needed"), file=sys.stderr)
        return 2

    async def work(_db: Database, ctx: Context) -> int:
        added = await AdminService(ctx).add_branch(cli_actor(), args.name, scheme, args.committee)
        print(t("admin.branch_added", id=added.id, name=added.name, scheme=added.scheme_id))
        return 0

    return with_database(args, work)


def _branch_list(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        rows = [
            [str(b.id), b.name, b.scheme, str(b.members)]
            for b in await AdminService(ctx).branches(cli_actor())
        ]
        print(table(["编号", "名称", "方案", "党员数"], rows) if rows else t("admin.no_branches"))
        return 0

    return with_database(args, work)


def _branch_set(args: argparse.Namespace) -> int:
    asked = {
        "approvals": args.approvals, "rank": args.rank, "online": args.online,
        "confirm_records": args.confirm_records,
    }  # fmt: skip
    changes = {key: value for key, value in asked.items() if value is not None}

    async def work(_db: Database, ctx: Context) -> int:
        view = await AdminService(ctx).settings(cli_actor(), args.branch, changes)
        s = view.settings
        shown = t(f"admin.approvals_{s.approvals}")
        rank, online, confirm = (
            t("newuser.on" if on else "newuser.off") for on in (s.rank, s.online, s.confirm_records)
        )
        print(
            t(
                "admin.branch_settings",
                name=view.name,
                approvals=shown,
                rank=rank,
                online=online,
                confirm=confirm,
            )
        )
        return 0

    return with_database(args, work)


def _member_add(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        new = NewMember(
            name=args.name,
            code=args.code,
            category=args.category,
            migrant=args.migrant,
            joined=parse_day(args.joined),
            phone=args.phone,
        )
        member = await AdminService(ctx).add_member(cli_actor(), args.branch, new)
        print(t("admin.member_added", id=member.id, name=member.name, branch=member.branch_id))
        return 0

    return with_database(args, work)


def _member_list(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        members = await AdminService(ctx).members(cli_actor(), args.branch)
        rows = [
            [
                str(m.id),
                m.code or "",
                m.name,
                m.category,
                "是" if m.migrant else "",
                "免于积分" if m.exempt else "",
                str(m.joined or ""),
            ]
            for m in members
        ]
        header = ["编号", "名册编号", "姓名", "类别", "流动", "免于积分", "入党/转入"]
        print(table(header, rows) if rows else t("admin.no_members", branch=args.branch))
        return 0

    return with_database(args, work)


def _member_exempt(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        member = await AdminService(ctx).set_exempt(cli_actor(), args.branch, args.member, args.reason)
        print(t("admin.member_exempted", id=member.id, name=member.name, reason=args.reason.strip()))
        return 0

    return with_database(args, work)


def _member_role(args: argparse.Namespace) -> int:
    async def work(_db: Database, ctx: Context) -> int:
        change = await AdminService(ctx).set_role(
            cli_actor(), args.branch, args.member, args.role, revoke=args.revoke
        )
        if change.changed:
            key = "admin.role_granted" if change.grant else "admin.role_revoked"
        else:
            key = "admin.role_already" if change.grant else "admin.role_not_held"
        print(t(key, name=change.name, role=t(f"role.{change.role}")))
        return 0

    return with_database(args, work)
