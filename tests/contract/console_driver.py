"""The console driver: every action is a typed line through ``Console.feed`` (a button press is
its number), and what people see is read back from the printed lines, the reference rendering."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from handlers import chatworld
from handlers.chatworld import ChatWorld

from bot.cli.console import Console
from bot.i18n import t
from bot.services.outbox import console_group
from bot.storage.outbox import Outgoing
from contract.driver import ELSEWHERE, GROUP, PEOPLE, STRANGER, Shown, Toast

#: A branch id no branch has: its console group is bound to nothing.
NO_BRANCH = 999
#: A console account (member id) nobody holds.
NOBODY = "99999"
_BUTTON = re.compile(r"\[(\d+)\] (.*?)(?=   \[\d+\] |$)")


def _file_pattern() -> re.Pattern[str]:
    """The console's line for a file the bot sent: its name, size and path as groups."""
    text = re.escape(t("file.console", name="\x02", size="\x05", path="\x06"))
    for mark, group in (("\x02", r"(?P<name>.*)"), ("\x05", r"\d+"), ("\x06", r"(?P<path>.+)")):
        text = text.replace(re.escape(mark), group)
    return re.compile(f"^{text}$")


def _pattern(key: str) -> re.Pattern[str]:
    """The catalog line ``key`` as a regex with its ``{id}``, ``{name}``, ``{text}``, ``{sha}`` as groups."""
    text = t(key, id="\x01", name="\x02", text="\x03", sha="\x04")
    escaped = re.escape(text)
    for mark, group in (
        ("\x01", r"(?P<id>\d+)"),
        ("\x02", r"(?P<name>.*)"),
        ("\x03", r"(?P<text>.*)"),
        ("\x04", r"(?P<sha>\w+)"),
    ):
        escaped = escaped.replace(re.escape(mark), group)
    return re.compile(f"^{escaped}$")


class ConsoleDriver:
    name = "console"
    accounts = False
    anonymous = False

    def __init__(self, world: ChatWorld, folder: Path) -> None:
        self.world, self.folder = world, folder
        self.console = Console(world.app, world.branch_id)
        ids = {
            key: world.ids[account]
            for key, account in zip(
                PEOPLE, (chatworld.SECRETARY, chatworld.RECORDER, chatworld.ALICE, chatworld.BOB), strict=True
            )
        }
        self.accounts_of = {key: str(i) for key, i in ids.items()} | {STRANGER: NOBODY}
        self.names = {
            key: name for key, name in zip(PEOPLE, ("王书记", "赵积分员", "张三", "李四"), strict=True)
        } | {STRANGER: "路人"}
        self.chats = {GROUP: console_group(world.branch_id), ELSEWHERE: console_group(NO_BRANCH)}
        self.messages: dict[str, Shown] = {}
        self.order: list[Shown] = []
        self.answers: list[Outgoing] = []
        self._files = itertools.count(1)
        self._extra = itertools.count(100_000)
        deliver = self.console.transport.deliver

        async def counting(row: Outgoing) -> list[tuple[str, str]]:
            if row.kind == "answer":
                self.answers.append(row)
            return await deliver(row)

        self.console.transport.deliver = counting  # type: ignore[method-assign]

    @classmethod
    async def start(cls, world: ChatWorld, folder: Path) -> ConsoleDriver:
        driver = cls(world, folder)
        await driver.console.become("王书记")  # loads the roster's names for the private chats' headers
        return driver

    async def close(self) -> None:
        return None

    def _where(self, chat: str) -> str:
        for key, value in (*self.chats.items(), *self.accounts_of.items()):
            if value == chat:
                return key
        return chat

    def _as(self, who: str, private: bool, where: str) -> None:
        c = self.console
        c.user, c.name, c.private = self.accounts_of[who], self.names[who], private
        c.branch_id = NO_BRANCH if where == ELSEWHERE else self.world.branch_id

    def _read(self, lines: list[str]) -> tuple[list[Shown], list[Toast]]:
        said, to, edited = _pattern("console.said"), _pattern("console.to"), _pattern("console.edited")
        photo, gone = _pattern("console.photo"), _pattern("console.photo_gone")
        notice, alert = _pattern("console.notice"), _pattern("console.alert")
        transport = self.console.transport
        new: list[Shown] = []
        toasts: list[Toast] = []
        current: Shown | None = None
        body: list[str] = []
        photos: list[str] = []
        sent_file, files = _file_pattern(), []

        def finish() -> None:
            if current is not None:
                current.text = "\n".join(body)

        for line in lines:
            if line.startswith("  ") and current is not None:
                found = _BUTTON.findall(line[2:])
                if found and line[2:].startswith("["):
                    current.buttons += [(label, transport.buttons[int(n)][0]) for n, label in found]
                else:
                    body.append(line[2:])
                continue
            finish()
            current, body = None, []
            if m := said.match(line) or to.match(line):
                number = m.group("id")
                current = Shown(self._where(transport.chats[number]), number)
                for sha in photos:
                    shot = Shown(current.where, f"{number}-photo", photo=True, sha=sha)
                    self.order.append(shot)
                    new.append(shot)
                photos = []
                if files:
                    current.file, path = files.pop()
                    current.content = Path(path).read_bytes()
                self.messages[number] = current
                self.order.append(current)
                new.append(current)
            elif m := edited.match(line):
                current = self.messages[m.group("id")]
                current.buttons, current.edits = [], current.edits + 1
            elif m := sent_file.match(line):
                files.append((m.group("name"), m.group("path")))
            elif m := photo.match(line):
                photos.append(m.group("sha"))
            elif gone.match(line):
                photos.append("")
            elif m := notice.match(line):
                toasts.append(Toast(m.group("text")))
            elif m := alert.match(line):
                toasts.append(Toast(m.group("text"), alert=True))
            else:
                raise AssertionError(f"the console printed a line the driver cannot read: {line!r}")
        finish()
        return new, toasts

    async def say(
        self, who: str, text: str, *, private: bool = False, photo: bytes | None = None, where: str = GROUP,
        hidden: bool = False, file: tuple[str, bytes] | None = None,
    ) -> list[Shown]:  # fmt: skip
        assert not hidden, "the console has no anonymous posting"
        self._as(who, private, where)
        if file is not None:
            folder = self.folder / f"file-{next(self._files)}"
            folder.mkdir()
            (folder / file[0]).write_bytes(file[1])
            text = f'/file "{folder / file[0]}" {text}'.rstrip()
        if photo is not None:
            path = self.folder / f"photo-{next(self._files)}.jpg"
            path.write_bytes(photo)
            text = f"/photo {path} {text}"
        return self._read(await self.console.feed(text))[0]

    async def press(self, who: str, label_or_data: str, *, on: Shown) -> Toast:
        transport = self.console.transport
        numbers: dict[str, int] = {}  # label -> the number printed last for it on this message
        for n, (data, message, _chat) in transport.buttons.items():
            numbers |= {label: n for label, d in on.buttons if d == data and message == on.id}
        number = numbers.get(label_or_data)
        if number is None:  # raw data, as an old or forged button on that message would send
            number = next(self._extra)
            transport.buttons[number] = (label_or_data, on.id, transport.chats[on.id])
        self._as(who, private=on.where not in self.chats, where=on.where)
        before = len(self.answers)
        _new, toasts = self._read(await self.console.feed(str(number)))
        answers = self.answers[before:]
        assert len(answers) == 1, f"a press gets exactly one answer, got {answers}"
        assert len(toasts) == (1 if answers[0].payload.get("text") else 0)
        return toasts[0] if toasts else Toast("")

    def chat(self, where: str) -> list[Shown]:
        return [m for m in self.order if m.where == where]

    async def tick(self) -> list[Shown]:
        return self._read(await self.console.tick())[0]
