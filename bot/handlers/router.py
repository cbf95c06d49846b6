"""Every command and button, registered in one visible place, and the one entry point.

``handle(incoming, deps, bot_name)`` returns the replies for a channel to render. A
redelivered update (same platform and update id) gets nothing and changes nothing, unless
handling it the first time failed unexpectedly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.handlers import approvals, basic, claims, invites, leave, meetings, points
from bot.handlers.cards import explain
from bot.handlers.context import Deps
from bot.handlers.parse import parse_command
from bot.handlers.types import ALERT, Incoming, Reply, quoting
from bot.i18n import t
from bot.services.errors import DomainError

log = logging.getLogger(__name__)

Handler = Callable[[Incoming, Deps, str], Awaitable[list[Reply]]]

#: Commands by name; Chinese keywords map onto these names in ``parse.KEYWORDS``.
COMMANDS: dict[str, Handler] = {
    "start": basic.start,
    "help": basic.help_,
    "bind": invites.bind,
    "join": invites.join,
    "claim": claims.claim,
    "withdraw": claims.withdraw,
    "pending": approvals.pending,
    "reject": approvals.reject_command,
    "me": points.me,
    "rank": points.rank,
    "meeting": meetings.open_meeting,
}

#: Buttons by the prefix of their data, ``<prefix>:<args>``.
BUTTONS: dict[str, Handler] = {
    "a": approvals.approve,
    "r": approvals.reject,
    "j": approvals.adjust,
    "b": approvals.back,
    "i": claims.pick_item,
    "w": claims.withdraw_button,
    "s": meetings.sign_in,
    "o": meetings.sign_in_online,
    "l": leave.ask,
    "v": leave.file,
    "y": leave.decide,
    "k": invites.confirm,
    "x": invites.decline,
}


async def handle(inc: Incoming, deps: Deps, bot_name: str = "") -> list[Reply]:
    """The replies to one update. The update is marked processed before it is handled, so a
    redelivery arriving meanwhile (on any replica) is skipped; a handler spans several units of
    work, so the mark cannot share their transaction. Instead, when handling fails unexpectedly
    the mark is taken back, and a redelivery is handled (what was committed before the failure
    stays, and the use cases refuse a duplicate of it)."""
    if inc.update is not None and not await deps.chat.first_time(inc.platform, inc.update):
        return []
    try:
        if inc.data is not None:
            return await _press(inc, deps, inc.data)
        return await _message(inc, deps, bot_name)
    except DomainError as err:
        return [Reply(explain(err), to=ALERT if inc.pressed else quoting(inc.message))]
    except Exception:
        if inc.update is not None:
            await _forget(deps, inc.platform, inc.update)
        raise


async def _forget(deps: Deps, platform: str, update: str) -> None:
    try:
        await deps.chat.forget_update(platform, update)
    except Exception:  # the failure being raised matters more; a redelivery is then skipped, as before
        log.exception("could not take back the processed mark of %s update %s", platform, update)


async def tick(deps: Deps, platform: str) -> list[Reply]:
    """Scheduled work, every half minute: sign-in windows that have closed get their report;
    once a day, old chat state is pruned."""
    try:
        pruned = await deps.chat.prune(deps.now())
        if pruned is not None:
            log.info("pruned chat state: %s", pruned)
    except Exception:  # closing sign-ins matters more; the prune is tried again on the next tick
        log.exception("pruning chat state failed")
    return await meetings.tick(deps, platform)


async def _press(inc: Incoming, deps: Deps, data: str) -> list[Reply]:
    prefix, _, args = data.partition(":")
    handler = BUTTONS.get(prefix)
    if handler is None or not args:
        return [Reply(t("chat.stale_button"), to=ALERT)]
    try:
        return await handler(inc, deps, args)
    except (ValueError, IndexError):  # data not made by this bot, or from an older layout
        return [Reply(t("chat.stale_button"), to=ALERT)]


async def _message(inc: Incoming, deps: Deps, bot_name: str) -> list[Reply]:
    command = parse_command(inc.text, bot_name)
    if command is None or command.name not in COMMANDS:
        return [Reply(t("chat.unknown_command"), to=quoting(inc.message))] if inc.private else []
    if inc.anonymous:  # whoever it is cannot be told apart from the group itself
        return [Reply(t("chat.anonymous"), to=quoting(inc.message))]
    return await COMMANDS[command.name](inc, deps, command.args)
