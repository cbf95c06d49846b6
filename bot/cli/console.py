"""``partybot console --branch ID --as MEMBER``: a terminal chat on the same handlers as Telegram.

Anyone can try the whole flow on SQLite without a token: type messages as in the group,
``/as NAME`` to become someone else, a button's number to press it, ``/dm`` and ``/group``
to switch between a private chat with the bot and the branch's group. The bot's clock ticks
here too: a sign-in closes when its time is up (or at once with 结束签到) and posts its sheet.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import mimetypes
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeAlias

from bot.app import App, start
from bot.channels.console import ConsoleTransport
from bot.cli.db import config_of, with_database
from bot.handlers.router import handle
from bot.handlers.types import Incoming
from bot.i18n import t
from bot.scheduler import TICK_SECONDS
from bot.services.common import Context
from bot.services.errors import NotFound
from bot.services.outbox import CONSOLE, console_group
from bot.storage import Database
from bot.storage.schema import MemberRow

log = logging.getLogger(__name__)
Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Ask = Callable[[str], Awaitable[str]]


def register(commands: Sub) -> None:
    parser = commands.add_parser(
        "console",
        help="终端聊天: 不需要 token, 试用申报、审核、我的积分等全部流程",
        description="在终端里模拟群聊。/as 姓名 切换身份, 输入按钮编号按下按钮, /dm 私聊, /group 回到群里, /quit 退出。"
        " 机器人的时钟在终端里也走: 签到到时自动结束并公布签到情况 (结束签到 可提前结束)。",
    )
    parser.add_argument("--branch", type=int, help="党支部编号 (见 branch list)")
    parser.add_argument("--as", dest="member", help="以哪位党员发言: 编号、名册编号或姓名")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="示范党支部 (书记、积分员和两名党员), 以党员张三发言; 上次建的示范党支部会接着用",
    )
    parser.add_argument("--fresh", action="store_true", help="和 --demo 一起用: 新建一个示范党支部, 从头开始")
    parser.set_defaults(handler=_console)


#: The demo branch: (name, role) in roster order.
DEMO_PEOPLE = (("王书记", "secretary"), ("赵积分员", "recorder"), ("张三", None), ("李四", None))


async def find_demo(db: Database) -> int | None:
    """The latest demo branch made before (its name and its people as ``create_demo`` made them)."""
    async with db.uow() as uow:
        for branch in reversed(list(await uow.branches.list())):
            if branch.name != t("console.demo_branch"):
                continue
            names = {m.name for m in await uow.members.list(branch.id)}
            if {n for n, _ in DEMO_PEOPLE} <= names:
                return branch.id
    return None


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
    """One terminal session: who is typing, in which chat; the bot's messages are printed by the
    console transport as its outbox rows are delivered."""

    def __init__(self, app: App, branch_id: int) -> None:
        self.app, self.deps, self.branch_id = app, app.deps, branch_id
        self.user, self.name, self.private = "", "", False
        self.people: dict[str, str] = {}
        self.transport = ConsoleTransport(app.media, self._name_of)
        app.add_transport(self.transport)

    def _name_of(self, chat: str) -> str:
        return self.people.get(chat, chat)

    async def become(self, key: str) -> str:
        async with self.app.db.uow() as uow:
            member = await uow.members.find(self.branch_id, key)
            if member is None:
                raise NotFound("store.unknown_member", member=key, branch=self.branch_id)
            self.people = {str(m.id): m.name for m in await uow.members.list(self.branch_id)}
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
        photo = document = None
        if line in ("/photo", "/file"):
            return [t("newuser.console.photo_usage" if line == "/photo" else "console.file_usage")]
        if line.startswith(("/photo ", "/file ")):
            command, _, rest = line.partition(" ")
            rest = rest.strip()
            # a quoted path may hold spaces: /file "三月 (1).xlsx"
            path, _, line = rest[1:].partition('"') if rest.startswith('"') else rest.partition(" ")
            line = line.strip()
            try:  # a claim is never made without the photo its writer meant to attach
                data = Path(path).read_bytes()
            except OSError as exc:
                if command == "/photo":
                    return [t("newuser.console.no_photo", path=path)]
                return [t("console.no_file", path=path, error=exc.strerror or str(exc))]
            if command == "/photo":
                photo = self.app.media.put(data)
            else:  # a file, as a document is sent (a filled sheet)
                document = self.app.media.put(
                    data, mimetypes.guess_type(path)[0] or "application/octet-stream", Path(path).name
                )
        message = self.transport.next_message()
        inc = Incoming(
            CONSOLE,
            self.user,
            self.chat,
            self.private,
            self.name,
            line,
            photo,
            message=message,
            document=document,
        )
        await handle(inc, self.deps)
        return self.transport.take()

    async def _press(self, number: int) -> list[str]:
        if number not in self.transport.buttons:
            return [t("console.no_button", number=number)]
        data, message, chat = self.transport.buttons[number]
        inc = Incoming(
            CONSOLE, self.user, chat, chat == self.user, self.name, data=data, message=message,
            press=f"{message}:{number}",
        )  # fmt: skip
        await handle(inc, self.deps)
        return self.transport.take()

    async def tick(self) -> list[str]:
        """Run the bot's clock once (a sign-in whose time is up closes); the lines to print."""
        await self.app.clock.tick()
        return self.transport.take()


async def run(console: Console, ask: Ask, say: Callable[[str], None], every: float = TICK_SECONDS) -> None:
    """Read lines until EOF or /quit; the bot's clock ticks meanwhile, and what it posts is printed."""
    say(t("console.welcome"))
    stop = asyncio.Event()

    async def clock() -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                for out in await console.tick():
                    say(out)

    ticking = asyncio.create_task(clock())
    try:
        for out in await console.tick():  # catch up: a sign-in that ended while nobody was here
            say(out)
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
            except Exception:  # a bug must not end the session: the person was told "出错了"
                log.exception("console: handling %r failed", line)
                for out in console.transport.take():
                    say(out)
    finally:
        stop.set()
        await ticking


def _console(args: argparse.Namespace) -> int:
    if not args.demo and (args.branch is None or args.member is None):
        print(t("console.usage"), file=sys.stderr)
        return 2

    async def work(db: Database, ctx: Context) -> int:
        branch_id = args.branch
        if args.demo:
            branch_id = None if args.fresh else await find_demo(db)
            if branch_id is not None:
                print(t("newuser.console.demo_reused", branch=branch_id))
            else:
                branch_id = await create_demo(db)
                print(
                    t("console.demo_created", branch=branch_id, people="、".join(n for n, _ in DEMO_PEOPLE))
                )
            print(t("newuser.console.return", branch=branch_id))
        config = config_of(args)
        app = await start(db, [CONSOLE], config, ctx)
        console = Console(app, branch_id)
        await console.deps.chat.branch(branch_id)  # an unknown branch stops here
        print(await console.become(args.member or DEMO_PEOPLE[2][0]))
        await run(console, lambda prompt: asyncio.to_thread(input, prompt), print)
        return 0

    return with_database(args, work)
