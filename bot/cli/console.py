"""``partybot console --branch ID --as MEMBER``: a terminal chat on the same handlers as Telegram.

Anyone can try the whole flow on SQLite without a token: type messages as in the group,
``/as NAME`` to become someone else, a button's number to press it, ``/dm`` and ``/group``
to switch between a private chat with the bot and the branch's group.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from bot.cli.db import with_database
from bot.handlers.context import Deps
from bot.handlers.router import handle
from bot.handlers.types import Incoming, Reply
from bot.i18n import t
from bot.services.chat import CONSOLE, console_group
from bot.services.common import Context
from bot.services.errors import NotFound
from bot.storage import Database
from bot.storage.schema import MemberRow

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Ask = Callable[[str], Awaitable[str]]


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "console",
        help="终端聊天: 不需要 token, 试用申报、审核、我的积分等全部流程",
        description="在终端里模拟群聊。/as 姓名 切换身份, 输入按钮编号按下按钮, /dm 私聊, /group 回到群里, /quit 退出。",
    )
    parser.add_argument("--branch", type=int, help="党支部编号 (见 branch list)")
    parser.add_argument("--as", dest="member", help="以哪位党员发言: 编号、名册编号或姓名")
    parser.add_argument(
        "--demo", action="store_true", help="新建一个示范党支部 (书记、积分员和两名党员) 并以党员张三发言"
    )
    parser.set_defaults(handler=_console)


#: The demo branch: (name, role) in roster order.
DEMO_PEOPLE = (("王书记", "secretary"), ("赵积分员", "recorder"), ("张三", None), ("李四", None))


async def create_demo(db: Database, scheme: str = "twelve-point") -> int:
    """A branch with a secretary, a recorder and two members, to try every flow."""
    async with db.uow() as uow:
        branch = await uow.branches.add(t("console.demo_branch"), scheme)
        for name, role in DEMO_PEOPLE:
            member = await uow.members.add(MemberRow(branch_id=branch.id, name=name))
            if role is not None:
                await uow.members.grant(member.id, role, branch_id=branch.id)
        await uow.audit.record("cli", "demo.create", branch_id=branch.id, subject=branch.name)
        await uow.commit()
        return branch.id


class Console:
    """One terminal session: who is typing, in which chat, and the buttons shown so far."""

    def __init__(self, db: Database, deps: Deps, branch_id: int) -> None:
        self.db, self.deps, self.branch_id = db, deps, branch_id
        self.user, self.name, self.private = "", "", False
        self.names: dict[str, str] = {}
        self.buttons: dict[int, tuple[str, str, str]] = {}  # number -> (data, message, chat)
        self.chats: dict[str, str] = {}  # message -> the chat it is in
        self._numbers = itertools.count(1)
        self._messages = itertools.count(1)

    async def become(self, key: str) -> str:
        async with self.db.uow() as uow:
            member = await uow.members.find(self.branch_id, key)
            if member is None:
                raise NotFound("store.unknown_member", member=key, branch=self.branch_id)
            self.names = {str(m.id): m.name for m in await uow.members.list(self.branch_id)}
        self.user, self.name = str(member.id), member.name
        return t("console.now", name=member.name)

    @property
    def chat(self) -> str:
        return self.user if self.private else console_group(self.branch_id)

    async def feed(self, line: str) -> list[str]:
        """Handle one typed line; the lines to print."""
        line = line.strip()
        if line.startswith("/as "):
            return [await self.become(line[4:].strip())]
        if line in ("/dm", "/group"):
            self.private = line == "/dm"
            return [t("console.private" if self.private else "console.group")]
        if line.isdigit():
            return await self._press(int(line))
        photo = None
        if line.startswith("/photo "):
            _, photo, line = [*line.split(maxsplit=2), ""][:3]
        message = str(next(self._messages))
        inc = Incoming(CONSOLE, self.user, self.chat, self.private, self.name, line, photo, message=message)
        return await self._show(await handle(inc, self.deps), message)

    async def _press(self, number: int) -> list[str]:
        if number not in self.buttons:
            return [t("console.no_button", number=number)]
        data, message, chat = self.buttons[number]
        inc = Incoming(CONSOLE, self.user, chat, chat == self.user, self.name, data=data, message=message)
        return await self._show(await handle(inc, self.deps), message)

    async def _show(self, replies: list[Reply], source: str) -> list[str]:
        out: list[str] = []
        for reply in replies:
            if reply.to.kind in ("alert", "notice"):
                out.append(t(f"console.{reply.to.kind}", text=reply.text))
            elif reply.copy_of is not None:
                chat = reply.to.chat_id if reply.to.kind == "chat" else self.chat
                out.append(t("console.copy", id=reply.copy_of[1], name=self.names.get(chat or "", chat)))
            elif reply.to.kind == "cards" and reply.to.key:
                for chat, message in await self.deps.chat.posted(CONSOLE, reply.to.key):
                    if message != source:
                        out += self._message(reply, message, chat, "console.edited")
            else:
                out += await self._post(reply, source)
        return out

    async def _post(self, reply: Reply, source: str) -> list[str]:
        """A new message, or the pressed one edited; remembered under the reply's key."""
        if reply.to.kind == "edit":
            message, chat, head = source, self.chats.get(source, self.chat), "console.edited"
        else:
            chat = (reply.to.chat_id if reply.to.kind == "chat" else None) or self.chat
            to_person = reply.to.kind == "chat" and chat != console_group(self.branch_id)
            message, head = str(next(self._messages)), "console.to" if to_person else "console.said"
        out = self._message(reply, message, chat, head)
        if reply.key:
            await self.deps.chat.remember(CONSOLE, reply.key, chat, message)
        return out

    def _message(self, reply: Reply, message: str, chat: str, head: str) -> list[str]:
        """A message's lines, its buttons numbered for pressing."""
        self.chats[message] = chat
        out = [t(head, id=message, name=self.names.get(chat, chat))]
        out += [f"  {line}" for line in reply.text.splitlines()]
        for row in reply.buttons:
            labels = []
            for button in row:
                number = next(self._numbers)
                self.buttons[number] = (button.data, message, chat)
                labels.append(f"[{number}] {button.label}")
            out.append("  " + "   ".join(labels))
        return out


async def run(console: Console, ask: Ask, say: Callable[[str], None]) -> None:
    say(t("console.welcome"))
    while True:
        try:
            line = await ask(
                t("console.prompt_dm" if console.private else "console.prompt", name=console.name)
            )
        except EOFError:
            return
        if line.strip() in ("/quit", "/exit"):
            return
        try:
            for out in await console.feed(line):
                say(out)
        except NotFound as exc:
            say(exc.message)


def _console(args: argparse.Namespace) -> int:
    if not args.demo and (args.branch is None or args.member is None):
        print(t("console.usage"), file=sys.stderr)
        return 2

    async def work(db: Database, ctx: Context) -> int:
        branch_id = await create_demo(db) if args.demo else args.branch
        if args.demo:
            print(t("console.demo_created", branch=branch_id, people="、".join(n for n, _ in DEMO_PEOPLE)))
        console = Console(db, Deps.of(ctx), branch_id)
        await console.deps.chat.branch(branch_id)  # an unknown branch stops here
        print(await console.become(args.member or DEMO_PEOPLE[2][0]))
        await run(console, lambda prompt: asyncio.to_thread(input, prompt), print)
        return 0

    return with_database(args, work)
