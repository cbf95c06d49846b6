"""/bind CODE (a secretary binds the group to the branch) and /join CODE (link my account);
``/join 姓名`` in the group asks the secretary to confirm instead of using a code."""

from __future__ import annotations

import re

from bot.handlers.cards import role_names
from bot.handlers.context import Deps
from bot.handlers.types import ALERT, EDIT, NOTICE, Button, Incoming, Reply, quoting, to_chat
from bot.i18n import t
from bot.services.invites import BINDERS

CODE = re.compile(r"^[A-Za-z0-9]{6,12}$")


async def bind(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if inc.private:
        return [Reply(t("invite.bind_in_group"), to=quoting(inc.message))]
    if not args:
        return [Reply(t("invite.bind_usage"), to=quoting(inc.message))]
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, private=True)
    if where.person is None:
        return [Reply(t("chat.not_linked"), to=quoting(inc.message))]
    bound = await deps.invites.bind(args.split()[0], where.person.actor, inc.platform, inc.chat)
    return [Reply(t("invite.bound", branch=bound.branch), to=quoting(inc.message))]


async def join(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if not args:
        return [Reply(t("invite.join_usage"), to=quoting(inc.message))]
    if not CODE.match(args.split()[0]):
        return await _request(inc, deps, args.strip())
    joined = await deps.invites.join(args.split()[0], inc.platform, inc.user)
    return [Reply(t("invite.joined", name=joined.name, branch=joined.branch), to=quoting(inc.message))]


async def _request(inc: Incoming, deps: Deps, name: str) -> list[Reply]:
    """``/join 张三`` in the branch's group: a card the secretary confirms (``k:``) or declines (``x:``)."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if inc.private or where.branch is None:
        return [Reply(t("invite.request_in_group"), to=quoting(inc.message))]
    if where.person is not None:
        return [Reply(t("invite.account_linked", name=where.person.name), to=quoting(inc.message))]
    member = await deps.chat.find_member(where.branch.id, name)
    if member is None:
        return [
            Reply(t("store.unknown_member", member=name, branch=where.branch.name), to=quoting(inc.message))
        ]
    data = f"{member[0]}:{inc.user}"
    text = t("invite.request", who=inc.user_name or inc.user, name=member[1])
    buttons = (
        (Button(t("invite.button.confirm"), f"k:{data}"), Button(t("invite.button.decline"), f"x:{data}")),
    )
    return [Reply(text, buttons, quoting(inc.message))]


async def confirm(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``k:<member>:<account>``: the secretary links the account (role and links checked again)."""
    member_id, _, account = args.partition(":")
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.person is None:
        return [Reply(t("chat.not_linked_press"), to=ALERT)]
    joined = await deps.invites.confirm(where.person.actor, int(member_id), inc.platform, account)
    done = t("invite.confirmed", name=joined.name, by=where.person.name)
    told = Reply(t("invite.joined", name=joined.name, branch=joined.branch), to=to_chat(account))
    return [Reply(done, to=EDIT), Reply(done, to=NOTICE), told]


async def decline(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``x:<member>:<account>``: only someone who may confirm may decline."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.branch is None or where.person is None or not where.person.roles & set(BINDERS):
        return [Reply(t("chat.not_allowed", roles=role_names(BINDERS)), to=ALERT)]
    return [Reply(t("invite.declined", by=where.person.name), to=EDIT)]
