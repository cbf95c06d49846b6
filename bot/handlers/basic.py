"""/start, /help (帮助), /items (积分项目), how to claim (我想申报), and what the bot says to a
private message it does not understand.

帮助 is built from ``HELP``: one line per command, for the roles that may use it. A new command
adds one ``Usage`` here and its catalog line (what to type, `` — ``, what it does).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.handlers import invites, sheets
from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.parse import KEYWORDS, PHRASES
from bot.handlers.types import ORIGIN, Incoming, Reply, Send
from bot.i18n import t
from bot.scoring.model import Item, Scheme
from bot.services.chat import Where
from bot.services.policy import OPENERS, approvers, recorders

#: Who a help line is for: every linked ``member``, the scheme's ``approver``s, the ``recorder``s
#: (积分员 and approvers), the ``opener``s of sign-ins (支部书记, 党委), or ``unlinked`` accounts.
ROLES = ("member", "approver", "recorder", "opener", "committee")


@dataclass(frozen=True, slots=True)
class Usage:
    """One line of 帮助: the role it is for, the commands it names (router names) and its text."""

    role: str
    commands: tuple[str, ...]
    key: str
    #: What the branch's scheme must have for the line to be shown: ``rating`` (民主测评) or
    #: ``redemption`` (红色存折); empty: every scheme.
    needs: str = ""


HELP: tuple[Usage, ...] = (
    Usage("unlinked", ("join",), "newuser.help.join"),
    Usage("member", ("claim",), "newuser.help.claim"),
    Usage("member", ("items",), "newuser.help.items"),
    Usage("member", ("withdraw",), "newuser.help.withdraw"),
    Usage("member", ("me",), "newuser.help.me"),
    Usage("member", ("entries",), "recording.help.entries"),
    Usage("member", ("rank",), "newuser.help.rank"),
    Usage("member", ("signin", "leave"), "newuser.help.signin"),
    Usage("member", ("object",), "pub.help.object"),
    Usage("member", ("calendar",), "pub.help.calendar"),
    Usage("member", ("board",), "board.help"),
    Usage("member", ("passbook",), "passbook.help.passbook", "redemption"),
    Usage("member", ("redeem",), "passbook.help.redeem", "redemption"),
    Usage("member", ("help",), "newuser.help.help"),
    Usage("approver", ("pending",), "newuser.help.pending"),
    Usage("approver", ("approve",), "newuser.help.approve"),
    Usage("approver", ("reject",), "newuser.help.reject"),
    Usage("approver", ("correct",), "recording.help.correct"),
    Usage("approver", ("objection",), "pub.help.decide"),
    Usage("approver", ("reopen",), "pub.help.reopen"),
    Usage("recorder", ("record",), "recording.help.record"),
    Usage("recorder", ("backfill",), "records.help.backfill"),
    Usage("recorder", ("dues",), "records.help.dues"),
    Usage("opener", ("meeting",), "newuser.help.meeting"),
    Usage("opener", ("close",), "newuser.help.close"),
    # 民主测评 in the chat
    Usage("unlinked", ("evaluation",), "evaluation.help.code", "rating"),
    Usage("member", ("evaluation",), "evaluation.help.vote", "rating"),
    Usage("member", ("evaluation",), "evaluation.help.typed", "rating"),
    Usage("opener", ("evaluation",), "evaluation.help.open", "rating"),
    Usage("opener", ("evaluation",), "evaluation.help.invite", "rating"),
    Usage("opener", ("evaluation",), "evaluation.help.status", "rating"),
    Usage("opener", ("evaluation",), "evaluation.help.close", "rating"),
    Usage("committee", ("star",), "cm.help.star"),
    Usage("committee", ("report_evaluation",), "cm.help.evaluation"),
    Usage("committee", ("star_result",), "cm.help.result"),
    Usage("committee", ("star",), "cm.help.template"),
    Usage("committee", ("export",), "cm.help.export"),
    Usage("member", ("export",), "export.help.own"),
    Usage("recorder", ("export",), "export.help"),
    Usage("member", ("report_evaluation",), "review.help.vote"),
    Usage("committee", ("report_evaluation",), "review.help.open"),
    Usage("committee", ("report_evaluation",), "review.help.status"),
    Usage("committee", ("report_evaluation",), "review.help.close"),
)

#: The heading of each role's lines in 帮助 (the member's names the person).
HEADINGS = {
    "approver": "chat.help.approver",
    "recorder": "newuser.help.recorder",
    "opener": "newuser.help.opener",
    "committee": "cm.help.heading",
}


def roles_of(deps: Deps, where: Where) -> tuple[str, ...]:
    """The help roles of the writer, in ``ROLES`` order (``unlinked`` for an unlinked account)."""
    if where.person is None or where.branch is None:
        return ("unlinked",)
    scheme = deps.chat.scheme(where.branch)
    held = where.person.roles
    has = {
        "member": True,
        "approver": bool(held & set(approvers(scheme))),
        "recorder": bool(held & set(recorders(scheme))),
        "opener": bool(held & set(OPENERS)),
        "committee": "committee" in held,
    }
    return tuple(r for r in ROLES if has[r])


def lines_for(role: str, scheme: Scheme | None = None) -> list[str]:
    """The help lines of ``role``, leaving out those the branch's scheme has nothing for."""
    return [t("newuser.help.line", text=t(u.key)) for u in HELP if u.role == role and _offered(u, scheme)]


def _offered(usage: Usage, scheme: Scheme | None) -> bool:
    if usage.needs == "rating":
        return scheme is None or scheme.rating is not None
    if usage.needs == "redemption":
        return scheme is None or scheme.redemption.enabled
    return True


async def start(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/start`` is help; ``/start CODE`` (a ``t.me/<bot>?start=CODE`` link) joins with the code."""
    return await (invites.join if args else help_)(inc, deps, args)


async def help_(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    parts = [t("chat.help.intro")]
    if where.branch is None:
        parts.append(t("chat.help.unbound") if not inc.private else t("chat.help.unlinked"))
    else:
        parts.append(
            t("chat.help.branch", branch=where.branch.name, scheme=deps.chat.scheme(where.branch).name)
        )
    if where.person is None and where.branch is not None:
        parts.append(t("chat.help.unlinked"))
    scheme = deps.chat.scheme(where.branch) if where.branch is not None else None
    for role in roles_of(deps, where):
        lines = lines_for(role, scheme)
        if role == "unlinked" or not lines:
            continue
        head = (
            t("chat.help.member", name=where.person.name)
            if role == "member" and where.person
            else t(HEADINGS[role])
        )
        parts.append("\n".join([head, *lines]))
    if where.person is not None and scheme is not None and sheets.may_import(where.person.roles, scheme):
        parts.append(t("sheets.help"))  # a sheet is sent, not typed: no line of the table
    return [Send(ORIGIN, "\n\n".join(parts))]


def _typed(usage: Usage) -> list[str]:
    """What a person may type for the line's commands: its own words and the keywords for them."""
    shown = t(usage.key).split(" — ")[0]
    words = [w.strip() for w in shown.split(" / ")]
    words += [k for k, name in (*KEYWORDS.items(), *PHRASES.items()) if name in usage.commands]
    return words


def _likeness(text: str, usage: Usage) -> float:
    best = 0.0
    for word in _typed(usage):
        head = word.split()[0] if word.split() else word
        shared = len(set(head) & set(text)) / max(len(set(head)), 1)
        best = max(best, SequenceMatcher(None, text, head).ratio() + shared)
    return best


async def suggest(inc: Incoming, deps: Deps) -> list[Reply]:
    """A private message that is no command: the three commands it most likely meant."""
    where = await deps.chat.where(inc.platform, inc.user, inc.chat, inc.private)
    roles = roles_of(deps, where)
    usages = [u for u in HELP if u.role in roles and u.commands != ("help",)]
    text = inc.text.strip()
    ranked = sorted(usages, key=lambda u: -_likeness(text, u))[:3]  # stable: ties keep the table's order
    lines = "\n".join(t("newuser.help.line", text=t(u.key)) for u in ranked)
    shown = text if len(text) <= 20 else text[:20] + "…"
    return [Send(ORIGIN, t("newuser.suggest", text=shown, lines=lines))]


def item_line(item: Item) -> str:
    if item.points is not None:
        line = t("newuser.items.fixed", name=item.name, points=number(item.points))
    else:
        line = t("newuser.items.range", name=item.name, low=number(item.min), high=number(item.max))
    if item.lead_multiplier is not None:
        line += t("newuser.items.lead", times=number(item.lead_multiplier))
    return line


async def _item_list(inc: Incoming, deps: Deps) -> str:
    person, branch = await located(inc, deps)
    items = deps.chat.claimable(branch, person)
    if not items:
        return t("newuser.items.none")
    return "\n".join([t("newuser.items.head", scheme=deps.chat.scheme(branch).name), *map(item_line, items)])


async def items(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/items`` (积分项目): the items this member may claim, with their points."""
    return [Send(ORIGIN, await _item_list(inc, deps))]


async def howto(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``我想申报`` / ``申报积分``: how to claim, and the items that may be claimed."""
    return [Send(ORIGIN, "\n\n".join([t("newuser.howto"), await _item_list(inc, deps)]))]
