"""One-time codes: ``/bind CODE`` binds a group chat to a branch, ``/join CODE`` links an account
to a roster member.

A code is kept as an ``invites`` row holding only its digest, and used up by a conditional
update of that row, so it works once across replicas; each use is one transaction, and a
use that fails later in it leaves the code unused. The audit log records the issue and each
use as history.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.services.chat import use_up
from bot.services.common import Actor, Context, branch_of, member_of, require_role
from bot.services.errors import Duplicate, Invalid, NotFound
from bot.services.policy import BINDERS
from bot.storage.chat import ChatQueries
from bot.storage.schema import Invite, Offer
from bot.storage.timeutil import utcnow
from bot.storage.uow import UnitOfWork

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8
VALID_FOR = timedelta(days=7)


def digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Bound:
    branch_id: int
    branch: str


@dataclass(frozen=True, slots=True)
class Joined:
    member_id: int
    name: str
    branch: str


class InviteService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def issue(self, actor: Actor, branch_id: int, member_id: int | None = None) -> str:
        """A new code: for binding a chat to the branch, or (with ``member_id``) for linking that member."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            if member_id is not None:
                await member_of(uow, branch.id, member_id)
            kind = "branch" if member_id is None else "member"
            invite = Invite(
                kind=kind, branch_id=branch.id, member_id=member_id, code_hash=digest(code),
                created_by=actor.label, expires_at=utcnow() + VALID_FOR,
            )  # fmt: skip
            await ChatQueries(uow.session).add_invite(invite)
            details = {"member": member_id, "expires": invite.expires_at.isoformat()}
            await uow.audit.record(
                actor.label,
                f"invite.{kind}",
                branch_id=branch.id,
                subject=f"invite:{invite.id}",
                details=details,
            )
            await uow.commit()
        return code

    async def bind(self, code: str, actor: Actor, platform: str, chat_id: str) -> Bound:
        async with self.ctx.uow() as uow:
            invite = await self._invite(uow, code, "branch")
            branch = await branch_of(uow, invite.branch_id)
            await require_role(uow, actor, branch, BINDERS)
            bound = await uow.branches.for_chat(platform, chat_id)
            if bound is not None:
                raise Duplicate("invite.chat_bound", earlier=bound.id, branch=bound.name)
            await self._use(uow, invite, actor.label)
            await uow.audit.record(
                actor.label, "chat.bind", branch_id=branch.id, subject=f"{platform}:{chat_id}"
            )
            await uow.branches.bind_chat(branch.id, platform, chat_id)
            await uow.commit()
            return Bound(branch.id, branch.name)

    async def join(self, code: str, platform: str, account: str) -> Joined:
        async with self.ctx.uow() as uow:
            invite = await self._invite(uow, code, "member")
            linked = await ChatQueries(uow.session).member_of_identity(platform, account)
            if linked is not None:
                raise Duplicate("invite.account_linked", earlier=linked.id, name=linked.name)
            branch = await branch_of(uow, invite.branch_id)
            member = await member_of(uow, branch.id, invite.member_id or 0)
            if await uow.members.identity(member.id, platform) is not None:
                raise Duplicate("invite.member_linked", earlier=member.id, name=member.name)
            await self._use(uow, invite, f"{platform}:{account}")
            await uow.audit.record(f"member:{member.id}", "chat.join", branch_id=branch.id, subject=platform)
            await uow.members.link(member.id, platform, account)
            await uow.commit()
            return Joined(member.id, member.name, branch.name)

    async def request(self, branch_id: int, key: str, platform: str, account: str) -> tuple[int, str]:
        """Someone in the branch's group asks to be linked as roster member ``key`` (name or
        编号) without a code: (the request's id, the member's name), for a binder to decide."""
        async with self.ctx.uow() as uow:
            member = await uow.members.find(branch_id, key)
            if member is None or (key.isdigit() and member.code != key):
                branch = await branch_of(uow, branch_id)
                raise NotFound("store.unknown_member", member=key, branch=branch.name)
            payload = {"platform": platform, "account": account}
            offer = Offer(kind="join_request", branch_id=branch_id, member_id=member.id, payload=payload)
            offer_id = await ChatQueries(uow.session).add_offer(offer)
            await uow.commit()
            return offer_id, member.name

    async def confirm(self, actor: Actor, request_id: int) -> Joined:
        """A secretary confirms a request to link an account to a member of their branch (no code)."""
        async with self.ctx.uow() as uow:
            offer = await self._request(uow, actor, request_id)
            platform, account = str(offer.payload["platform"]), str(offer.payload["account"])
            member = await member_of(uow, offer.branch_id, offer.member_id)
            branch = await branch_of(uow, member.branch_id)
            queries = ChatQueries(uow.session)
            linked = await queries.member_of_identity(platform, account)
            if linked is not None:
                raise Duplicate("invite.request_linked", earlier=linked.id, name=linked.name)
            if await uow.members.identity(member.id, platform) is not None:
                raise Duplicate("invite.member_linked", earlier=member.id, name=member.name)
            await uow.members.link(member.id, platform, account)
            await uow.audit.record(
                actor.label, "chat.join_confirmed", branch_id=branch.id, subject=f"member:{member.id}"
            )
            await uow.commit()
            return Joined(member.id, member.name, branch.name)

    async def decline(self, actor: Actor, request_id: int) -> None:
        """A secretary declines a request to link an account (only those who may confirm it)."""
        async with self.ctx.uow() as uow:
            offer = await self._request(uow, actor, request_id)
            await uow.audit.record(
                actor.label,
                "chat.join_declined",
                branch_id=offer.branch_id,
                subject=f"member:{offer.member_id}",
            )
            await uow.commit()

    async def _request(self, uow: UnitOfWork, actor: Actor, request_id: int) -> Offer:
        """The join request, used up, if ``actor`` may decide it (a binder of its branch)."""
        queries = ChatQueries(uow.session)
        offer = await queries.offer(request_id)
        if offer is None or offer.kind != "join_request":
            raise Invalid("invite.bad_request")
        await require_role(uow, actor, await branch_of(uow, offer.branch_id), BINDERS)
        await use_up(uow, offer)
        return offer

    @staticmethod
    async def _invite(uow: UnitOfWork, code: str, kind: str) -> Invite:
        invite = await ChatQueries(uow.session).invite(digest(code))
        if invite is None or invite.kind != kind:
            raise Invalid("invite.bad_code")
        if utcnow() > invite.expires_at:
            raise Invalid("invite.expired")
        if invite.used_at is not None:
            raise Invalid("invite.used")
        return invite

    @staticmethod
    async def _use(uow: UnitOfWork, invite: Invite, by: str) -> None:
        """Use the code up, in the transaction that acts on it (a later failure leaves it unused);
        refused when another use got there first, even at the same moment on another replica."""
        if not await ChatQueries(uow.session).use_invite(invite.id, by, utcnow()):
            raise Invalid("invite.used")
