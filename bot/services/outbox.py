"""The outbox's dispatcher: whom a reply is for becomes rows, one per platform and chat.

A reply names a member, the holders of some roles of a branch, a branch's group, or the origin
of the update. Here, inside the unit of work of the change that caused it, that is resolved to
every platform (among those this deployment runs) and chat where the person or the branch is
linked, and written as outbox rows. A card's latest state is recorded with it, so that every
copy of it, wherever and whenever posted, ends up showing that state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.handlers.types import (
    Answer,
    Card,
    Incoming,
    Refresh,
    Reply,
    Send,
    Show,
    ToGroup,
    ToMember,
    ToOrigin,
    ToRoles,
    body_json,
)
from bot.storage.outbox import OutboxQueries, Outgoing
from bot.storage.uow import UnitOfWork

#: The terminal chat (``partybot console``): every member is reachable there under their member
#: id, and each branch's group is the branch id negated (never equal to a member's id).
CONSOLE = "console"
#: How long the writer of a row has to send it before another process may take it over.
LEASE = timedelta(seconds=60)
#: The writer sends its rows at once after the commit; its own background pass picks a row up
#: only after this long (the send after the commit never happened, e.g. the task was cancelled).
GRACE = timedelta(seconds=10)


def console_group(branch_id: int) -> str:
    """The terminal chat's id for a branch's group."""
    return str(-branch_id)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an update came from: the chat, the person's message, and the press to answer."""

    platform: str
    chat: str
    message: str | None = None
    press: str | None = None
    pressed: bool = False

    @classmethod
    def of(cls, inc: Incoming) -> Origin:
        return cls(inc.platform, inc.chat, inc.message, inc.press, inc.pressed)


class Outbox:
    """Writes replies as outbox rows for the platforms this deployment runs."""

    def __init__(self, platforms: Iterable[str], owner: str) -> None:
        self.platforms = tuple(dict.fromkeys(platforms))
        self.owner = owner

    async def write(
        self, uow: UnitOfWork, cause: str, replies: Sequence[Reply], origin: Origin | None, now: datetime
    ) -> list[Outgoing]:
        """Write the rows for ``replies`` (keys ``<cause>:<n>``) in ``uow``; the rows, in order."""
        queries = OutboxQueries(uow.session)
        rows: list[dict[str, Any]] = []
        versions: dict[str, int] = {}

        async def version(card: Card) -> int | None:
            if card.key is None:
                return None
            versions[card.key] = await queries.save_card(card.key, card.to_json(), now)
            return versions[card.key]

        def row(
            platform: str, chat: str, kind: str, payload: dict[str, Any], card: Card | None = None
        ) -> None:
            rows.append(
                {
                    "key": f"{cause}:{len(rows)}",
                    "platform": platform,
                    "chat": chat,
                    "kind": kind,
                    "payload": payload,
                    "card_key": card.key if card is not None else None,
                    "version": versions.get(card.key) if card is not None and card.key else None,
                    "last_error": None,
                    "sent_at": None,
                    "state": "pending",
                    "attempts": 0,
                    "next_at": now + GRACE,
                    "owner": self.owner,
                    "lease_until": now + LEASE,
                    "created_at": now,
                }
            )

        for reply in replies:
            if isinstance(reply, Send):
                card = reply.body if isinstance(reply.body, Card) else None
                if card is not None and card.key and card.key not in versions:
                    await version(card)
                payload = {**body_json(reply.body), "photo": reply.photo}
                if reply.file is not None:
                    f = reply.file
                    payload["file"] = {"sha256": f.sha256, "name": f.name, "mime": f.mime}
                for platform, chat, quote in await self._chats(uow, queries, reply.to, origin):
                    row(platform, chat, "send", {**payload, "quote": quote}, card)
            elif isinstance(reply, Refresh):
                await version(reply.card)
                for platform in self.platforms:
                    copies = await queries.copies(platform, reply.card.key or "")
                    if copies:
                        press = origin.press if origin is not None and origin.platform == platform else None
                        payload = {"card": reply.card.to_json(), "copies": [list(c) for c in copies]}
                        row(platform, "", "refresh", {**payload, "press": press}, reply.card)
            elif origin is not None and isinstance(reply, Show):
                shown = reply.body if isinstance(reply.body, Card) and reply.body.key else None
                if shown is not None and shown.key not in versions:
                    await version(shown)  # the pressed message becomes a copy of the card, kept in step
                payload = {**body_json(reply.body), "message": origin.message, "press": origin.press}
                row(origin.platform, origin.chat, "show", payload, shown)
            elif origin is not None and isinstance(reply, Answer):
                payload = {
                    "text": reply.text,
                    "alert": reply.alert,
                    "press": origin.press,
                    "message": origin.message,
                }
                row(origin.platform, origin.chat, "answer", payload)
        ids = await queries.add(rows)
        return [Outgoing.written(i, r) for i, r in zip(ids, rows, strict=True)]

    async def _chats(
        self, uow: UnitOfWork, queries: OutboxQueries, to: Any, origin: Origin | None
    ) -> list[tuple[str, str, str | None]]:
        """(platform, chat, message to quote) for an address, each chat once."""
        if isinstance(to, ToOrigin):
            if origin is None:
                return []
            quote = origin.message if to.quote and not origin.pressed else None
            return [(origin.platform, origin.chat, quote)]
        if isinstance(to, ToGroup):
            found = await queries.groups(to.branch_id, self.platforms)
            if CONSOLE in self.platforms:
                found.append((CONSOLE, console_group(to.branch_id)))
            if to.besides_origin and origin is not None:
                found = [(p, c) for p, c in found if (p, c) != (origin.platform, origin.chat)]
            return [(p, c, None) for p, c in dict.fromkeys(found)]
        if isinstance(to, ToMember):
            members = [to.member_id]
        elif isinstance(to, ToRoles):
            branch = await uow.branches.get(to.branch_id)
            committee = branch.committee_id if branch is not None else None
            members = [m for m in await queries.holders(to.branch_id, committee, to.roles) if m != to.exclude]
        else:
            raise TypeError(f"not an address: {to!r}")
        chats = [(p, a) for _, p, a in await queries.accounts(members, self.platforms)]
        if CONSOLE in self.platforms:
            chats += [(CONSOLE, str(m)) for m in members]
        return [(p, c, None) for p, c in dict.fromkeys(chats)]
