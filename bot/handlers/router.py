"""Every command and button, registered in one visible place, and the one entry point.

``handle(incoming, deps)`` is one use case in one unit of work: the processed mark, the reads,
the writes and the outgoing messages (outbox rows) commit together, and the rows are delivered
right after the commit. A redelivered update (same platform and update id) changes nothing and
sends nothing. A refusal (``DomainError``) rolls back whatever the use case wrote and commits
the mark with the refusal; a conflict with a concurrent update (a unique key) is handled once
more from the start; an unexpected failure rolls everything back (a redelivery is handled anew)
and the person is told, once, that nothing was done.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError

from bot import logs, metrics
from bot.handlers import (
    approvals,
    backfill,
    basic,
    board,
    claims,
    committee,
    dues,
    evaluation,
    export,
    invites,
    leave,
    meetings,
    passbook,
    points,
    publicity,
    records,
    review,
    sheets,
)
from bot.handlers.cards import explain
from bot.handlers.context import Deps
from bot.handlers.parse import parse_command
from bot.handlers.types import ORIGIN, Answer, Incoming, Reply, Send, refusal
from bot.i18n import t
from bot.services.errors import DomainError
from bot.services.outbox import Origin
from bot.storage.outbox import Outgoing
from bot.storage.timeutil import utcnow

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
    "close": meetings.close_meeting,
    "record": records.record,
    "correct": records.correct,
    "reverse": records.correct,
    "entries": records.entries,
    # recorded by the branch: a meeting held offline (补录签到), dues (党费)
    "backfill": backfill.backfill,
    "dues": dues.dues,
    # the words people type for these (see parse.PHRASES and the README's "what people type")
    "items": basic.items,
    "howto": basic.howto,
    "approve": approvals.approve_command,
    "signin": meetings.sign_in_typed,
    "leave": leave.ask_typed,
    "object": publicity.object_command,
    "objection": publicity.decide_command,
    "reopen": publicity.reopen_command,
    "calendar": publicity.calendar_command,
    # the publicity board as pictures (公示栏)
    "board": board.board_command,
    # 民主测评 in a private chat: the ballot, the secretary's commands, scores typed at once
    "evaluation": evaluation.evaluation,
    "ballot": evaluation.typed,
    # the red passbook (红色存折): the balance, redeeming goods
    "passbook": passbook.passbook,
    "redeem": passbook.redeem,
    # the township committee's branch star rating (党支部评星定级)
    "star": committee.star,
    "report_evaluation": review.report,  # a typed score goes on to committee.evaluation
    "star_result": committee.result,
    # the branch's Excel files (导出), sent privately
    "export": export.export,
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
    "ri": records.pick_item,
    "rm": records.pick_member,
    # 补录签到's sheet card: a member's mark, a page, 确认, 取消
    "bf": backfill.press,
    "m": meetings.open_again,
    "pb": publicity.object_button,
    "pk": publicity.uphold_button,
    "pf": publicity.fix_button,
    "pv": publicity.back_button,
    # 民主测评's ballot card: a score, 上一位/下一位, 重评此人, 提交
    "evs": evaluation.rate,
    "evm": evaluation.move,
    "evc": evaluation.again,
    "evok": evaluation.submit,
    # the red passbook: a goods of the catalog, the secretary's 确认兑换 / 拒绝
    "ppg": passbook.pick,
    "ppc": passbook.confirm,
    "ppr": passbook.refuse,
    # the committee's branch card: 评星结果
    "cmr": committee.result_button,
    # 导出's menu: a kind pressed
    "ex": export.press,
    # 述职评议's ballot card: a grade, 提交
    "evr": review.choose,
    "evrok": review.submit,
}


async def handle(inc: Incoming, deps: Deps, bot_name: str = "") -> list[Outgoing]:
    """Handle one update and deliver its replies; the outbox rows it wrote (none for a redelivery)."""
    with logs.scope(platform=inc.platform, update=inc.update), metrics.handling(inc.platform):
        rows = await commit(inc, deps, bot_name)
        await deps.delivery.send(rows)
    return rows


async def commit(inc: Incoming, deps: Deps, bot_name: str = "") -> list[Outgoing]:
    """The update's unit of work, committed; its outbox rows (not yet delivered)."""
    cause = f"{inc.platform}:{inc.update}" if inc.update else f"{inc.platform}:local-{uuid.uuid4().hex}"
    origin = Origin.of(inc)
    with logs.scope(platform=inc.platform, update=inc.update):  # every line of this update says so
        try:
            for attempt in (1, 2):
                try:
                    rows = await _once(inc, deps, bot_name, cause, origin)
                    log.info("update handled: %s, %d message(s) to send", _kind(inc), len(rows))
                    return rows
                except IntegrityError:  # a concurrent update took a unique key first: start over once
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")
        except Exception:
            log.exception("update failed: %s", _kind(inc))
            await _sorry(inc, deps, cause, origin)
            raise


def _kind(inc: Incoming) -> str:
    """What the update was, for the log: a button (its prefix) or a message; never what was typed."""
    if inc.data is not None:
        return f"button {inc.data.partition(':')[0]}"
    return "private message" if inc.private else "group message"


async def _once(inc: Incoming, deps: Deps, bot_name: str, cause: str, origin: Origin) -> list[Outgoing]:
    async with deps.units() as uow:
        with uow.current():
            if inc.update is not None and not await uow.updates.first_time(inc.platform, inc.update):
                metrics.outcome("duplicate")
                return []
            try:
                replies = await route(inc, deps, bot_name)
            except DomainError as err:
                metrics.outcome("refused")
                await uow.rollback()  # nothing the use case wrote stays; the mark is taken anew
                if inc.update is not None:
                    await uow.updates.first_time(inc.platform, inc.update)
                replies = [refusal(inc, explain(err))]
            rows = await deps.outbox.write(uow, cause, answered(inc, replies), origin, utcnow())
            await uow.commit()
            return rows


async def _sorry(inc: Incoming, deps: Deps, cause: str, origin: Origin) -> None:
    """Tell the person nothing was done (once per update, whatever the redeliveries), without
    the processed mark, so that a redelivery is handled."""
    try:
        async with deps.units() as uow:
            rows = await deps.outbox.write(
                uow, f"{cause}:sorry", answered(inc, [refusal(inc, t("chat.error"))]), origin, utcnow()
            )
            await uow.commit()
        await deps.delivery.send(rows)
    except IntegrityError:
        pass  # told already, on an earlier delivery of the same update
    except Exception:  # the failure being raised matters more
        log.exception("could not tell %s that update %s failed", inc.platform, inc.update)


def answered(inc: Incoming, replies: list[Reply]) -> list[Reply]:
    """A press gets exactly one answer (an empty one stops the button's spinner)."""
    if not inc.pressed:
        return replies
    answers = [r for r in replies if isinstance(r, Answer)]
    rest = [r for r in replies if not isinstance(r, Answer)]
    return [answers[0] if answers else Answer(""), *rest]


async def route(inc: Incoming, deps: Deps, bot_name: str = "") -> list[Reply]:
    """The replies to one update, inside the update's unit of work."""
    if inc.data is not None:
        return await _press(inc, deps, inc.data)
    return await _message(inc, deps, bot_name)


async def _press(inc: Incoming, deps: Deps, data: str) -> list[Reply]:
    prefix, _, args = data.partition(":")
    handler = BUTTONS.get(prefix)
    if handler is None or not args:
        return [Answer(t("chat.stale_button"), alert=True)]
    try:
        return await handler(inc, deps, args)
    except (ValueError, IndexError):  # data not made by this bot, or from an older layout
        return [Answer(t("chat.stale_button"), alert=True)]


async def _message(inc: Incoming, deps: Deps, bot_name: str) -> list[Reply]:
    command = parse_command(inc.text, bot_name)
    if command is None and (inc.document is not None or inc.photo_failed):  # a file sent on its own
        return await sheets.receive(inc, deps)
    if command is None or command.name not in COMMANDS:
        if not inc.private:
            return []
        return (
            await basic.suggest(inc, deps) if inc.text.strip() else [Send(ORIGIN, t("chat.unknown_command"))]
        )
    if inc.anonymous:  # whoever it is cannot be told apart from the group itself
        return [Send(ORIGIN, t("chat.anonymous"))]
    return await COMMANDS[command.name](inc, deps, command.args)
