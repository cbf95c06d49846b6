"""The terminal chat as a platform (``console``): the reference rendering of every card.

Its transport "sends" a row by printing it: a new message gets a number, its buttons get
numbers to type, an edit prints the message again under its number. Every member is reachable
under their member id and each branch's group under the branch id negated (``console_group``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from bot.channels.render import Capabilities, pages, rows, text_of
from bot.delivery import Bucket, Refused
from bot.handlers.types import Body, body_of
from bot.i18n import t
from bot.media import MediaStore
from bot.services.outbox import CONSOLE
from bot.storage.outbox import Outgoing

CAPABILITIES = Capabilities(max_buttons=100, text_limit=100_000)


class ConsoleTransport:
    """Prints what the bot sends; remembers which number is which button."""

    platform = CONSOLE

    def __init__(self, media: MediaStore | None = None, names: Callable[[str], str] | None = None) -> None:
        self.media = media
        self.names = names or (lambda chat: chat)
        self.lines: list[str] = []
        #: button number -> (data, message, chat)
        self.buttons: dict[int, tuple[str, str, str]] = {}
        self.chats: dict[str, str] = {}  # message -> the chat it is in
        self._numbers = itertools.count(1)
        self._messages = itertools.count(1)

    def next_message(self) -> str:
        """A number for a message the person types (the bot's share the same sequence)."""
        return str(next(self._messages))

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        payload = row.payload
        if row.kind == "answer":
            if payload.get("text"):
                self.lines.append(
                    t("console.alert" if payload.get("alert") else "console.notice", text=payload["text"])
                )
            return []
        if row.kind == "refresh":
            for chat, message in payload.get("copies", ()):
                self._print(body_of(payload), str(message), str(chat), "console.edited")
            return []
        if row.kind == "show":
            message = str(payload.get("message") or "")
            if message not in self.chats:
                raise Refused("the pressed message is unknown")
            self._print(body_of(payload), message, self.chats[message], "console.edited")
            return [(self.chats[message], message)]
        posted = []
        if payload.get("photo"):
            sha = str(payload["photo"])
            found = self.media.read(sha) if self.media is not None else None
            self.lines.append(t("console.photo" if found is not None else "console.photo_gone", sha=sha[:12]))
        if payload.get("file"):
            self.lines.append(self._file(payload["file"]))
        for part in pages(body_of(payload), CAPABILITIES):
            message = self.next_message()
            head = "console.said" if row.chat.startswith("-") else "console.to"
            self._print(part, message, row.chat, head)
            posted.append((row.chat, message))
        return posted[:1]

    def _file(self, file: dict[str, str]) -> str:
        """A line naming a file the bot sent and where it is on this machine."""
        data = self.media.read(file["sha256"]) if self.media is not None else None
        if data is None or self.media is None:
            return t("file.gone", name=file["name"])
        path = self.media.path(file["sha256"])
        return t("file.console", name=file["name"], size=max(1, round(len(data) / 1024)), path=path)

    def _print(self, body: Body, message: str, chat: str, head: str) -> None:
        """A message's lines, its buttons numbered for pressing."""
        self.chats[message] = chat
        self.lines.append(t(head, id=message, name=self.names(chat)))
        self.lines += [f"  {line}" for line in text_of(body).splitlines()]
        for row in rows(body, CAPABILITIES):
            labels = []
            for action in row:
                number = next(self._numbers)
                self.buttons[number] = (action.data, message, chat)
                labels.append(f"[{number}] {action.label}")
            self.lines.append("  " + "   ".join(labels))

    def take(self) -> list[str]:
        """The lines printed since the last call."""
        out, self.lines = self.lines, []
        return out
