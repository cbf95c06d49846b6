"""The neutral messages between a channel and the use cases.

A channel turns a platform update into an ``Incoming`` and renders each ``Reply`` it gets
back; nothing here knows Telegram or WeCom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TargetKind = Literal["here", "chat", "edit", "cards", "alert", "notice"]


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: its label and the compact data sent back when pressed (≤ 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reply goes.

    - ``here``: a new message in the chat the incoming message came from (``reply_to`` quotes it);
    - ``chat``: a new message in another chat (a private chat is the person's account id);
    - ``edit``: replaces the text and buttons of the message whose button was pressed;
    - ``cards``: replaces them in every message posted under ``key`` (other copies of a card);
    - ``alert`` / ``notice``: the answer to a button press, as a pop-up or a short toast.
    """

    kind: TargetKind
    chat_id: str | None = None
    reply_to: str | None = None
    key: str | None = None


HERE = Target("here")
EDIT = Target("edit")
ALERT = Target("alert")
NOTICE = Target("notice")


def to_chat(chat_id: str) -> Target:
    return Target("chat", chat_id=chat_id)


def cards(key: str) -> Target:
    return Target("cards", key=key)


def quoting(message_id: str | None) -> Target:
    return Target("here", reply_to=message_id)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to show. ``key`` (e.g. ``claim:12``) asks the channel to remember the message it
    posts (or edits) so that a later ``cards(key)`` reply updates every copy of it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    to: Target = HERE
    key: str | None = None
    #: (chat, message) of an earlier message to copy to the target instead of sending ``text``
    #: (a member's photo for an approver in private); ``text`` stands in where no copy can be made.
    copy_of: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did in a chat: a message (text, maybe a photo) or a button press.

    ``user`` and ``chat`` are the platform's ids as strings; ``private`` is a one-to-one chat.
    ``photo`` is the stable id of an attached photo or file (the same file gives the same id),
    ``data`` the pressed button's data, ``update`` the platform's delivery id (for idempotency).
    ``anonymous``: the writer hides behind the group's name (an anonymous group admin), so
    nobody can tell which member wrote.
    """

    platform: str
    user: str
    chat: str
    private: bool
    user_name: str = ""
    text: str = ""
    photo: str | None = None
    data: str | None = None
    message: str | None = None
    update: str | None = None
    anonymous: bool = False

    @property
    def pressed(self) -> bool:
        return self.data is not None


def rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out ``per_row`` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
