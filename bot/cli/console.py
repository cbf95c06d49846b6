"""``partybot console --branch ID --as MEMBER``: a terminal chat on the same handlers as Telegram.

Anyone can try the whole flow on SQLite without a token: type messages as in the group,
``/as NAME`` to become someone else, a button's number to press it, ``/dm`` and ``/group``
to switch between a private chat with the bot and the branch's group.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from bot.cli.db import with_database
from bot.handlers.context import Deps
from bot.handlers.router import handle
from bot.handlers.types import Incoming, Reply
from bot.i18n import t
from bot.services.chat import CONSOLE
from bot.services.common import Context
from bot.services.errors import NotFound
from bot.storage import Database

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Ask = Callable[[str], Awaitable[str]]


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "console",
        help="终端聊天: 不需要 token, 试用申报、审核、我的积分等全部流程",
        description="在终端里模拟群聊。/as 姓名 切换身份, 输入按钮编号按下按钮, /dm 私聊, /group 回到群里, /quit 退出。",
    )
    parser.add_argument("--branch", type=int, required=True, help="党支部编号 (见 branch list)")
    parser.add_argument("--as", dest="member", required=True, help="以哪位党员发言: 编号、名册编号或姓名")
    parser.set_defaults(handler=_console)


class Console:
    """One terminal session: who is typing, in which chat, and the buttons shown so far."""

    def __init__(self, db: Database, deps: Deps, branch_id: int) -> None:
        self.db, self.deps, self.branch_id = db, deps, branch_id
        self.user, self.name, self.private = "", "", False
        self.names: dict[str, str] = {}
        self.buttons: dict[int, tuple[str, str, str]] = {}  # number -> (data, message, chat)
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
        return self.user if self.private else str(self.branch_id)

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
        return self._show(await handle(inc, self.deps), message)

    async def _press(self, number: int) -> list[str]:
        if number not in self.buttons:
            return [t("console.no_button", number=number)]
        data, message, chat = self.buttons[number]
        inc = Incoming(CONSOLE, self.user, chat, chat == self.user, self.name, data=data, message=message)
        return self._show(await handle(inc, self.deps), message)

    def _show(self, replies: list[Reply], source: str) -> list[str]:
        out: list[str] = []
        for reply in replies:
            kind, message = reply.to.kind, str(next(self._messages))
            if kind in ("alert", "notice"):
                out.append(t(f"console.{kind}", text=reply.text))
                continue
            if kind == "edit":
                message = source
            chat = reply.to.chat_id if kind == "chat" else self.chat
            head = {"edit": "console.edited", "chat": "console.to"}.get(kind, "console.said")
            out.append(t(head, id=message, name=self.names.get(chat or "", chat or "")))
            out += [f"  {line}" for line in reply.text.splitlines()]
            for row in reply.buttons:
                labels = []
                for button in row:
                    number = next(self._numbers)
                    self.buttons[number] = (button.data, message, chat or self.chat)
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
    async def work(db: Database, ctx: Context) -> int:
        console = Console(db, Deps.of(ctx), args.branch)
        await console.deps.chat.branch(args.branch)  # an unknown branch stops here
        print(await console.become(args.member))
        await run(console, lambda prompt: asyncio.to_thread(input, prompt), print)
        return 0

    return with_database(args, work)
