"""/start and /help (帮助): what the bot does here, for this person's role."""

from __future__ import annotations

from bot.handlers import invites, sheets
from bot.handlers.context import Deps
from bot.handlers.types import ORIGIN, Incoming, Reply, Send
from bot.i18n import t
from bot.services.policy import approvers, recorders


async def start(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/start`` is help; ``/start CODE`` (a ``t.me/<bot>?start=CODE`` link) joins with the code."""
    return await (invites.join if args else help_)(inc, deps, args)


async def help_(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    lines = [t("chat.help.intro")]
    if where.branch is None:
        lines.append(t("chat.help.unbound") if not inc.private else t("chat.help.unlinked"))
    else:
        lines.append(
            t("chat.help.branch", branch=where.branch.name, scheme=deps.chat.scheme(where.branch).name)
        )
    if where.person is None and where.branch is not None:
        lines.append(t("chat.help.unlinked"))
    if where.person is not None:
        lines.append(t("chat.help.member", name=where.person.name))
        if where.branch is not None and where.person.roles & set(approvers(deps.chat.scheme(where.branch))):
            lines.append(t("chat.help.approver"))
        if where.branch is not None and sheets.may_import(where.person.roles, deps.chat.scheme(where.branch)):
            lines.append(t("sheets.help"))
        if where.branch is not None and where.person.roles & set(recorders(deps.chat.scheme(where.branch))):
            lines.append(t("records.help"))  # 补录签到, 党费
    return [Send(ORIGIN, "\n\n".join(lines))]
