"""Claims and the ledger through the services, on a real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from bot.services.claims import SubmitClaim
from bot.services.errors import Duplicate, Forbidden, Invalid, NotFound
from bot.services.ledger import RecordEntry
from bot.storage import Database
from bot.storage.schema import ClaimRow, LedgerEntry
from integration.world import DAY, World


def claim(world: World, item: str = "key_work", day: date = DAY, **kw: object) -> SubmitClaim:
    return SubmitClaim(
        branch_id=world.branch_id, member_id=world.alice.member_id or 0, item=item, date=day, **kw
    )  # type: ignore[arg-type]


async def ledger_rows(world: World) -> list[LedgerEntry]:
    async with world.db.uow() as uow:
        return list((await uow.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all())


async def test_approval_writes_one_entry_with_who_when_why_and_source(world: World) -> None:
    submitted = await world.claims.submit(claim(world, points=2, note="抗洪抢险", evidence=("photo-1",)))
    decision = await world.claims.approve(submitted.claim_id, world.secretary)
    assert (decision.status, decision.changed, decision.points) == ("approved", True, 2)
    [entry] = await ledger_rows(world)
    assert (entry.member_id, entry.item, entry.points, entry.effective_date) == (
        world.alice.member_id,
        "key_work",
        2,
        DAY,
    )
    assert (entry.actor_id, entry.reason, entry.claim_id) == (
        world.secretary.member_id,
        "抗洪抢险",
        submitted.claim_id,
    )
    assert entry.created_at.utcoffset() is not None and entry.created_at.utcoffset().total_seconds() == 0


async def test_second_press_changes_nothing(world: World) -> None:
    cid = (await world.claims.submit(claim(world))).claim_id
    await world.claims.approve(cid, world.secretary)
    again = await world.claims.approve(cid, world.secretary, points=3)
    rejected = await world.claims.reject(cid, world.secretary, "错了")
    assert (again.changed, again.status, rejected.changed, rejected.status) == (
        False,
        "approved",
        False,
        "approved",
    )
    assert len(await ledger_rows(world)) == 1


async def test_adjusted_points_inside_the_range(world: World) -> None:
    cid = (await world.claims.submit(claim(world))).claim_id
    with pytest.raises(Invalid) as outside:
        await world.claims.approve(cid, world.secretary, points=5)
    assert outside.value.key == "ledger.points_range"
    assert (await world.claims.approve(cid, world.secretary, points=3)).points == 3


async def test_fixed_points_and_unknown_or_wrong_source_items(world: World) -> None:
    with pytest.raises(Invalid) as fixed:
        await world.claims.submit(claim(world, item="volunteer", points=2))
    with pytest.raises(Invalid) as unknown:
        await world.claims.submit(claim(world, item="nope"))
    with pytest.raises(Invalid) as recorder_only:
        await world.claims.submit(claim(world, item="dues_late"))
    assert [e.value.key for e in (fixed, unknown, recorder_only)] == [
        "ledger.points_fixed",
        "ledger.unknown_item",
        "ledger.item_not_enterable",
    ]


async def test_duplicates_are_refused_with_a_pointer(world: World) -> None:
    first = (await world.claims.submit(claim(world, evidence=("photo-9",)))).claim_id
    with pytest.raises(Duplicate) as same_day:
        await world.claims.submit(claim(world))
    with pytest.raises(Duplicate) as same_photo:
        await world.claims.submit(claim(world, day=date(2026, 4, 1), evidence=("photo-9",)))
    assert same_day.value.earlier == same_photo.value.earlier == first
    assert str(first) in same_day.value.message


async def test_withdrawn_or_rejected_claims_may_be_made_again(world: World) -> None:
    first = (await world.claims.submit(claim(world))).claim_id
    assert (await world.claims.withdraw(first, world.alice)).status == "withdrawn"
    second = (await world.claims.submit(claim(world))).claim_id
    assert (await world.claims.reject(second, world.secretary, "无凭证")).status == "rejected"
    third = (await world.claims.submit(claim(world))).claim_id
    assert len({first, second, third}) == 3


async def test_refusals(world: World) -> None:
    cid = (await world.claims.submit(claim(world))).claim_id
    with pytest.raises(Forbidden) as own:
        await world.claims.approve(cid, world.alice)
    with pytest.raises(Forbidden) as no_role:
        await world.claims.approve(cid, world.bob)
    with pytest.raises(Forbidden) as recorder:  # the scheme lists secretary and committee only
        await world.claims.approve(cid, world.recorder)
    with pytest.raises(Forbidden) as not_mine:
        await world.claims.withdraw(cid, world.bob)
    with pytest.raises(Invalid) as no_reason:
        await world.claims.reject(cid, world.secretary, " ")
    with pytest.raises(NotFound) as missing:
        await world.claims.approve(cid + 100, world.secretary)
    keys = [e.value.key for e in (own, no_role, recorder, not_mine, no_reason, missing)]
    assert keys == [
        "claim.self_approval",
        "ledger.not_allowed",
        "ledger.not_allowed",
        "claim.not_yours",
        "ledger.reason_required",
        "claim.unknown",
    ]
    assert await ledger_rows(world) == []


async def test_committee_staff_may_approve(world: World) -> None:
    async with world.db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        await uow.members.grant(world.bob.member_id or 0, "committee", committee_id=branch.committee_id)
        await uow.commit()
    cid = (await world.claims.submit(claim(world))).claim_id
    assert (await world.claims.approve(cid, world.bob)).changed


async def test_exempt_member_cannot_claim(world: World) -> None:
    async with world.db.uow() as uow:
        await uow.members.set_exempt(world.alice.member_id or 0, True)
        await uow.commit()
    with pytest.raises(Invalid) as exempt:
        await world.claims.submit(claim(world))
    assert exempt.value.key == "claim.member_exempt"


async def test_reversal_names_the_entry_and_nets_out(world: World) -> None:
    cid = (await world.claims.submit(claim(world, points=2))).claim_id
    entry_id = (await world.claims.approve(cid, world.secretary)).entry_id
    assert entry_id is not None
    reversal = await world.ledger.reverse(entry_id, world.secretary, "误批")
    with pytest.raises(Duplicate) as twice:
        await world.ledger.reverse(entry_id, world.secretary, "再次冲销")
    with pytest.raises(Forbidden):  # the secretary corrects (更正), not the recorder
        await world.ledger.reverse(entry_id, world.recorder, "再次冲销")
    with pytest.raises(Invalid) as of_reversal:
        await world.ledger.reverse(reversal.entry_id, world.secretary, "恢复")
    with pytest.raises(Forbidden):
        await world.ledger.reverse(entry_id, world.bob, "无权")
    assert (
        twice.value.earlier == reversal.entry_id and of_reversal.value.key == "ledger.reversal_not_reversible"
    )
    rows = await ledger_rows(world)
    assert [(r.points, r.reverses_id) for r in rows] == [(2, None), (-2, entry_id)]
    async with world.db.uow() as uow:
        status = (await uow.session.scalars(select(ClaimRow.status))).one()
        total = await uow.session.scalar(select(func.sum(LedgerEntry.points)))
    assert (status, total) == ("approved", 0)


async def test_recorder_entry(world: World) -> None:
    cmd = RecordEntry(world.branch_id, world.bob.member_id or 0, "dues_late", DAY, reason="3月党费未交")
    recorded = await world.ledger.record(cmd, world.recorder)
    with pytest.raises(Forbidden):
        await world.ledger.record(cmd, world.alice)
    with pytest.raises(Invalid):
        await world.ledger.record(
            RecordEntry(world.branch_id, world.bob.member_id or 0, "absent", DAY, "x"), world.recorder
        )
    [entry] = await ledger_rows(world)
    assert (entry.id, entry.points, entry.actor_id) == (recorded.entry_id, -3, world.recorder.member_id)


async def test_the_duplicate_check_searches_indexes_not_the_table(db: Database) -> None:
    """Each submission looks for an earlier active claim; on SQLite the plan of each look-up is
    an index search (a scan would grow with every claim the branch ever made)."""
    if db.dialect != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    statements: list[tuple[str, tuple[object, ...]]] = []

    def keep(_c: object, _cur: object, sql: str, params: tuple[object, ...], *_: object) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        async with db.uow() as uow:
            assert await uow.claims.active_duplicate("1:key_work:2026-03-05", ["photo-1"]) is None
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", keep)
    assert len(statements) == 2
    async with db.engine.connect() as conn:
        for sql, params in statements:
            plan = " / ".join(
                row[3] for row in (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)).all()
            )
            assert "SCAN claims" not in plan, plan
