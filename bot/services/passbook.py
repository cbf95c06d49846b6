"""The red passbook (红色存折 / 积分兑换): members spend a balance on goods of their branch's catalog.

The balance is separate from the assessment score, and spending never lowers a grade:

- **Earned**: each year's assessment total once that year's result is final (the yearly
  publicity, 公示, ended with every objection decided), taken from the final results; a year
  below the scheme's ``[redemption] min_score`` (base-incentive: 60) adds nothing, nor does a
  score of 0 or less. A year reopened for a correction keeps its last final result until it is
  final again. The year under way adds nothing yet.
- **Spent**: the passbook entries (``passbook_entries``, append-only like the ledger): a
  redemption is a negative entry, a cancelled one is reversed by a positive entry naming it.
  The scorer never reads them.
- **Available**: the balance less what the member's pending requests would spend.

Goods carry points, a value in yuan and a stock. A catalog entry worth more than
``yuan_per_point_max`` yuan a point (base-incentive: 5, 按照每分不高于5元的标准兑现) is refused,
when added or changed and again when redeemed. A request waits for the secretary (确认兑换 /
拒绝); confirming takes the stock by a conditional update and writes the entry, in one
transaction. Every check is here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.scoring.model import Redemption, Scheme
from bot.services.common import Actor, Context, Source, branch_of, member_of, require_role
from bot.services.errors import DomainError, Duplicate, Forbidden, Invalid, NotFound
from bot.services.ledger import number
from bot.services.policy import recorders
from bot.storage.outbox import OutboxQueries
from bot.storage.passbook import PassbookQueries
from bot.storage.schema import Branch, MemberRow, PassbookEntry, PassbookGoods, PassbookRequest
from bot.storage.timeutil import utcnow
from bot.storage.uow import UnitOfWork

#: Who confirms a redemption, and who keeps the catalog.
CONFIRMERS = ("secretary",)
#: The most of one goods in one request.
MAX_QUANTITY = 99


@dataclass(frozen=True, slots=True)
class Goods:
    id: int
    name: str
    points: float
    yuan: float
    stock: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class GoodsSpec:
    """A catalog entry as the config or the command line gives it (None: left as it is)."""

    name: str
    points: float | None = None
    yuan: float | None = None
    stock: int | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class Year:
    """One year's final result and what it added to the balance (0 below the minimum)."""

    year: str
    score: float | None
    earned: float


@dataclass(frozen=True, slots=True)
class Line:
    """One passbook entry as the member reads it."""

    id: int
    at: datetime
    goods: str
    quantity: int
    points: float
    yuan: float
    confirmer: str | None
    reason: str
    reverses: int | None
    reversed_by: int | None


@dataclass(frozen=True, slots=True)
class Passbook:
    member_id: int
    member: str
    years: tuple[Year, ...]
    lines: tuple[Line, ...]
    #: Points the pending requests would spend.
    pending: float
    min_score: float | None

    @property
    def earned(self) -> float:
        return sum(y.earned for y in self.years)

    @property
    def balance(self) -> float:
        return self.earned + sum(line.points for line in self.lines)

    @property
    def available(self) -> float:
        return self.balance - self.pending


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    branch_id: int
    member_id: int
    member: str
    goods: str
    quantity: int
    points: float
    yuan: float
    status: str
    decider: str | None
    #: The member's balance after it (confirmed) or if it were confirmed (pending).
    balance: float
    #: Whether this call decided it (False: decided before, e.g. a second press).
    changed: bool = True


def _goods(row: PassbookGoods) -> Goods:
    return Goods(row.id, row.name, float(row.points), float(row.yuan), row.stock, row.active)


def rules_of(scheme: Scheme) -> Redemption:
    """The scheme's redemption rules; refused when its scheme has no redemption."""
    if not scheme.redemption.enabled:
        raise Invalid("passbook.disabled", scheme=scheme.name)
    return scheme.redemption


def check_value(rules: Redemption, name: str, points: float, yuan: float) -> None:
    """Refuse goods worth more than the scheme's yuan a point (base-incentive: 5)."""
    if points <= 0:
        raise Invalid("passbook.bad_points", name=name)
    if yuan < 0:
        raise Invalid("passbook.bad_yuan", name=name)
    most = rules.yuan_per_point_max
    if most is not None and yuan > most * points:
        raise Invalid(
            "passbook.too_dear", name=name, yuan=number(yuan), points=number(points), most=number(most),
            least=number(math.ceil(yuan / most * 100) / 100), clause=rules.clause,
        )  # fmt: skip


def earned(rules: Redemption, score: float | None) -> float:
    """What a final year's score adds to the balance: nothing below ``min_score`` or at 0 or less."""
    if score is None or score <= 0:
        return 0.0
    if rules.min_score is not None and score < rules.min_score:
        return 0.0
    return float(score)


class PassbookService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    def scheme(self, branch: Branch) -> Scheme:
        return self.ctx.schemes(branch.scheme)

    # -- the catalog ---------------------------------------------------------------------------

    async def catalog(self, branch_id: int, *, withdrawn: bool = False) -> list[Goods]:
        async with self.ctx.uow(read_only=True) as uow:
            await branch_of(uow, branch_id)
            return [
                _goods(g) for g in await PassbookQueries(uow.session).catalog(branch_id, withdrawn=withdrawn)
            ]

    async def add_goods(self, actor: Actor, branch_id: int, spec: GoodsSpec) -> Goods:
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, CONFIRMERS)
            row = await self._add(uow, actor, branch, spec)
            await uow.commit()
            return _goods(row)

    async def set_goods(self, actor: Actor, branch_id: int, spec: GoodsSpec) -> Goods:
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, CONFIRMERS)
            row = await self._set(uow, actor, branch, spec)
            await uow.commit()
            return _goods(row)

    async def load(
        self, actor: Actor, entries: Sequence[tuple[int, GoodsSpec]]
    ) -> list[tuple[str, int, Goods]]:
        """The config's catalog, ``(branch id, goods)`` in the config's order, all or nothing in one
        transaction: goods not there yet are added with their stock; goods there get the config's
        points and yuan, their stock left as it is (the stock is the database's once loaded:
        ``catalog set``); loading it again changes nothing. ("added" / "updated" / "unchanged",
        branch id, goods) for each. A refused entry is named (its branch and name) and
        nothing is loaded."""
        out: list[tuple[str, int, Goods]] = []
        async with self.ctx.uow() as uow:
            for branch_id, spec in entries:
                try:
                    word, goods = await self._load(uow, actor, branch_id, spec)
                except DomainError as exc:
                    raise Invalid("passbook.config_entry", branch=branch_id, name=spec.name,
                                  error=exc.message) from exc  # fmt: skip
                out.append((word, branch_id, goods))
            await uow.commit()
        return out

    async def _load(
        self, uow: UnitOfWork, actor: Actor, branch_id: int, spec: GoodsSpec
    ) -> tuple[str, Goods]:
        branch = await branch_of(uow, branch_id)
        await require_role(uow, actor, branch, CONFIRMERS)
        row = await PassbookQueries(uow.session).goods_named(branch.id, spec.name)
        if row is None:
            return "added", _goods(await self._add(uow, actor, branch, spec))
        if (float(row.points), float(row.yuan), row.active) == (spec.points, spec.yuan, True):
            return "unchanged", _goods(row)
        kept = GoodsSpec(spec.name, spec.points, spec.yuan, None, True)
        return "updated", _goods(await self._set(uow, actor, branch, kept))

    async def _add(self, uow: UnitOfWork, actor: Actor, branch: Branch, spec: GoodsSpec) -> PassbookGoods:
        rules = rules_of(self.scheme(branch))
        name = spec.name.strip()
        if not name or spec.points is None or spec.yuan is None:
            raise Invalid("passbook.goods_incomplete", name=name)
        if (spec.stock or 0) < 0:
            raise Invalid("passbook.bad_stock", name=name)
        check_value(rules, name, spec.points, spec.yuan)
        queries = PassbookQueries(uow.session)
        if await queries.goods_named(branch.id, name) is not None:
            raise Invalid("passbook.goods_exists", name=name)
        row = await queries.add_goods(
            PassbookGoods(
                branch_id=branch.id, name=name, points=spec.points, yuan=spec.yuan, stock=spec.stock or 0,
                active=True,
            )
        )  # fmt: skip
        await uow.audit.record(
            actor.label, "passbook.goods_added", branch_id=branch.id, subject=f"goods:{row.id}",
            details={"name": name, "points": spec.points, "yuan": spec.yuan, "stock": row.stock},
        )  # fmt: skip
        return row

    async def _set(self, uow: UnitOfWork, actor: Actor, branch: Branch, spec: GoodsSpec) -> PassbookGoods:
        rules = rules_of(self.scheme(branch))
        row = await self._named(uow, branch.id, spec.name, withdrawn=True)
        before = {
            "points": float(row.points),
            "yuan": float(row.yuan),
            "stock": row.stock,
            "active": row.active,
        }
        points = float(row.points) if spec.points is None else spec.points
        yuan = float(row.yuan) if spec.yuan is None else spec.yuan
        check_value(rules, row.name, points, yuan)
        if spec.stock is not None and spec.stock < 0:
            raise Invalid("passbook.bad_stock", name=row.name)
        row.points, row.yuan = points, yuan
        if spec.stock is not None:
            row.stock = spec.stock
        if spec.active is not None:
            row.active = spec.active
        await uow.session.flush()
        after = {"points": points, "yuan": yuan, "stock": row.stock, "active": row.active}
        await uow.audit.record(
            actor.label, "passbook.goods_set", branch_id=branch.id, subject=f"goods:{row.id}",
            details={"name": row.name, "before": before, "after": after},
        )  # fmt: skip
        return row

    @staticmethod
    async def _named(uow: UnitOfWork, branch_id: int, name: str, *, withdrawn: bool = False) -> PassbookGoods:
        queries = PassbookQueries(uow.session)
        row = await queries.goods_named(branch_id, name.strip())
        if row is None or not (row.active or withdrawn):
            known = "、".join(g.name for g in await queries.catalog(branch_id)) or "-"
            raise NotFound("passbook.unknown_goods", name=name.strip(), known=known)
        return row

    # -- the passbook --------------------------------------------------------------------------

    async def passbook(self, branch_id: int, member_key: int | str, actor: Actor) -> Passbook:
        """A member's passbook: the member's own, or any member's for the branch's secretary and
        recorder (``member_key``: a database id, a roster number or a name)."""
        async with self.ctx.uow(read_only=True) as uow:
            branch = await branch_of(uow, branch_id)
            rules_of(self.scheme(branch))
            member = await self._member(uow, branch, member_key)
            if actor.member_id != member.id:
                await require_role(uow, actor, branch, recorders(self.scheme(branch)))
            return await self._passbook(uow, branch, member)

    @staticmethod
    async def _member(uow: UnitOfWork, branch: Branch, key: int | str) -> MemberRow:
        if isinstance(key, int):
            return await member_of(uow, branch.id, key)
        member = await uow.members.find(branch.id, key.strip())
        if member is None:
            raise NotFound("passbook.unknown_member", name=key.strip())
        return member

    async def _passbook(
        self, uow: UnitOfWork, branch: Branch, member: MemberRow, besides: int | None = None
    ) -> Passbook:
        scheme = self.scheme(branch)
        queries = PassbookQueries(uow.session)
        years = []
        for period, final in await queries.final_years(branch.id):
            row = next((m for m in final.get("members", []) if m.get("id") == member.id), None)
            score = None if row is None or row.get("score") is None else float(row["score"])
            years.append(Year(period, score, earned(scheme.redemption, score)))
        entries = await queries.entries(member.id)
        names = await queries.names([e.confirmed_by for e in entries])
        undone = {e.reverses_id: e.id for e in entries if e.reverses_id is not None}
        lines = tuple(
            Line(
                e.id,
                e.created_at,
                e.goods,
                e.quantity,
                float(e.points),
                float(e.yuan),
                names.get(e.confirmed_by) if e.confirmed_by is not None else None,
                e.reason,
                e.reverses_id,
                undone.get(e.id),
            )
            for e in entries
        )
        pending = sum(float(r.points) for r in await queries.pending(member.id) if r.id != besides)
        return Passbook(member.id, member.name, tuple(years), lines, pending, scheme.redemption.min_score)

    # -- redeeming -----------------------------------------------------------------------------

    async def ask(
        self, branch_id: int, actor: Actor, goods: str | int, quantity: int, source: Source
    ) -> RequestView:
        """The acting member asks to redeem ``quantity`` of ``goods`` (its name or id): refused
        beyond the stock or the available balance, and while the same goods wait already."""
        assert actor.member_id is not None
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            rules = rules_of(self.scheme(branch))
            member = await member_of(uow, branch.id, actor.member_id)
            queries = PassbookQueries(uow.session)
            row = await self._goods_of(uow, branch.id, goods)
            self._check_quantity(row, quantity)
            check_value(rules, row.name, float(row.points), float(row.yuan))
            earlier = next((r for r in await queries.pending(member.id) if r.goods_id == row.id), None)
            if earlier is not None:
                raise Duplicate("passbook.asked_before", earlier.id, name=row.name)
            confirmers = await OutboxQueries(uow.session).holders(branch.id, branch.committee_id, CONFIRMERS)
            if not [m for m in confirmers if m != member.id]:
                raise Invalid("passbook.nobody_confirms")
            await queries.lock_member(member.id)
            book = await self._passbook(uow, branch, member)
            cost = float(row.points) * quantity
            self._check_balance(book, cost)
            request = await queries.add_request(
                PassbookRequest(
                    branch_id=branch.id, member_id=member.id, goods_id=row.id, quantity=quantity, points=cost,
                    status="pending", source_platform=source.platform, source_chat=source.chat,
                    source_message=source.message,
                )
            )  # fmt: skip
            view = self._view(request, member, row, None, book.balance - cost)
            await uow.commit()
            return view

    async def request(self, request_id: int) -> RequestView:
        async with self.ctx.uow(read_only=True) as uow:
            return await self._request_view(uow, request_id)

    async def decide(self, request_id: int, actor: Actor, confirm: bool, now: datetime) -> RequestView:
        """The secretary confirms (the stock and the balance are checked again, the entry written)
        or refuses a request; once (``changed`` False: it was decided before)."""
        async with self.ctx.uow() as uow:
            queries = PassbookQueries(uow.session)
            request = await queries.request(request_id)
            if request is None:
                raise NotFound("passbook.unknown_request", id=request_id)
            branch = await branch_of(uow, request.branch_id)
            await require_role(uow, actor, branch, CONFIRMERS)
            if actor.member_id == request.member_id:
                raise Forbidden("passbook.own_request")
            status = "confirmed" if confirm else "refused"
            changed = await queries.decide(request.id, status, actor.member_id, now)
            await uow.session.refresh(request)
            if not changed:
                return _unchanged(await self._request_view(uow, request.id))
            if confirm:
                await self._redeem(uow, branch, request, actor)
            view = await self._request_view(uow, request.id)
            await uow.commit()
            return view

    async def redeem(
        self, branch_id: int, actor: Actor, member_key: int | str, goods: str, quantity: int, reason: str = ""
    ) -> RequestView:
        """The secretary (or the operator at the command line) redeems for a member at once, as
        at the counter: the same checks as a confirmed request."""
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, CONFIRMERS)
            member = await self._member(uow, branch, member_key)
            if actor.member_id == member.id:
                raise Forbidden("passbook.own_request")
            row = await self._named(uow, branch.id, goods)
            self._check_quantity(row, quantity)
            request = await PassbookQueries(uow.session).add_request(
                PassbookRequest(
                    branch_id=branch.id, member_id=member.id, goods_id=row.id, quantity=quantity,
                    points=float(row.points) * quantity, status="confirmed", decided_by=actor.member_id,
                    decided_at=utcnow(), source_platform=None, source_chat=None, source_message=None,
                )
            )  # fmt: skip
            await self._redeem(uow, branch, request, actor, reason)
            view = await self._request_view(uow, request.id)
            await uow.commit()
            return view

    async def _redeem(
        self, uow: UnitOfWork, branch: Branch, request: PassbookRequest, actor: Actor, reason: str = ""
    ) -> PassbookEntry:
        rules = rules_of(self.scheme(branch))
        queries = PassbookQueries(uow.session)
        row = await queries.goods(request.goods_id)
        member = await member_of(uow, branch.id, request.member_id)
        assert row is not None
        check_value(rules, row.name, float(row.points), float(row.yuan))
        await queries.lock_member(member.id)
        book = await self._passbook(uow, branch, member, besides=request.id)
        self._check_balance(book, float(request.points), available=False)
        if not await queries.take_stock(row.id, request.quantity):
            await uow.session.refresh(row)
            raise Invalid("passbook.no_stock", name=row.name, left=row.stock, quantity=request.quantity)
        entry = await queries.add_entry(
            PassbookEntry(
                branch_id=branch.id, member_id=member.id, points=-float(request.points), goods_id=row.id,
                goods=row.name, quantity=request.quantity, yuan=float(row.yuan) * request.quantity,
                requested_by=request.member_id if request.source_platform is not None else actor.member_id,
                confirmed_by=actor.member_id, actor=actor.label, reason=reason, request_id=request.id,
                source_platform=request.source_platform, source_chat=request.source_chat,
                source_message=request.source_message,
            )
        )  # fmt: skip
        await uow.audit.record(
            actor.label, "passbook.redeemed", branch_id=branch.id, subject=f"passbook:{entry.id}",
            details={"member": member.id, "goods": row.name, "quantity": request.quantity, "points": entry.points},
        )  # fmt: skip
        return entry

    async def cancel(self, branch_id: int, actor: Actor, entry_id: int, reason: str) -> Line:
        """Cancel a redemption (the goods came back): a reversal entry, and the stock back."""
        if not reason.strip():
            raise Invalid("passbook.cancel_reason")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            await require_role(uow, actor, branch, CONFIRMERS)
            queries = PassbookQueries(uow.session)
            entry = await queries.entry(entry_id)
            if entry is None or entry.branch_id != branch.id:
                raise NotFound("passbook.unknown_entry", id=entry_id)
            if entry.reverses_id is not None:
                raise Invalid("passbook.cancel_reversal", id=entry_id)
            earlier = await queries.reversal_of(entry.id)
            if earlier is not None:
                raise Duplicate("passbook.cancelled_before", earlier.id, id=entry_id)
            reversal = await queries.add_entry(
                PassbookEntry(
                    branch_id=branch.id, member_id=entry.member_id, points=-float(entry.points),
                    goods_id=entry.goods_id, goods=entry.goods, quantity=entry.quantity, yuan=float(entry.yuan),
                    requested_by=actor.member_id, confirmed_by=actor.member_id, actor=actor.label,
                    reason=reason.strip(), reverses_id=entry.id,
                )
            )  # fmt: skip
            await queries.put_back(entry.goods_id, entry.quantity)
            await uow.audit.record(
                actor.label, "passbook.cancelled", branch_id=branch.id, subject=f"passbook:{entry.id}",
                details={"reversal": reversal.id, "reason": reason.strip()},
            )  # fmt: skip
            await uow.commit()
            return Line(
                reversal.id, reversal.created_at, reversal.goods, reversal.quantity, float(reversal.points),
                float(reversal.yuan), None, reversal.reason, entry.id, None,
            )  # fmt: skip

    # -- checks --------------------------------------------------------------------------------

    async def _goods_of(self, uow: UnitOfWork, branch_id: int, goods: str | int) -> PassbookGoods:
        if isinstance(goods, str):
            return await self._named(uow, branch_id, goods)
        row = await PassbookQueries(uow.session).goods(goods)
        if row is None or row.branch_id != branch_id or not row.active:
            raise NotFound("passbook.goods_gone")
        return row

    @staticmethod
    def _check_quantity(row: PassbookGoods, quantity: int) -> None:
        if not 1 <= quantity <= MAX_QUANTITY:
            raise Invalid("passbook.bad_quantity", most=MAX_QUANTITY)
        if row.stock < quantity:
            raise Invalid("passbook.no_stock", name=row.name, left=row.stock, quantity=quantity)

    @staticmethod
    def _check_balance(book: Passbook, cost: float, *, available: bool = True) -> None:
        have = book.available if available else book.balance
        if cost > have:
            if not book.years or book.earned == 0:
                raise Invalid("passbook.nothing_earned", least=number(book.min_score or 0), cost=number(cost))
            raise Invalid(
                "passbook.short", balance=number(book.balance), pending=number(book.pending), cost=number(cost),
            )  # fmt: skip

    async def _request_view(self, uow: UnitOfWork, request_id: int) -> RequestView:
        queries = PassbookQueries(uow.session)
        request = await queries.request(request_id)
        if request is None:
            raise NotFound("passbook.unknown_request", id=request_id)
        branch = await branch_of(uow, request.branch_id)
        member = await member_of(uow, branch.id, request.member_id)
        row = await queries.goods(request.goods_id)
        assert row is not None
        decider = (await queries.names([request.decided_by])).get(request.decided_by or 0)
        book = await self._passbook(uow, branch, member, besides=request.id)
        after = book.balance - (float(request.points) if request.status == "pending" else 0.0)
        return self._view(request, member, row, decider, after)

    @staticmethod
    def _view(
        request: PassbookRequest, member: MemberRow, row: PassbookGoods, decider: str | None, balance: float
    ) -> RequestView:
        return RequestView(
            request.id, request.branch_id, member.id, member.name, row.name, request.quantity,
            float(request.points), float(row.yuan) * request.quantity, request.status, decider, balance,
        )  # fmt: skip


def _unchanged(view: RequestView) -> RequestView:
    return RequestView(
        view.id, view.branch_id, view.member_id, view.member, view.goods, view.quantity, view.points, view.yuan,
        view.status, view.decider, view.balance, changed=False,
    )  # fmt: skip
