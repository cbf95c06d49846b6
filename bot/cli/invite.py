"""``partybot branch invite BRANCH`` and ``partybot member invite --branch ID MEMBER``: one-time codes
for ``/bind`` (a group chat) and ``/join`` (a member's account). Registered by ``bot.cli.admin``."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from bot.cli.db import cli_actor, with_database
from bot.i18n import t
from bot.services.common import Context, branch_of
from bot.services.errors import NotFound
from bot.services.invites import InviteService
from bot.storage import Database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register_branch(branch_commands: Sub) -> None:
    branch = branch_commands.add_parser(
        "invite", help="群绑定码 (一次有效, 7 天): 支部书记在群里发送 /bind 绑定码"
    )
    branch.add_argument("branch", type=int, metavar="BRANCH", help="党支部编号 (见 branch list)")
    branch.set_defaults(handler=_branch)


def register_member(member_commands: Sub) -> None:
    member = member_commands.add_parser(
        "invite", help="党员邀请码 (一次有效, 7 天): 党员向机器人发送 /join 邀请码"
    )
    member.add_argument("--branch", type=int, required=True, help="党支部编号")
    member.add_argument("member", metavar="MEMBER", help="党员编号、名册编号或姓名")
    member.set_defaults(handler=_member)


def _branch(args: argparse.Namespace) -> int:
    async def work(db: Database, ctx: Context) -> int:
        code = await InviteService(ctx).issue(cli_actor(), args.branch)
        async with db.uow() as uow:
            branch = await branch_of(uow, args.branch)
        print(t("invite.issued_branch", branch=branch.name, code=code))
        return 0

    return with_database(args, work)


def _member(args: argparse.Namespace) -> int:
    async def work(db: Database, ctx: Context) -> int:
        async with db.uow() as uow:
            member = await uow.members.find(args.branch, args.member)
        if member is None:
            raise NotFound("store.unknown_member", member=args.member, branch=args.branch)
        code = await InviteService(ctx).issue(cli_actor(), args.branch, member.id)
        print(t("invite.issued_member", name=member.name, code=code))
        return 0

    return with_database(args, work)
