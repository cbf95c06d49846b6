"""The contract suite's driver interface: what a person does in a chat and what they see.

A flow is written once against ``Driver``; each channel supplies a driver that feeds the person's
actions through its real entry point (the console's ``Console.feed``, Telegram's
``Application.process_update``) and reads back what the platform was asked to show: the
messages in each chat (with every later edit applied), their buttons, photos, and the answer to
each press. People are named by role (``SECRETARY``...), chats by ``GROUP`` (the branch's
group), ``ELSEWHERE`` (a group bound to no branch) or a person (their private chat with the bot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from handlers.chatworld import ChatWorld

SECRETARY, RECORDER, ALICE, BOB, STRANGER = "secretary", "recorder", "alice", "bob", "stranger"
#: The members of the chat world, by the key the contract uses.
PEOPLE = (SECRETARY, RECORDER, ALICE, BOB)
GROUP, ELSEWHERE = "group", "elsewhere"


@dataclass
class Shown:
    """One message as the people in its chat see it now (later edits applied in place)."""

    where: str
    id: str
    text: str = ""
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, data)
    #: A photo the bot posted (evidence shown before a card); ``text`` is then its caption.
    photo: bool = False
    #: The photo's sha256, as far as the channel shows it (the console prints 12 digits).
    sha: str = ""
    edits: int = 0
    #: A file the bot sent (a document), by its name, and its bytes; ``text`` is then its caption.
    file: str = ""
    content: bytes = b""

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons]

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def data(self, label: str) -> str:
        return next(d for lbl, d in self.buttons if lbl == label)


@dataclass(frozen=True)
class Toast:
    """The answer to a press: a short notice, or a pop-up when ``alert``; "" for a silent one."""

    text: str
    alert: bool = False


class Driver(Protocol):
    name: str
    world: ChatWorld
    #: /join and /bind link the platform's accounts and chats (the console has none: its
    #: accounts are member ids and its group is the branch itself).
    accounts: bool
    #: The platform lets someone post hidden behind the group's name (an anonymous admin).
    anonymous: bool

    async def say(
        self,
        who: str,
        text: str,
        *,
        private: bool = False,
        photo: bytes | None = None,
        where: str = GROUP,
        hidden: bool = False,
        file: tuple[str, bytes] | None = None,
    ) -> list[Shown]:
        """``who`` writes ``text`` (in the group, or privately), maybe with a ``file`` (its name and
        bytes, sent as a document, e.g. a filled sheet); the messages the bot posted anywhere."""
        ...

    async def press(self, who: str, label_or_data: str, *, on: Shown) -> Toast:
        """``who`` presses the button labelled so on ``on`` (or sends that raw button data from
        it); the one answer the press got."""
        ...

    def chat(self, where: str) -> list[Shown]:
        """Every message in a chat (``GROUP``, ``ELSEWHERE`` or a person's private chat), oldest first."""
        ...

    async def tick(self) -> list[Shown]:
        """Run the bot's clock once; the messages it posted."""
        ...

    async def close(self) -> None: ...
