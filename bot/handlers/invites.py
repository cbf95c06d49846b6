"""/bind CODE (a secretary binds the group to the branch) and /join CODE (link my account)."""

from __future__ import annotations

from bot.handlers.context import Deps
from bot.handlers.types import Incoming, Reply, quoting
from bot.i18n import t


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
    joined = await deps.invites.join(args.split()[0], inc.platform, inc.user)
    return [Reply(t("invite.joined", name=joined.name, branch=joined.branch), to=quoting(inc.message))]
