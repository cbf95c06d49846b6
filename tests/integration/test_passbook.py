"""The red passbook (红色存折): the balance a final year earns, the catalog's limits (5 yuan a
point), redemptions beyond the balance or the stock refused, the secretary's confirmation once,
two confirmations at once for the last goods, append-only entries, and the grade untouched by
spending. On SQLite and, when PARTYBOT_TEST_PG_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.handlers.passbook import goods_and_count
from bot.scoring.engine import score_tolerant
from bot.scoring.loader import load_scheme_text
from bot.scoring.model import Scheme
from bot.services.common import Actor, Context, SchemeCache, Source
from bot.services.errors import Duplicate, Forbidden, Invalid, NotFound
from bot.services.passbook import GoodsSpec, PassbookService
from bot.services.publicity import Due, PublicityService, period_of_key, scheduled
from bot.storage import Database
from bot.storage.guard import AppendOnlyError
from bot.storage.passbook import PassbookQueries
from bot.storage.read import load_year
from bot.storage.schema import AuditRow, LedgerEntry, PassbookEntry, PassbookGoods, PublicityWindow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli
from integration.world import add_member

#: base-incentive's rules in small: 60 to start, a bonus and a deduction, redemption at 60 and above.
SCHEME_TOML = """
id = "passbook-test"
name = "存折测试方案"
kind = "additive"
base = 60
floor = 0
[[items]]
code = "volunteer"
name = "志愿服务"
kind = "bonus"
min = 0
max = 20
[[items]]
code = "gambling"
name = "赌博"
kind = "deduction"
points = -5
source = "recorder"
[[bands]]
min = 90
grade = "优秀"
[[bands]]
min = 60
grade = "合格"
[[bands]]
grade = "不合格"
[redemption]
enabled = true
min_score = 60
yuan_per_point_max = 5
clause = "四 年度积分60分以上的, 按照每分不高于5元的标准兑现学习或生活用品"
"""
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
SOURCE = Source("telegram", "200", "42")


def passbook_scheme() -> Scheme:
    return load_scheme_text(SCHEME_TOML, "passbook-test.toml")


@dataclass
class Book:
    db: Database
    ctx: Context
    branch_id: int
    secretary: Actor
    alice: Actor  # 张三: 2025 scored 72
    bob: Actor  # 李四: 2025 scored 55, below 60
    carol: Actor  # 王五: 2025 scored 60

    @property
    def service(self) -> PassbookService:
        return PassbookService(self.ctx)


async def add_entry(db: Database, branch_id: int, member: Actor, item: str, points: float, day: date) -> None:
    async with db.uow() as uow:
        await uow.ledger.add(
            LedgerEntry(
                branch_id=branch_id, member_id=member.member_id, item=item, points=points, effective_date=day,
                actor="test", reason="",
            )
        )  # fmt: skip
        await uow.commit()


async def final_year(ctx: Context, branch_id: int, year: str) -> None:
    """The year's publicity posted and made final, as the clock does."""
    publicity = PublicityService(ctx)
    period = period_of_key(year)
    window = await publicity.publish(
        Due(branch_id, period, scheduled(period)), await publicity.snapshot(branch_id, period), NOW
    )
    assert await publicity.finalize(window.id, await publicity.final_snapshot(window.id), NOW) is not None


@pytest.fixture
async def book(db: Database) -> Book:
    scheme = passbook_scheme()
    ctx = Context(db.uow, lambda _spec: scheme)
    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "passbook-test")
        await uow.commit()
    secretary = await add_member(db, branch.id, "王书记")
    alice, bob = await add_member(db, branch.id, "张三", code="001"), await add_member(db, branch.id, "李四")
    carol = await add_member(db, branch.id, "王五")
    async with db.uow() as uow:
        await uow.members.grant(secretary.member_id or 0, "secretary", branch_id=branch.id)
        await uow.commit()
    await add_entry(db, branch.id, alice, "volunteer", 12, date(2025, 5, 1))
    await add_entry(db, branch.id, bob, "gambling", -5, date(2025, 6, 1))
    await final_year(ctx, branch.id, "2025")
    await add_entry(db, branch.id, alice, "volunteer", 20, date(2026, 3, 1))  # the year under way: not yet
    world = Book(db, ctx, branch.id, secretary, alice, bob, carol)
    await world.service.add_goods(secretary, branch.id, GoodsSpec("洗衣液", 10, 30, 3))
    await world.service.add_goods(secretary, branch.id, GoodsSpec("党史读本", 20, 100, 1))
    return world


async def confirm(book: Book, name: str, count: int = 1, who: Actor | None = None) -> int:
    view = await book.service.ask(book.branch_id, who or book.alice, name, count, SOURCE)
    done = await book.service.decide(view.id, book.secretary, True, NOW)
    assert done.status == "confirmed" and done.changed
    return view.id


async def test_the_balance_is_each_final_year_at_or_above_the_minimum(book: Book) -> None:
    alice = await book.service.passbook(book.branch_id, book.alice.member_id or 0, book.alice)
    assert [(y.year, y.score, y.earned) for y in alice.years] == [("2025", 72.0, 72.0)]
    assert alice.balance == 72 and alice.lines == ()
    bob = await book.service.passbook(book.branch_id, "李四", book.secretary)
    assert [(y.score, y.earned) for y in bob.years] == [(55.0, 0.0)] and bob.balance == 0
    carol = await book.service.passbook(book.branch_id, "王五", book.secretary)
    assert carol.balance == 60  # 60 is 60分以上
    with pytest.raises(Invalid) as refused:
        await book.service.ask(book.branch_id, book.bob, "洗衣液", 1, SOURCE)
    assert refused.value.message.startswith(
        "存折里还没有可用的积分: 年度积分公示结束、结果确定后才计入存折 (本方案年度积分 60 分以上"
    )


async def test_a_member_reads_only_their_own_passbook(book: Book) -> None:
    with pytest.raises(Forbidden):
        await book.service.passbook(book.branch_id, "张三", book.bob)
    with pytest.raises(NotFound) as unknown:
        await book.service.passbook(book.branch_id, "赵六", book.secretary)
    assert unknown.value.message == "名册里没有 “赵六”, 请核对姓名, 或写名册编号"


async def test_goods_worth_more_than_five_yuan_a_point_are_refused(book: Book) -> None:
    with pytest.raises(Invalid) as dear:
        await book.service.add_goods(book.secretary, book.branch_id, GoodsSpec("电饭锅", 20, 120, 1))
    assert dear.value.message == (
        "电饭锅: 价值 120 元只标 20 分, 超过了每分不高于 5 元的标准 (依据: 四 年度积分60分以上的,"
        " 按照每分不高于5元的标准兑现学习或生活用品); 请至少标 24 分, 或降低价值"
    )
    await book.service.add_goods(book.secretary, book.branch_id, GoodsSpec("电饭锅", 24, 120, 1))  # exactly 5
    with pytest.raises(Invalid):
        await book.service.set_goods(book.secretary, book.branch_id, GoodsSpec("电饭锅", points=23))
    with pytest.raises(Invalid) as twice:
        await book.service.add_goods(book.secretary, book.branch_id, GoodsSpec("电饭锅", 30, 120, 1))
    assert "已经有 “电饭锅”" in twice.value.message
    with pytest.raises(Forbidden):
        await book.service.add_goods(book.alice, book.branch_id, GoodsSpec("毛巾", 2, 5, 10))
    names = [g.name for g in await book.service.catalog(book.branch_id)]
    assert names == ["洗衣液", "党史读本", "电饭锅"]


async def test_a_confirmed_redemption_is_an_entry_and_takes_the_stock(book: Book) -> None:
    asked = await book.service.ask(book.branch_id, book.alice, "洗衣液", 2, SOURCE)
    assert (asked.status, asked.points, asked.yuan, asked.balance) == ("pending", 20, 60, 52)
    pending = await book.service.passbook(book.branch_id, "张三", book.alice)
    assert (pending.balance, pending.pending, pending.available) == (72, 20, 52)
    done = await book.service.decide(asked.id, book.secretary, True, NOW)
    assert (done.status, done.decider, done.balance, done.changed) == ("confirmed", "王书记", 52, True)
    again = await book.service.decide(asked.id, book.secretary, False, NOW)
    assert (again.status, again.changed) == ("confirmed", False)  # a second press changes nothing
    async with book.db.uow() as uow:
        [entry] = (await uow.session.scalars(select(PassbookEntry))).all()
        goods = (await uow.session.scalars(select(PassbookGoods).where(PassbookGoods.name == "洗衣液"))).one()
        audit = await uow.session.scalar(select(func.count()).where(AuditRow.action == "passbook.redeemed"))
    assert (entry.member_id, entry.points, entry.goods, entry.quantity, entry.yuan) == (
        book.alice.member_id, -20, "洗衣液", 2, 60,
    )  # fmt: skip
    assert (entry.requested_by, entry.confirmed_by, entry.request_id) == (
        book.alice.member_id, book.secretary.member_id, asked.id,
    )  # fmt: skip
    assert (entry.source_platform, entry.source_chat, entry.source_message) == ("telegram", "200", "42")
    assert goods.stock == 1 and audit == 1
    after = await book.service.passbook(book.branch_id, "张三", book.alice)
    assert after.balance == 52 and [line.points for line in after.lines] == [-20]


async def test_beyond_the_balance_or_the_stock_is_refused(book: Book) -> None:
    with pytest.raises(Invalid) as stock:
        await book.service.ask(book.branch_id, book.alice, "洗衣液", 4, SOURCE)
    assert stock.value.message == "洗衣液 只剩 3 件, 不够 4 件; 请少换几件, 或等书记补货"
    await book.service.ask(book.branch_id, book.alice, "党史读本", 1, SOURCE)  # 20 of 72 reserved
    with pytest.raises(Duplicate):
        await book.service.ask(book.branch_id, book.alice, "党史读本", 1, SOURCE)
    await book.service.set_goods(book.secretary, book.branch_id, GoodsSpec("洗衣液", stock=10))
    with pytest.raises(Invalid) as short:
        await book.service.ask(book.branch_id, book.alice, "洗衣液", 6, SOURCE)  # 60 > 72 - 20
    assert short.value.message == (
        "存折余额 72 分 (其中 20 分已申请、等待确认), 不够这次所需的 60 分。发送 存折 可查看明细"
    )
    with pytest.raises(NotFound) as unknown:
        await book.service.ask(book.branch_id, book.alice, "肥皂", 1, SOURCE)
    assert unknown.value.message == "目录里没有 “肥皂”。可兑换的物品: 洗衣液、党史读本"
    with pytest.raises(Invalid):
        await book.service.ask(book.branch_id, book.alice, "洗衣液", 0, SOURCE)


async def test_confirming_checks_again_and_only_the_secretary_not_for_themselves(book: Book) -> None:
    first = await book.service.ask(book.branch_id, book.alice, "党史读本", 1, SOURCE)
    second = await book.service.ask(book.branch_id, book.carol, "党史读本", 1, SOURCE)
    with pytest.raises(Forbidden):
        await book.service.decide(first.id, book.bob, True, NOW)
    await book.service.decide(first.id, book.secretary, True, NOW)
    with pytest.raises(Invalid) as gone:
        await book.service.decide(second.id, book.secretary, True, NOW)  # the stock was 1
    assert gone.value.message.startswith("党史读本 只剩 0 件, 不够 1 件")
    assert (await book.service.request(second.id)).status == "pending"  # nothing of it stayed
    refused = await book.service.decide(second.id, book.secretary, False, NOW)
    assert (refused.status, refused.balance) == ("refused", 60)
    with pytest.raises(Forbidden):  # nobody confirms their own redemption
        await book.service.redeem(book.branch_id, book.secretary, "王书记", "洗衣液", 1)
    with pytest.raises(Invalid) as alone:  # and the only secretary's request would wait for nobody
        await book.service.ask(book.branch_id, book.secretary, "洗衣液", 1, SOURCE)
    assert alone.value.message.startswith("本支部没有其他支部书记可以确认你的兑换")


async def test_two_confirmations_at_once_take_the_last_goods_once(book: Book) -> None:
    first = await book.service.ask(book.branch_id, book.alice, "党史读本", 1, SOURCE)
    second = await book.service.ask(book.branch_id, book.carol, "党史读本", 1, SOURCE)
    async with book.db.uow() as holder:  # both reach the stock while another transaction holds it
        await holder.session.execute(select(PassbookGoods.id).with_for_update())
        decisions = [
            asyncio.create_task(book.service.decide(r.id, book.secretary, True, NOW)) for r in (first, second)
        ]
        await asyncio.sleep(0.5)
        await holder.rollback()
    results = await asyncio.gather(*decisions, return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], Invalid), results
    async with book.db.uow() as uow:
        entries = await uow.session.scalar(select(func.count()).select_from(PassbookEntry))
        stock = await uow.session.scalar(select(PassbookGoods.stock).where(PassbookGoods.name == "党史读本"))
    assert (entries, stock) == (1, 0)


async def test_two_requests_of_one_member_at_once_never_overspend(book: Book) -> None:
    """王五 has 60: two requests of 40 at the same moment, on two replicas; one is refused."""
    await book.service.add_goods(book.secretary, book.branch_id, GoodsSpec("大米", 40, 150, 5))
    await book.service.add_goods(book.secretary, book.branch_id, GoodsSpec("食用油", 40, 150, 5))
    async with book.db.uow() as holder:  # both start while another transaction holds the member
        await PassbookQueries(holder.session).lock_member(book.carol.member_id or 0)
        asks = [
            asyncio.create_task(book.service.ask(book.branch_id, book.carol, name, 1, SOURCE))
            for name in ("大米", "食用油")
        ]
        await asyncio.sleep(0.5)
        await holder.rollback()
    results = await asyncio.gather(*asks, return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], Invalid), results
    carol = await book.service.passbook(book.branch_id, "王五", book.secretary)
    assert (carol.balance, carol.pending) == (60, 40)


async def test_redeeming_leaves_the_score_and_grade_unchanged(book: Book) -> None:
    scheme = passbook_scheme()

    async def year(n: int) -> list[tuple[str, float | None, str | None]]:
        async with book.db.uow() as uow:
            data = await load_year(uow, book.branch_id, n, scheme=scheme)
        report, _ = score_tolerant(scheme, data, final=True)
        return [(r.name, r.score, r.grade) for r in report.members]

    before = (await year(2025), await year(2026))
    ledger_before = await _ledger(book.db)
    await confirm(book, "洗衣液", 3)
    await confirm(book, "党史读本", 1, who=book.carol)
    assert (await year(2025), await year(2026)) == before
    assert await _ledger(book.db) == ledger_before  # not one ledger row: the passbook is its own
    final = await PublicityService(book.ctx).final_snapshot(1)
    assert {m["name"]: m["score"] for m in final["members"]}["张三"] == 72


async def _ledger(db: Database) -> list[tuple[int, str, float]]:
    async with db.uow() as uow:
        rows = (
            await uow.session.execute(select(LedgerEntry.member_id, LedgerEntry.item, LedgerEntry.points))
        ).tuples()
        return sorted(rows)


async def test_a_cancelled_redemption_is_a_reversal_and_puts_the_stock_back(book: Book) -> None:
    await confirm(book, "洗衣液", 2)
    async with book.db.uow() as uow:
        entry_id = (await uow.session.scalars(select(PassbookEntry.id))).one()
    line = await book.service.cancel(book.branch_id, book.secretary, entry_id, "物品退回")
    assert (line.points, line.reverses, line.reason) == (20, entry_id, "物品退回")
    with pytest.raises(Duplicate):
        await book.service.cancel(book.branch_id, book.secretary, entry_id, "物品退回")
    with pytest.raises(Invalid):
        await book.service.cancel(book.branch_id, book.secretary, line.id, "再冲")
    alice = await book.service.passbook(book.branch_id, "张三", book.alice)
    assert alice.balance == 72 and [(x.points, x.reversed_by) for x in alice.lines] == [
        (-20, line.id),
        (20, None),
    ]
    assert next(g.stock for g in await book.service.catalog(book.branch_id)) == 3


@pytest.mark.parametrize(
    "sql",
    ["UPDATE passbook_entries SET points = 0", "DELETE FROM passbook_entries"],
    ids=["update", "delete"],
)
async def test_the_database_refuses_changing_a_passbook_entry(book: Book, sql: str) -> None:
    await confirm(book, "洗衣液")
    async with book.db.engine.connect() as conn:
        with pytest.raises((IntegrityError, DBAPIError)) as refused:
            await conn.exec_driver_sql(sql)
        assert "append-only" in str(refused.value)
    async with book.db.uow() as uow:
        with pytest.raises(AppendOnlyError):
            await uow.session.execute(update(PassbookEntry).values(points=0))
        with pytest.raises(AppendOnlyError):
            await uow.session.execute(delete(PassbookEntry))
        entry = (await uow.session.scalars(select(PassbookEntry))).one()
        entry.points = 0
        with pytest.raises(AppendOnlyError):
            await uow.session.flush()


async def test_the_config_catalog_loads_once_and_keeps_the_stock(book: Book) -> None:
    specs = [(book.branch_id, GoodsSpec("洗衣液", 10, 40, 50)), (book.branch_id, GoodsSpec("毛巾", 2, 8, 30))]
    await confirm(book, "洗衣液")
    loaded = await book.service.load(book.secretary, specs)
    assert [(w, b, g.name, g.yuan, g.stock) for w, b, g in loaded] == [
        ("updated", book.branch_id, "洗衣液", 40, 2),
        ("added", book.branch_id, "毛巾", 8, 30),
    ]
    again = await book.service.load(book.secretary, specs)
    assert [w for w, _b, _g in again] == ["unchanged", "unchanged"]
    with pytest.raises(Invalid) as refused:  # all or nothing, the refused entry named
        await book.service.load(
            book.secretary,
            [(book.branch_id, GoodsSpec("香皂", 1, 3, 9)), (book.branch_id, GoodsSpec("电视", 1, 900, 1))],
        )
    assert refused.value.message.startswith(
        f"配置文件中的 [[passbook.goods]] (branch = {book.branch_id}, name = 电视)"
    )
    assert "香皂" not in [g.name for g in await book.service.catalog(book.branch_id)]


async def test_a_scheme_without_redemption_refuses_it(db: Database) -> None:
    ctx = Context(db.uow, SchemeCache())
    async with db.uow() as uow:
        branch = await uow.branches.add("第二党支部", "twelve-point")
        await uow.commit()
    with pytest.raises(Invalid) as refused:
        await PassbookService(ctx).add_goods(Actor(None, "cli"), branch.id, GoodsSpec("洗衣液", 10, 30, 1))
    assert refused.value.message == "本支部的积分方案 (十二分制) 没有积分兑换 (红色存折), 不能兑换"
    member = await add_member(db, branch.id, "张三")
    with pytest.raises(Invalid):
        await PassbookService(ctx).passbook(branch.id, "张三", member)


def test_the_command_line_keeps_the_catalog_and_redeems(cli: Cli, tmp_path: Path) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "base-incentive")[0] == 0
    for name in ("张三", "李四"):
        assert cli("member", "add", "--branch", "1", name)[0] == 0
    config = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(
        config + '[[passbook.goods]]\nbranch = 1\nname = "洗衣液"\npoints = 10\nyuan = 30\nstock = 20\n'
        '[[passbook.goods]]\nbranch = 1\nname = "电饭锅"\npoints = 10\nyuan = 200\nstock = 1\n',
        encoding="utf-8",
    )  # fmt: skip
    code, _out, err = cli("passbook", "catalog", "load")
    assert code == 1 and err.startswith(
        "配置文件中的 [[passbook.goods]] (branch = 1, name = 电饭锅) 无法载入: 电饭锅: 价值 200 元只标 10 分,"
    )
    cli.config.write_text(
        config + '[[passbook.goods]]\nbranch = 1\nname = "洗衣液"\npoints = 10\nyuan = 30\nstock = 20\n',
        encoding="utf-8",
    )
    code, out, _ = cli("passbook", "catalog", "load")
    assert (code, out) == (0, "新增: 洗衣液, 10 分, 价值 30 元, 库存 20\n")
    code, out, _ = cli(
        "passbook", "catalog", "add", "--branch", "1", "毛巾", "--points", "2", "--yuan", "8", "--stock", "5"
    )
    assert code == 0 and out.startswith("已添加: 毛巾")
    code, out, _ = cli("passbook", "catalog", "set", "--branch", "1", "毛巾", "--withdraw")
    assert code == 0 and out.strip().endswith("(已下架)")
    code, out, _ = cli("passbook", "catalog", "list", "--branch", "1")
    assert out == "洗衣液\t10 分\t30 元\t库存 20\n"
    code, out, _ = cli("passbook", "balance", "--branch", "1", "张三")
    assert code == 0 and out.splitlines()[:3] == [
        "📒 张三 的红色存折", "余额: 0 分", "还没有结果确定的年度: 年度积分公示结束、结果确定后计入存折, 60 分以上的年度才计入。",
    ]  # fmt: skip
    code, _out, err = cli("passbook", "redeem", "--branch", "1", "张三", "洗衣液")
    assert code == 1 and err.startswith("存折里还没有可用的积分")
    cli.query(_final_2025)  # the year's publicity became final: 张三 72, 李四 55
    code, out, _ = cli("passbook", "redeem", "--branch", "1", "张三", "洗衣液", "--quantity", "2")
    assert code == 0 and out.splitlines() == [
        "已兑换 (存折记录): 张三 洗衣液 × 2, 扣 20 分, 余额 52 分", "没有配置聊天平台, 以下党员需另行告知: 张三",
    ]  # fmt: skip
    code, _out, err = cli("passbook", "redeem", "--branch", "1", "李四", "洗衣液")
    assert code == 1 and err.startswith("存折里还没有可用的积分")  # 55 is below 60
    code, out, _ = cli("passbook", "balance", "--branch", "1", "张三")
    assert "  2025 年: 72 分, 计入 72 分" in out and "余额: 52 分" in out and "  #1 " in out
    code, out, _ = cli("passbook", "cancel", "--branch", "1", "1", "--reason", "物品退回")
    assert (code, out) == (0, "已冲销 #1: 存折记录 #2, +20 分, 库存已退回\n")
    code, _out, err = cli("passbook", "cancel", "--branch", "1", "1", "--reason", "物品退回")
    assert code == 1 and "已经冲销过了" in err
    code, out, _ = cli("passbook", "catalog", "list", "--branch", "1")
    assert out == "洗衣液\t10 分\t30 元\t库存 20\n"
    with pytest.raises(SystemExit):
        cli("passbook", "--help")
    shown = cli.capsys.readouterr().out
    assert all(word in shown for word in ("catalog", "balance", "redeem", "cancel", "与考核积分分开"))


async def _final_2025(uow: UnitOfWork) -> None:
    final = {"kind": "year", "period": "2025", "members": [{"id": 1, "score": 72}, {"id": 2, "score": 55}]}
    uow.session.add(
        PublicityWindow(
            branch_id=1, period="2025", kind="year", starts=date(2025, 1, 1), ends=date(2025, 12, 31),
            opens_at=NOW, closes_at=NOW, final_at=NOW, report={**final, "final": final},
        )
    )  # fmt: skip
    await uow.commit()


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("洗衣液", ("洗衣液", 1)), ("洗衣液 2", ("洗衣液", 2)), ("洗衣液2件", ("洗衣液", 2)), ("洗衣液 ×3", ("洗衣液", 3)),
        ("大米 两袋", ("大米", 2)), ("A4纸", ("A4纸", 1)), ("5号电池 4节", ("5号电池", 4)),
    ],
)  # fmt: skip
def test_the_goods_and_the_count_as_people_type_them(typed: str, parsed: tuple[str, int]) -> None:
    assert goods_and_count(typed) == parsed
