"""The outbox's SQL: writing outgoing messages with the change that caused them, the latest
state of each card, and settling what a sender delivered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Table, and_, bindparam, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.schema import BoundChat, CardState, ChatMessage, Identity, OutboxRow, RoleRow
from bot.storage.timeutil import UTCDateTime


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An outbox row as a sender sees it."""

    id: int
    key: str
    platform: str
    chat: str
    kind: str
    payload: dict[str, Any]
    card_key: str | None
    version: int | None
    attempts: int = 0

    @classmethod
    def written(cls, row_id: int, row: dict[str, Any]) -> Outgoing:
        """The row just inserted from ``row`` (the values given to ``OutboxQueries.add``)."""
        return cls(
            row_id,
            row["key"],
            row["platform"],
            row["chat"],
            row["kind"],
            row["payload"],
            row["card_key"],
            row["version"],
        )


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of one row: ``sent`` (with the copies of a card it posted), ``retry`` at
    ``next_at`` (a failed attempt), ``later`` (a rate limit's wait), or ``failed`` for good."""

    row: Outgoing
    state: str
    posted: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    next_at: datetime | None = None


#: ``attempts + 1``, one expression for every row (rows settled alike share an UPDATE).
_ONE_MORE = OutboxRow.attempts + 1


# The look-ups of whom a message is for, built once (building one costs more than running it).
_ACCOUNTS = (
    select(Identity.member_id, Identity.platform, Identity.external_id)
    .where(
        Identity.member_id.in_(bindparam("members", expanding=True)),
        Identity.platform.in_(bindparam("platforms", expanding=True)),
    )
    .order_by(Identity.id)
)
_HOLDERS = select(RoleRow.member_id).where(
    RoleRow.role.in_(bindparam("roles", expanding=True)),
    or_(RoleRow.branch_id == bindparam("branch"), RoleRow.committee_id == bindparam("committee")),
)
_GROUPS = (
    select(BoundChat.platform, BoundChat.chat_id)
    .where(
        BoundChat.branch_id == bindparam("branch"),
        BoundChat.platform.in_(bindparam("platforms", expanding=True)),
    )
    .order_by(BoundChat.id)
)
_COPIES = (
    select(ChatMessage.chat_id, ChatMessage.message_id)
    .where(ChatMessage.platform == bindparam("platform"), ChatMessage.key == bindparam("key"))
    .order_by(ChatMessage.id)
)

#: One more message in a rate limit's window (the same upsert as text, compiled once; ``window``
#: is a reserved word in PostgreSQL).
_COUNT_SENT = text(
    'INSERT INTO rate_windows (bucket, "window", count) VALUES (:bucket, :window, 1) '
    'ON CONFLICT (bucket, "window") DO UPDATE SET count = rate_windows.count + 1 RETURNING count'
)

#: A card's latest state, as text: the dialects' upsert has no cache key and would be compiled
#: on every call (the same SQL serves SQLite and PostgreSQL).
_SAVE_CARD = text(
    "INSERT INTO card_states (key, body, version, updated_at) VALUES (:key, :body, 1, :now) "
    "ON CONFLICT (key) DO UPDATE SET body = excluded.body, version = card_states.version + 1, "
    "updated_at = excluded.updated_at RETURNING version"
).bindparams(bindparam("body", type_=JSON()), bindparam("now", type_=UTCDateTime()))


class OutboxQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- resolving whom ----------------------------------------------------------------------

    async def accounts(
        self, member_ids: Sequence[int], platforms: Sequence[str]
    ) -> list[tuple[int, str, str]]:
        """(member, platform, account) of each member's accounts on the platforms."""
        if not member_ids or not platforms:
            return []
        params = {"members": list(member_ids), "platforms": list(platforms)}
        return [(m, p, e) for m, p, e in (await self.session.execute(_ACCOUNTS, params)).tuples()]

    async def holders(self, branch_id: int, committee_id: int | None, roles: Sequence[str]) -> list[int]:
        """Members holding one of ``roles`` over the branch (its own, or its committee's staff)."""
        params = {"branch": branch_id, "committee": committee_id, "roles": list(roles)}
        return sorted(set((await self.session.scalars(_HOLDERS, params)).all()))

    async def groups(self, branch_id: int, platforms: Sequence[str]) -> list[tuple[str, str]]:
        """(platform, chat) of the branch's bound group chats."""
        params = {"branch": branch_id, "platforms": list(platforms)}
        return [(p, c) for p, c in (await self.session.execute(_GROUPS, params)).tuples()]

    async def copies(self, platform: str, key: str) -> list[tuple[str, str]]:
        """(chat, message) of every copy of the card posted on the platform, oldest first, once each."""
        found = [
            (c, m)
            for c, m in (await self.session.execute(_COPIES, {"platform": platform, "key": key})).tuples()
        ]
        return list(dict.fromkeys(found))

    # -- writing -----------------------------------------------------------------------------

    async def save_card(self, key: str, body: dict[str, Any], now: datetime) -> int:
        """Record the card's latest state; its new version (1 for a new card)."""
        result = await self.session.execute(_SAVE_CARD, {"key": key, "body": body, "now": now})
        return int(result.scalar_one())

    async def add(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert the rows; their ids, in order. One row: one INSERT ... RETURNING; several: one
        executemany and one look-up of their ids by key."""
        if not rows:
            return []
        table = cast(Table, OutboxRow.__table__)  # Core: one statement for rows of any shape
        if len(rows) == 1:
            return [
                int((await self.session.execute(insert(table).returning(table.c.id), rows[0])).scalar_one())
            ]
        await self.session.execute(insert(table), rows)
        keys = [r["key"] for r in rows]
        found = dict(
            (await self.session.execute(select(OutboxRow.key, OutboxRow.id).where(OutboxRow.key.in_(keys))))
            .tuples()
            .all()
        )
        return [int(found[k]) for k in keys]

    # -- sending -----------------------------------------------------------------------------

    async def due(self, platform: str, owner: str, now: datetime, limit: int = 100) -> list[Outgoing]:
        """Rows to send now: this process's retries that are due, and rows whose writer's lease
        has run out (it crashed or stopped before sending them), oldest first. A row of a card
        carries the card's latest state."""
        query = (
            select(OutboxRow, CardState.body, CardState.version)
            .outerjoin(CardState, CardState.key == OutboxRow.card_key)
            .where(
                OutboxRow.state == "pending",
                OutboxRow.platform == platform,
                OutboxRow.next_at <= now,
                or_(OutboxRow.owner == owner, OutboxRow.lease_until <= now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        out = []
        for row, body, version in (await self.session.execute(query)).tuples():
            payload = dict(row.payload)
            if body is not None and row.kind in ("send", "refresh"):
                payload["card"] = body  # the latest state, not the one when the row was written
            out.append(
                Outgoing(
                    row.id,
                    row.key,
                    row.platform,
                    row.chat,
                    row.kind,
                    payload,
                    row.card_key,
                    version if body is not None else row.version,
                    row.attempts,
                )
            )
        return out

    async def take_over(self, ids: Sequence[int], owner: str, now: datetime, lease: datetime) -> set[int]:
        """Take rows over for sending (one conditional update each): those still pending whose
        lease ran out, or already ours. Another process taking the same row gets none of them."""
        taken = set()
        for row_id in ids:
            result = await self.session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == row_id,
                    OutboxRow.state == "pending",
                    or_(OutboxRow.owner == owner, OutboxRow.lease_until <= now),
                )
                .values(owner=owner, lease_until=lease)
            )
            if getattr(result, "rowcount", 0) == 1:
                taken.add(row_id)
        return taken

    async def settle(
        self, results: Sequence[Settled], now: datetime, owner: str, lease: datetime
    ) -> list[dict[str, Any]]:
        """Mark what was sent, failed or is to be tried again; remember where each copy of a card
        was posted. A copy posted from an older state than the card's latest (the card changed
        while the message was on its way) gets a refresh row, returned for sending."""
        again: list[dict[str, Any]] = []
        posted = [(r.row, c, m) for r in results for c, m in r.posted if r.row.card_key]
        if posted:
            await self.session.execute(
                insert(ChatMessage),
                [
                    {
                        "platform": row.platform,
                        "key": row.card_key,
                        "chat_id": c,
                        "message_id": m,
                        "created_at": now,
                    }
                    for row, c, m in posted
                ],
            )
            keys = sorted({row.card_key for row, _, _ in posted if row.card_key})
            latest = {
                k: (v, b)
                for k, v, b in (
                    await self.session.execute(
                        select(CardState.key, CardState.version, CardState.body).where(
                            CardState.key.in_(keys)
                        )
                    )
                ).tuples()
            }
            for row, chat, message in posted:
                version, body = latest.get(row.card_key or "", (None, None))
                if version is not None and row.version is not None and version > row.version:
                    again.append(
                        {
                            "key": f"{row.key}:v{version}:{chat}:{message}",
                            "platform": row.platform,
                            "chat": "",
                            "kind": "refresh",
                            "card_key": row.card_key,
                            "version": version,
                            "payload": {"card": body, "copies": [[chat, message]]},
                            "state": "pending",
                            "attempts": 0,
                            "next_at": now,
                            "owner": owner,
                            "lease_until": lease,
                            "created_at": now,
                        }
                    )
        groups: dict[tuple[Any, ...], list[int]] = {}
        for result in results:  # rows settled alike share one UPDATE (a batch is mostly "sent")
            if result.state == "later":  # a rate limit's wait, not a failed attempt
                values: dict[str, Any] = {"next_at": result.next_at or now}
            else:
                values = {"attempts": _ONE_MORE, "last_error": result.error}
                if result.state == "sent":
                    values.update(state="sent", sent_at=now)
                elif result.state == "failed":
                    values.update(state="failed")
                else:
                    values.update(next_at=result.next_at or now)
            if result.state in ("later", "retry"):  # still ours to send: no other replica takes it over
                values["lease_until"] = (result.next_at or now) + (lease - now)
            groups.setdefault(tuple(sorted(values.items(), key=lambda kv: kv[0])), []).append(result.row.id)
        table = cast(Table, OutboxRow.__table__)
        for shared, ids in groups.items():
            values = {k: (table.c.attempts + 1 if v is _ONE_MORE else v) for k, v in shared}
            await self.session.execute(update(table).where(table.c.id.in_(ids)).values(values))
        return again

    async def count_sent(self, windows: Sequence[tuple[str, int, int]]) -> list[int]:
        """Count one more message in each (bucket, window) and return the counts so far; a count
        past the bucket's limit is not kept (the caller rolls back)."""
        counts = []
        for bucket, window, _limit in windows:
            result = await self.session.execute(_COUNT_SENT, {"bucket": bucket, "window": window})
            counts.append(int(result.scalar_one()))
        return counts

    async def failed(self, platform: str | None = None) -> list[tuple[str, str, str, str | None]]:
        """(key, platform, chat, reason) of rows refused for good."""
        query = select(OutboxRow.key, OutboxRow.platform, OutboxRow.chat, OutboxRow.last_error).where(
            and_(
                OutboxRow.state == "failed", *(() if platform is None else (OutboxRow.platform == platform,))
            )
        )
        return [
            (k, p, c, e) for k, p, c, e in (await self.session.execute(query.order_by(OutboxRow.id))).tuples()
        ]
