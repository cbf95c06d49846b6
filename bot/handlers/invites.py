"""/bind CODE (a secretary binds the group to the branch) and /join CODE (link my account);
``/join 姓名`` in the group asks the secretary to confirm instead of using a code."""

from __future__ import annotations

import re

from bot.handlers.context import Deps
from bot.handlers.types import ORIGIN, Action, Answer, Card, Incoming, Reply, Send, Show, ToMember
from bot.i18n import t

CODE = re.compile(r"^[A-Za-z0-9]{6,12}$")


async def bind(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if inc.private:
        return [Send(ORIGIN, t("invite.bind_in_group"))]
    if not args:
        return [Send(ORIGIN, t("invite.bind_usage"))]
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, private=True)
    if where.person is None:
        return [Send(ORIGIN, t("chat.not_linked"))]
    bound = await deps.invites.bind(args.split()[0], where.person.actor, inc.platform, inc.chat)
    return [Send(ORIGIN, t("invite.bound", branch=bound.branch))]


async def join(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    if not args:
        return [Send(ORIGIN, t("invite.join_usage"))]
    if not CODE.match(args.split()[0]):
        return await _request(inc, deps, args.strip())
    joined = await deps.invites.join(args.split()[0], inc.platform, inc.user)
    return [Send(ORIGIN, t("invite.joined", name=joined.name, branch=joined.branch))]


async def _request(inc: Incoming, deps: Deps, name: str) -> list[Reply]:
    """``/join 张三`` in the branch's group: a card the secretary confirms (``k:``) or declines (``x:``)."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if inc.private or where.branch is None:
        return [Send(ORIGIN, t("invite.request_in_group"))]
    if where.person is not None:
        return [Send(ORIGIN, t("invite.account_linked", name=where.person.name))]
    request, member = await deps.invites.request(where.branch.id, name, inc.platform, inc.user)
    text = t("invite.request", who=inc.user_name or inc.user, name=member)
    actions = (
        Action(t("invite.button.confirm"), f"k:{request}"),
        Action(t("invite.button.decline"), f"x:{request}"),
    )
    return [Send(ORIGIN, Card(text, actions=actions))]


async def confirm(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``k:<request>``: a secretary links the account (role and links checked in the service)."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.person is None:
        return [Answer(t("chat.not_linked_press"), alert=True)]
    joined = await deps.invites.confirm(where.person.actor, int(args))
    done = t("invite.confirmed", name=joined.name, by=where.person.name)
    told = Send(ToMember(joined.member_id), t("invite.joined", name=joined.name, branch=joined.branch))
    return [Show(done), Answer(done), told]


async def decline(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``x:<request>``: only someone who may confirm may decline (checked in the service)."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    if where.person is None:
        return [Answer(t("chat.not_linked_press"), alert=True)]
    await deps.invites.decline(where.person.actor, int(args))
    return [Show(t("invite.declined", by=where.person.name))]
