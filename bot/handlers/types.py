"""The neutral messages between a channel and the use cases.

A channel turns a platform update into an ``Incoming``. A handler answers with replies that say
*whom* a message is for (a member, the holders of some roles of a branch, a branch's group, or
the origin of the update) and *what* it is (text, or a card: structure, not text). The outbox
resolves whom to every platform and chat where that person or branch is linked, and each
channel renders what to fit the platform. Nothing here knows an account id or a chat id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# -- whom ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToMember:
    """A member, privately, on every platform the member is linked to."""

    member_id: int


@dataclass(frozen=True, slots=True)
class ToRoles:
    """Privately, everyone holding one of ``roles`` over the branch (its own or committee staff),
    except ``exclude`` (e.g. the claimant, who never decides their own claim)."""

    branch_id: int
    roles: tuple[str, ...]
    exclude: int | None = None


@dataclass(frozen=True, slots=True)
class ToGroup:
    """The branch's group chats, on every platform a group is bound on; ``besides_origin``: all
    but the chat the update came from (which is answered on its own, e.g. quoting the message)."""

    branch_id: int
    besides_origin: bool = False


@dataclass(frozen=True, slots=True)
class ToOrigin:
    """The chat the update came from; ``quote`` quotes the person's message where it can."""

    quote: bool = True


ORIGIN = ToOrigin()
Address = ToMember | ToRoles | ToGroup | ToOrigin

# -- what ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    """A button: its label and the compact data sent back when pressed (≤ 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice asked of a person (an item, points, a reason, a member): a prompt and its options.
    A channel shows it as buttons, a dropdown, pages or numbered text, as its platform allows."""

    prompt: str
    options: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Card:
    """A card: title, labelled fields, a note, a status line, actions and maybe a choice.

    ``key`` (``claim:12``) names the card: every copy posted under it is shown the card's latest
    state (``Refresh``)."""

    title: str
    fields: tuple[Field, ...] = ()
    note: str = ""
    status: str = ""
    actions: tuple[Action, ...] = ()
    choice: Choice | None = None
    key: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": [[f.label, f.value] for f in self.fields],
            "note": self.note,
            "status": self.status,
            "actions": [[a.label, a.data] for a in self.actions],
            "choice": None
            if self.choice is None
            else {"prompt": self.choice.prompt, "options": [[a.label, a.data] for a in self.choice.options]},
            "key": self.key,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Card:
        choice = data.get("choice")
        return cls(
            title=data["title"],
            fields=tuple(Field(a, b) for a, b in data.get("fields", ())),
            note=data.get("note", ""),
            status=data.get("status", ""),
            actions=tuple(Action(a, b) for a, b in data.get("actions", ())),
            choice=None
            if choice is None
            else Choice(choice["prompt"], tuple(Action(a, b) for a, b in choice["options"])),
            key=data.get("key"),
        )


Body = Card | str


def body_json(body: Body) -> dict[str, Any]:
    return {"card": body.to_json()} if isinstance(body, Card) else {"text": body}


def body_of(data: dict[str, Any]) -> Body:
    return Card.from_json(data["card"]) if "card" in data else str(data["text"])


# -- replies ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the bot sends (an Excel ledger, a picture of the publicity board), kept in the media
    store by its content: ``sha256`` names it there; ``name`` is the file name people see."""

    sha256: str
    name: str
    mime: str


@dataclass(frozen=True, slots=True)
class Send:
    """A new message. ``photo`` (a stored file's sha256) is shown just before it, e.g. the
    member's evidence for an approver reading the card in private."""

    to: Address
    body: Body
    photo: str | None = None
    #: A file sent with the message (the body is its caption where the platform allows).
    file: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Refresh:
    """Every copy of the card posted under ``card.key`` now shows ``card``."""

    card: Card


@dataclass(frozen=True, slots=True)
class Show:
    """The pressed message becomes ``body`` (a step of a choice, for the presser). A channel that
    cannot edit the pressed message in place sends it as a follow-up message instead."""

    body: Body


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to a button press: a short toast, or a pop-up with ``alert``. A channel without
    either sends it to the origin as a message."""

    text: str
    alert: bool = False


Reply = Send | Refresh | Show | Answer

# -- incoming --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Media:
    """A file a person sent, stored by content: its sha256 names it in the media store."""

    sha256: str
    size: int
    mime: str = "image/jpeg"
    #: The file's name as sent (a document's), "" for a photo.
    name: str = ""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did in a chat: a message (text, maybe a photo) or a button press.

    ``user`` and ``chat`` are the platform's ids as strings (only channels and the outbox read
    them); ``private`` is a one-to-one chat. ``photo`` is an attached picture already in the
    media store (``photo_failed``: one came but could not be fetched). ``data`` is the pressed button's data and ``press`` the platform's handle for
    answering that press. ``update`` is the platform's delivery id (for idempotency).
    ``anonymous``: the writer hides behind the group's name (an anonymous group admin).
    """

    platform: str
    user: str
    chat: str
    private: bool
    user_name: str = ""
    text: str = ""
    photo: Media | None = None
    data: str | None = None
    message: str | None = None
    update: str | None = None
    anonymous: bool = False
    press: str | None = None
    #: A photo came with the message but could not be fetched from the platform.
    photo_failed: bool = False
    #: A file (not a picture) sent with the message, e.g. a filled rating sheet, in the media store.
    document: Media | None = None

    @property
    def pressed(self) -> bool:
        return self.data is not None


def refusal(inc: Incoming, text: str) -> Reply:
    """A refusal where the person will see it: the press's pop-up, or a reply quoting the message."""
    return Answer(text, alert=True) if inc.pressed else Send(ORIGIN, text)
