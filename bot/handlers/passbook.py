"""存折 and 兑换: the red passbook in the chat (every check is in ``bot/services/passbook.py``).

``存折`` shows the writer's balance and history, privately (the secretary and the recorder may
ask for a member's: ``存折 张三``). ``兑换`` in a private chat shows the catalog as buttons
(``ppg:<goods>``: one of it); ``兑换 洗衣液 2`` asks at once. The request goes to the secretary
as a card with 确认兑换 (``ppc:<request>``) and 拒绝 (``ppr:<request>``); the member is told
privately. Nothing of a balance is posted in the group: 兑换 typed there points to the private chat.
"""

from __future__ import annotations

import re

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.types import (
    ORIGIN,
    Action,
    Answer,
    Card,
    Choice,
    Field,
    Incoming,
    Refresh,
    Reply,
    Send,
    ToMember,
    ToRoles,
)
from bot.i18n import t
from bot.services.common import Source
from bot.services.passbook import CONFIRMERS, Goods, Passbook, PassbookService, RequestView
from bot.storage.timeutil import to_local

_UNITS = "件|个|瓶|袋|份|包|盒|桶|支|本|张|条|斤|块|双|套|节|根|把|罐|只"
_COUNT = re.compile(rf"^(.+?)\s*[x×*]?\s*(\d+)\s*(?:{_UNITS})?$")
_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_WORDS = re.compile(rf"^(.+?)\s*([一两二三四五六七八九十])\s*(?:{_UNITS})$")


def service(deps: Deps) -> PassbookService:
    return PassbookService(deps.chat.ctx)


def goods_and_count(text: str) -> tuple[str, int]:
    """``洗衣液 2``, ``洗衣液2``, ``洗衣液 ×2``, ``洗衣液 两瓶`` → (name, count); no count: 1."""
    text = text.strip()
    found = _COUNT.match(text)
    if found:
        return found.group(1).strip(), int(found.group(2))
    words = _WORDS.match(text)
    if words:
        return words.group(1).strip(), _SMALL[words.group(2)]
    return text, 1


async def passbook(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``存折`` (``存折 张三`` for the secretary or the recorder): sent privately."""
    person, branch = await located(inc, deps)
    book = await service(deps).passbook(branch.id, args.strip() or person.member_id, person.actor)
    text = passbook_text(book)
    if inc.private:
        return [Send(ORIGIN, text)]
    return [Send(ToMember(person.member_id), text), Send(ORIGIN, t("passbook.sent", name=person.name))]


async def redeem(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``兑换`` (the catalog) or ``兑换 洗衣液 2`` (a request), in a private chat."""
    person, branch = await located(inc, deps)
    if not inc.private:
        return [Send(ORIGIN, t("passbook.in_private"))]
    if not args.strip():
        goods = await service(deps).catalog(branch.id)
        book = await service(deps).passbook(branch.id, person.member_id, person.actor)
        return [Send(ORIGIN, catalog_card(goods, book))]
    name, count = goods_and_count(args)
    source = Source(inc.platform, inc.chat, inc.message)
    return asked(await service(deps).ask(branch.id, person.actor, name, count, source))


async def pick(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``ppg:<goods>``: the presser asks for one of the goods."""
    person, branch = await located(inc, deps)
    source = Source(inc.platform, inc.chat, inc.message)
    view = await service(deps).ask(branch.id, person.actor, int(args), 1, source)
    return [Answer(t("passbook.asked_toast")), *asked(view)]


async def confirm(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    return await _decide(inc, deps, int(args), True)


async def refuse(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    return await _decide(inc, deps, int(args), False)


async def _decide(inc: Incoming, deps: Deps, request_id: int, yes: bool) -> list[Reply]:
    """确认兑换 / 拒绝 on the card (the secretary, never for one's own; once)."""
    view = await service(deps).request(request_id)
    person = await deps.chat.person(inc.platform, inc.user, view.branch_id)
    view = await service(deps).decide(request_id, person.actor, yes, deps.now())
    if not view.changed:
        already = t("passbook.already", status=t(f"passbook.word.{view.status}"))
        return [Answer(already, alert=True), Refresh(request_card(view))]
    told = t(
        f"passbook.told.{view.status}", id=view.id, by=view.decider or "", goods=view.goods,
        quantity=view.quantity, points=number(view.points), balance=number(view.balance),
    )  # fmt: skip
    return [
        Answer(t(f"passbook.done.{view.status}")),
        Refresh(request_card(view)),
        Send(ToMember(view.member_id), told),
    ]


def asked(view: RequestView) -> list[Reply]:
    """The member told (in the private chat asked from); the card to the secretary."""
    text = t(
        "passbook.asked", id=view.id, goods=view.goods, quantity=view.quantity, points=number(view.points)
    )
    return [
        Send(ORIGIN, text),
        Send(ToRoles(view.branch_id, CONFIRMERS, exclude=view.member_id), request_card(view)),
    ]


def request_card(view: RequestView) -> Card:
    fields = (
        Field(t("passbook.card.member"), view.member),
        Field(
            t("passbook.card.goods"), t("passbook.card.goods_value", goods=view.goods, quantity=view.quantity)
        ),
        Field(
            t("passbook.card.points"),
            t("passbook.card.points_value", points=number(view.points), yuan=number(view.yuan)),
        ),
        Field(
            t("passbook.card.balance_now" if view.status == "refused" else "passbook.card.balance"),
            t("passbook.card.balance_value", balance=number(view.balance)),
        ),
    )
    actions = (
        (
            Action(t("passbook.button.confirm"), f"ppc:{view.id}"),
            Action(t("passbook.button.refuse"), f"ppr:{view.id}"),
        )
        if view.status == "pending"
        else ()
    )
    status = t(f"passbook.status.{view.status}", by=view.decider or "")
    return Card(
        t("passbook.card.title", id=view.id),
        fields,
        status=status,
        actions=actions,
        key=f"passbook:{view.id}",
    )


def catalog_card(goods: list[Goods], book: Passbook) -> Card | str:
    if not goods:
        return t("passbook.catalog.empty")
    fields = tuple(
        Field(
            g.name,
            t(
                "passbook.catalog.value" if g.stock else "passbook.catalog.sold_out",
                points=number(g.points),
                yuan=number(g.yuan),
                stock=g.stock,
            ),
        )
        for g in goods
    )
    options = tuple(
        Action(t("passbook.catalog.option", name=g.name, points=number(g.points)), f"ppg:{g.id}")
        for g in goods
        if g.stock
    )
    note = t("passbook.catalog.note", available=number(book.available), example=goods[0].name)
    choice = Choice(t("passbook.catalog.pick"), options) if options else None
    return Card(t("passbook.catalog.title"), fields, note, choice=choice)


def passbook_text(book: Passbook) -> str:
    least = t("passbook.earned_least", least=number(book.min_score)) if book.min_score else ""
    if book.pending:
        lines = [
            t("passbook.head", name=book.member),
            t(
                "passbook.balance_pending",
                balance=number(book.balance),
                pending=number(book.pending),
                available=number(book.available),
            ),
        ]
    else:
        lines = [t("passbook.head", name=book.member), t("passbook.balance", balance=number(book.balance))]
    if book.years:
        lines.append(t("passbook.earned_head", least=least))
        lines += [_year(y.year, y.score, y.earned, book.min_score) for y in book.years]
    else:
        lines.append(t("passbook.no_years", least=least))
    lines.append(t("passbook.lines_head") if book.lines else t("passbook.no_lines"))
    for line in book.lines:
        day = to_local(line.at).date().isoformat()
        if line.reverses is not None:
            lines.append(
                t(
                    "passbook.line_reversal",
                    id=line.id,
                    date=day,
                    of=line.reverses,
                    goods=line.goods,
                    quantity=line.quantity,
                    points=_signed(line.points),
                    reason=line.reason,
                )
            )
            continue
        undone = t("passbook.line_undone", by=line.reversed_by) if line.reversed_by else ""
        lines.append(
            t(
                "passbook.line",
                id=line.id,
                date=day,
                goods=line.goods,
                quantity=line.quantity,
                points=_signed(line.points),
                yuan=number(line.yuan),
                by=line.confirmer or "-",
                undone=undone,
            )
        )
    return "\n".join([*lines, t("passbook.separate"), t("passbook.foot")])


def _year(year: str, score: float | None, earned: float, least: float | None) -> str:
    if score is None:
        return t("passbook.year_none", year=year)
    if not earned:
        return t("passbook.year_below", year=year, score=number(score), least=number(least or 0))
    return t("passbook.year", year=year, score=number(score), earned=number(earned))


def _signed(points: float) -> str:
    return f"+{number(points)}" if points > 0 else number(points)
