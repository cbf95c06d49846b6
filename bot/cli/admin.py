"""``partybot branch add|list|set|invite`` and ``partybot member add|list|exempt|role|invite``."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TypeAlias

from bot.cli import invite
from bot.cli.db import CLI_ACTOR, with_database
from bot.i18n import t
from bot.scoring.loader import load_scheme
from bot.scoring.text import table
from bot.services.common import Context, approvals_mode, branch_of
from bot.services.errors import Invalid, NotFound
from bot.services.meetings import online_allowed
from bot.storage import Database
from bot.storage.schema import MemberRow

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Sub) -> None:
    branch = commands.add_parser("branch", help="党支部: 添加、列出、设置、群绑定码", description="党支部管理。")
    bsub = branch.add_subparsers(dest="branch_command", metavar="ACTION", required=True)
    add = bsub.add_parser("add", help="添加党支部")
    add.add_argument("name", metavar="NAME", help="党支部名称")
    add.add_argument("--scheme", required=True, help="积分方案 id 或方案文件 (见 scheme list)")
    add.add_argument("--committee", metavar="NAME", help="所属党委 (镇党委) 名称, 不存在则新建")
    add.set_defaults(handler=_branch_add)
    bsub.add_parser("list", help="列出全部党支部").set_defaults(handler=_branch_list)
    settings = bsub.add_parser("set", help="支部设置: 审核卡片发到群里还是私信审核人; 是否开放排行")
    settings.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号 (见 branch list)")
    settings.add_argument(
        "--approvals", choices=["group", "private"], help="审核卡片发到群里 (group, 默认) 或私信审核人 (private)"
    )
    settings.add_argument("--rank", choices=["on", "off"], help="是否允许党员用 /rank (排行) 查看排名 (默认 off)")
    settings.add_argument(
        "--online", choices=["on", "off"], help="流动党员能否在签到时选择 “线上参加” (默认 on)"
    )
    settings.set_defaults(handler=_branch_set)
    invite.register_branch(bsub)
    _register_member(commands)


def _register_member(commands: Sub) -> None:
    member = commands.add_parser("member", help="党员: 添加、列出、免于积分、角色、邀请码", description="党员管理。")
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
    role = msub.add_parser("role", help="授予或收回角色: secretary 支部书记, recorder 积分员/组织委员, committee 镇党委")
    role.add_argument("--branch", type=int, required=True, help="党支部编号")
    role.add_argument("member", metavar="MEMBER", help="党员编号、名册编号或姓名")
    role.add_argument("role", choices=["secretary", "recorder", "committee"], help="角色")
    role.add_argument("--revoke", action="store_true", help="收回该角色")
    role.set_defaults(handler=_member_role)
    invite.register_member(msub)


def _branch_add(args: argparse.Namespace) -> int:
    scheme = load_scheme(args.scheme)  # refuse an unknown scheme before writing anything

    async def work(db: Database, _ctx: Context) -> int:
        async with db.uow() as uow:
            committee = await uow.branches.committee(args.committee, create=True) if args.committee else None
            branch = await uow.branches.add(args.name, args.scheme, committee.id if committee else None)
            await uow.audit.record(CLI_ACTOR.label, "branch.add", branch_id=branch.id, subject=args.name)
            await uow.commit()
        print(t("admin.branch_added", id=branch.id, name=branch.name, scheme=scheme.id))
        return 0

    return with_database(args, work)


def _branch_list(args: argparse.Namespace) -> int:
    async def work(db: Database, _ctx: Context) -> int:
        async with db.uow() as uow:
            rows = [
                [str(b.id), b.name, b.scheme, str(await uow.members.count(b.id))]
                for b in await uow.branches.list()
            ]
        print(table(["编号", "名称", "方案", "党员数"], rows) if rows else t("admin.no_branches"))
        return 0

    return with_database(args, work)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Invalid("admin.bad_date", value=value) from None


def _member_add(args: argparse.Namespace) -> int:
    async def work(db: Database, ctx: Context) -> int:
        async with db.uow() as uow:
            branch = await branch_of(uow, args.branch)
            categories = ctx.schemes(branch.scheme).categories
            if args.category and args.category not in categories:
                raise Invalid("roster.bad_category", value=args.category, known="/".join(categories) or "-")
            same = await uow.members.on_roster(branch.id, args.code, args.name) if args.code else None
            if same is not None:  # 编号 is unique in a branch: say so instead of failing in the database
                raise Invalid("roster.exists", name=same.name, code=args.code, id=same.id)
            row = MemberRow(
                branch_id=args.branch,
                name=args.name,
                code=args.code,
                category=args.category,
                migrant=args.migrant,
                joined=_day(args.joined),
                phone=args.phone,
            )
            await uow.members.add(row)
            await uow.commit()
        print(t("admin.member_added", id=row.id, name=row.name, branch=args.branch))
        return 0

    return with_database(args, work)


def _member_list(args: argparse.Namespace) -> int:
    async def work(db: Database, _ctx: Context) -> int:
        async with db.uow() as uow:
            await branch_of(uow, args.branch)
            members = await uow.members.list(args.branch)
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
    async def work(db: Database, _ctx: Context) -> int:
        if not args.reason.strip():  # every exemption says why, in the audit log
            raise Invalid("ledger.reason_required")
        async with db.uow() as uow:
            await branch_of(uow, args.branch)
            member = await uow.members.find(args.branch, args.member)
            if member is None:
                raise NotFound("store.unknown_member", member=args.member, branch=args.branch)
            await uow.members.set_exempt(member.id, True)
            await uow.audit.record(
                CLI_ACTOR.label,
                "member.exempt",
                branch_id=args.branch,
                subject=str(member.id),
                details={"reason": args.reason},
            )
            await uow.commit()
        print(t("admin.member_exempted", id=member.id, name=member.name, reason=args.reason or "-"))
        return 0

    return with_database(args, work)


def _branch_set(args: argparse.Namespace) -> int:
    changes: dict[str, object] = {}
    if args.approvals:
        changes["approvals"] = args.approvals
    if args.rank:
        changes["rank"] = args.rank == "on"
    if args.online:
        changes["online"] = args.online == "on"

    async def work(db: Database, _ctx: Context) -> int:
        async with db.uow() as uow:
            branch = await branch_of(uow, args.branch)
            if changes:
                await uow.branches.update_settings(branch, changes)
                await uow.audit.record(CLI_ACTOR.label, "branch.settings", branch_id=branch.id, details=changes)
                await uow.commit()
        approvals = approvals_mode(branch.settings)
        rank = "on" if branch.settings.get("rank", False) else "off"
        online = "on" if online_allowed(branch.settings) else "off"
        shown = t(f"admin.approvals_{approvals}")
        print(t("admin.branch_settings", name=branch.name, approvals=shown, rank=rank, online=online))
        return 0

    return with_database(args, work)


def _member_role(args: argparse.Namespace) -> int:
    async def work(db: Database, _ctx: Context) -> int:
        async with db.uow() as uow:
            branch = await branch_of(uow, args.branch)
            member = await uow.members.find(args.branch, args.member)
            if member is None:
                raise NotFound("store.unknown_member", member=args.member, branch=args.branch)
            if args.role == "committee" and branch.committee_id is None:
                raise Invalid("admin.no_committee", branch=branch.name)
            place = {"committee_id": branch.committee_id} if args.role == "committee" else {"branch_id": branch.id}
            if args.revoke:
                changed = await uow.members.revoke(member.id, args.role, **place)
            else:
                changed = args.role not in await uow.members.roles(member.id, branch)
                if changed:
                    await uow.members.grant(member.id, args.role, **place)
            if changed:
                action = "member.role_revoked" if args.revoke else "member.role_granted"
                await uow.audit.record(
                    CLI_ACTOR.label, action, branch_id=branch.id, subject=str(member.id), details={"role": args.role}
                )
                await uow.commit()
        key = ("admin.role_revoked" if args.revoke else "admin.role_granted") if changed else (
            "admin.role_not_held" if args.revoke else "admin.role_already"
        )
        print(t(key, name=member.name, role=t(f"role.{args.role}")))
        return 0

    return with_database(args, work)
