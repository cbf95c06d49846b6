"""A whole year of publicity on a controlled clock (no sleeping): every window posted once and made
final once; a restart in the middle of a window; a run missed while the bot was down caught up
once, late; a window across National Day and its make-up workday; objections raised, corrected
or kept, the member told; entries and claims refused in a final period and accepted for last
month while its window is open; and two processes on one database posting each window once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.handlers.router import handle
from bot.handlers.types import Incoming
from bot.services.claims import SubmitClaim
from bot.services.common import Source
from bot.services.errors import Invalid
from bot.services.ledger import RecordBatch, RecordEntry, Replacement
from bot.services.outbox import console_group
from bot.storage import Database
from bot.storage.outbox import Outgoing
from bot.storage.schema import (
    AttendanceRow,
    AuditRow,
    ClaimRow,
    DuesPayment,
    LedgerEntry,
    Meeting,
    Objection,
    OutboxRow,
    PublicityWindow,
)
from bot.storage.timeutil import local_zone
from integration.publicity_world import (
    Moment,
    app_on,
    date_branch,
    publicity_scheme,
    returns_scheme,
    set_branch,
)
from integration.world import Target, World

STEP = timedelta(hours=6)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=local_zone()).astimezone(UTC)  # type: ignore[misc]


_updates = iter(range(1, 10**6))


async def say(app: App, member_id: int | None, text: str) -> None:
    inc = Incoming("console", str(member_id), str(member_id), True, text=text, update=str(next(_updates)))
    await handle(inc, app.deps)


async def press(app: App, member_id: int | None, data: str) -> None:
    inc = Incoming(
        "console", str(member_id), str(member_id), True, data=data, update=str(next(_updates)), press="p"
    )
    await handle(inc, app.deps)


async def sent_to(db: Database, chat: str) -> list[str]:
    """Every text and card title sent to ``chat``, in order."""
    async with db.uow() as uow:
        rows = (
            await uow.session.scalars(select(OutboxRow).where(OutboxRow.chat == chat).order_by(OutboxRow.id))
        ).all()
    return [text_of(row.payload) for row in rows]


async def window(db: Database, period: str) -> PublicityWindow:
    async with db.uow() as uow:
        row = (
            await uow.session.scalars(select(PublicityWindow).where(PublicityWindow.period == period))
        ).one()
        return row


def text_of(payload: dict[str, Any]) -> str:
    card = payload.get("card")
    return str(payload.get("text") or "") if card is None else f"{card['title']}\n{card['note']}"


async def run_until(app: App, moment: Moment, end: datetime, seen: list[Outgoing] | None = None) -> None:
    """Tick every six hours up to ``end``; what the clock sent is added to ``seen`` (the outbox
    itself forgets delivered rows after 30 days)."""
    while moment.at < end:
        moment.at = min(moment.at + STEP, end)
        rows = await app.clock.tick()
        if seen is not None:
            seen += rows


async def test_a_year_of_publicity_exactly_once(world: World) -> None:
    db, branch = world.db, world.branch_id
    alice, bob, sec = world.alice.member_id, world.bob.member_id, world.secretary.member_id
    assert alice and bob and sec
    await date_branch(db, branch)
    moment = Moment(local(2026, 1, 1))
    app, _out = app_on(db, moment)
    ledger = app.deps.ledger
    seen: list[Outgoing] = []

    await run_until(app, moment, seen=seen, end=local(2026, 3, 5, 10))
    entry = await ledger.record(
        RecordEntry(branch, alice, "key_work", date(2026, 3, 3), "防汛值守", points=2), world.recorder
    )

    # 1 April 09:00: March and Q1 go up together; 张三 objects to March, by name of the period.
    await run_until(app, moment, seen=seen, end=local(2026, 4, 1, 12))
    march = await window(db, "2026-03")
    assert march.report["members"][2]["name"] == "张三" and march.report["members"][2]["score"] == 14
    await say(app, alice, "异议 3月的防汛值守其实是别人, 应当删去")
    assert "多期正在公示" in (await sent_to(db, str(alice)))[-1]  # two windows open: which one
    await say(app, alice, "异议 2026-03 3月的防汛值守其实是别人, 应当删去")
    async with db.uow() as uow:
        objection = (await uow.session.scalars(select(Objection))).one()
    assert "异议 #" in (await sent_to(db, str(sec)))[-1]  # the secretary's card, privately
    await press(app, sec, f"pf:{objection.id}")
    await press(app, sec, f"pf:{objection.id}:{entry.entry_id}")
    told = (await sent_to(db, str(alice)))[-1]
    assert "已更正" in told and f"#{entry.entry_id}" in told and "异议属实" in told
    async with db.uow() as uow:
        reversal = (
            await uow.session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id == entry.entry_id))
        ).one()
    assert reversal.points == -2

    # the window ends (7 working days: 1-3, 7-10 April; 4-6 April is 清明), the period is final
    await run_until(app, moment, seen=seen, end=local(2026, 4, 20))
    march = await window(db, "2026-03")
    assert march.closes_at == local(2026, 4, 11) and march.final_at is not None
    assert march.report["final"]["members"][2]["score"] == 12  # frozen after the correction
    with pytest.raises(Invalid) as refused:
        await ledger.record_batch(
            RecordBatch(branch, (alice,), "key_work", date(2026, 3, 10), "补记", points=1), world.recorder
        )
    assert refused.value.key == "pub.final_period"
    with pytest.raises(Invalid) as refused:
        await app.deps.claims.submit(SubmitClaim(branch, alice, "volunteer", date(2026, 3, 10)))
    assert refused.value.key == "pub.final_period"

    # a restart in the middle of June's window: the new process posts nothing twice
    await run_until(app, moment, seen=seen, end=local(2026, 7, 3))
    app, _out = app_on(db, moment, instance="two")
    await run_until(app, moment, seen=seen, end=local(2026, 7, 25))
    # down from 25 July to 10 August: July's window, due on 1 August, is posted once, late
    moment.at = local(2026, 8, 10, 8)
    seen += await app.clock.tick()
    seen += await app.clock.tick()
    july = await window(db, "2026-07")
    assert july.report["late"] and july.opens_at == local(2026, 8, 10, 8)
    group = await sent_to(db, console_group(branch))
    assert sum("2026年7月积分公示" in m and "延后发布" in m for m in group) == 1

    # September's window crosses National Day: 1-7 October off, Saturday 10 October worked
    await run_until(app, moment, seen=seen, end=local(2026, 10, 2, 10))
    september = await window(db, "2026-09")
    assert september.closes_at == local(2026, 10, 16)
    await say(app, bob, "异议 2026-09 9月的志愿服务漏记了")
    async with db.uow() as uow:
        kept = (await uow.session.scalars(select(Objection).where(Objection.member_id == bob))).one()
    await run_until(app, moment, seen=seen, end=local(2026, 10, 20))
    assert (await window(db, "2026-09")).final_at is None  # an objection not decided keeps it open
    await say(app, sec, f"异议处理 {kept.id} 维持 9月没有志愿服务的签到记录")
    assert (
        "维持原结果" in (await sent_to(db, str(bob)))[-1] and "签到记录" in (await sent_to(db, str(bob)))[-1]
    )
    await run_until(app, moment, seen=seen, end=local(2026, 10, 21))
    assert (await window(db, "2026-09")).final_at is not None

    # into 2027, past the holiday data: a December claim filed on 2 January is accepted while
    # December's window is open; one dated in final November is refused
    await run_until(app, moment, seen=seen, end=local(2027, 1, 2, 10))
    await say(app, alice, "申报 志愿服务 2026年12月30日 清扫街道")
    await say(app, alice, "申报 志愿服务 2026年11月5日 清扫街道")
    async with db.uow() as uow:
        claims = (await uow.session.scalars(select(ClaimRow.effective_date))).all()
    assert claims == [date(2026, 12, 30)]
    assert "已确定的 2026-11" in (await sent_to(db, str(alice)))[-1]
    await run_until(app, moment, seen=seen, end=local(2027, 1, 31))

    windows = {w.period: w for w in await _windows(db)}
    expected = [f"2026-{m:02d}" for m in range(1, 13)] + [f"2026-Q{q}" for q in range(1, 5)] + ["2026"]
    assert sorted(windows) == sorted(expected)
    assert all(w.final_at is not None for w in windows.values())
    group = [text_of(r.payload) for r in seen if r.kind == "send" and r.chat == console_group(branch)]
    posts = Counter(m.split("\n")[0] for m in group if "积分公示" in m and "期满" not in m)
    assert set(posts.values()) == {1} and len(posts) == 17  # every window posted once
    finals = Counter(m.split("期满")[0] for m in group if "公示期满" in m)
    assert set(finals.values()) == {1} and len(finals) == 17  # and made final once
    assert not any("14 分" in m or "12 分" in m for m in group)  # scores go to each member privately
    mine = [text_of(r.payload) for r in seen if r.kind == "send" and r.chat == str(alice)]
    assert sum("你的本期得分" in m for m in mine) == 16 and sum("你的年度得分" in m for m in mine) == 1


async def _windows(db: Database) -> list[PublicityWindow]:
    async with db.uow() as uow:
        return list((await uow.session.scalars(select(PublicityWindow))).all())


async def test_the_secretary_reopens_a_final_period_in_the_audit_log(world: World) -> None:
    db, branch = world.db, world.branch_id
    await date_branch(db, branch)
    moment = Moment(local(2026, 2, 1, 10))
    app, _out = app_on(db, moment)
    alice = world.alice.member_id or 0
    entry = await app.deps.ledger.record(
        RecordEntry(branch, alice, "key_work", date(2026, 1, 9), "防汛值守", points=2), world.recorder
    )
    await app.clock.tick()
    await run_until(app, moment, local(2026, 2, 20))
    assert (await window(db, "2026-01")).final_at is not None
    # nothing dated in the final month changes: no correction, no dues, no meeting recorded afterwards
    with pytest.raises(Invalid) as refused:
        await app.deps.ledger.correct(entry.entry_id, world.secretary, "分值录错", Replacement(points=1))
    assert refused.value.key == "pub.final_period"
    with pytest.raises(Invalid) as refused:
        await app.deps.dues.mark_named(
            branch, world.recorder, 2026, 1, {"张三": "late"}, None, (), Source(), date(2026, 2, 20)
        )
    assert refused.value.key == "pub.final_period"
    await say(app, world.secretary.member_id, "重新开放 2026-01")
    assert "须写明理由" in (await sent_to(db, str(world.secretary.member_id)))[-1]
    await say(app, world.alice.member_id, "重新开放 2026-01 漏记")
    assert (await window(db, "2026-01")).final_at is not None  # a member may not
    await say(app, world.secretary.member_id, "重新开放 2026-01 漏记一次志愿服务")
    reopened = await window(db, "2026-01")
    assert reopened.final_at is None and reopened.closes_at > moment.at
    await app.deps.claims.submit(
        SubmitClaim(branch, world.alice.member_id or 0, "volunteer", date(2026, 1, 9))
    )
    corrected = await app.deps.ledger.correct(
        entry.entry_id, world.secretary, "分值录错", Replacement(points=1)
    )
    assert corrected.replacement is not None and corrected.replacement.points == 1
    async with db.uow() as uow:
        audit = (
            await uow.session.scalars(select(AuditRow).where(AuditRow.action == "publicity.reopened"))
        ).one()
    assert (
        audit.actor == f"member:{world.secretary.member_id}" and audit.details["reason"] == "漏记一次志愿服务"
    )
    await run_until(app, moment, local(2026, 3, 10))
    assert (await window(db, "2026-01")).final_at is not None  # final again once the new window ends


async def test_the_group_shows_what_the_branch_chooses(world: World) -> None:
    db, branch = world.db, world.branch_id
    await date_branch(db, branch)
    await set_branch(db, branch, publicity="scores", rank=True)
    moment = Moment(local(2026, 2, 1, 10))
    app, _out = app_on(db, moment)
    await app.clock.tick()
    async with db.uow() as uow:
        card = (
            await uow.session.scalars(
                select(OutboxRow.payload).where(OutboxRow.chat == console_group(branch))
            )
        ).first()
    assert card is not None
    assert ["张三", "12 分 (第1名)"] in card["card"]["fields"]


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.getcwd()])}


async def test_two_processes_post_each_window_once(world: World, target: Target) -> None:
    if not target.url.startswith("postgresql"):
        pytest.skip("two processes sharing one database: PostgreSQL")
    await date_branch(world.db, world.branch_id)
    schema = str(target.connect_args["server_settings"]["search_path"])  # type: ignore[index]
    child = str(Path(__file__).with_name("publicity_child.py"))
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, child, target.url, schema, name, env=_child_env()
        )
        for name in ("one", "two")
    ]
    codes = [await p.wait() for p in procs]
    assert codes == [0, 0]
    async with world.db.uow() as uow:
        windows = await uow.session.scalar(select(func.count()).select_from(PublicityWindow))
        posts = (await uow.session.scalars(
            select(OutboxRow.key).where(OutboxRow.chat == console_group(world.branch_id), OutboxRow.card_key.like("publicity:%"))
        )).all()  # fmt: skip
        finals = await uow.session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.key.like("job:publicity.final:%"))
        )
    # January to June, Q1 and Q2: eight windows, each posted once and made final once
    assert windows == 8 and len(posts) == 8 and finals == 8


async def test_the_object_button_and_the_calendar_in_the_chat(world: World) -> None:
    db, branch = world.db, world.branch_id
    await date_branch(db, branch)
    moment = Moment(local(2026, 2, 2, 10))
    app, _out = app_on(db, moment)
    await app.clock.tick()
    january = await window(db, "2026-01")
    await press(app, world.alice.member_id, f"pb:{january.id}")
    assert "请私聊机器人发送: 异议 原因" in (await sent_to(db, str(world.alice.member_id)))[-1]
    await say(app, world.alice.member_id, "异议")
    assert "请写明异议的原因" in (await sent_to(db, str(world.alice.member_id)))[-1]
    await say(app, world.secretary.member_id, "日程")
    shown = (await sent_to(db, str(world.secretary.member_id)))[-1]
    assert "第一党支部 日程" in shown
    async with db.uow() as uow:
        card = (
            await uow.session.scalars(
                select(OutboxRow.payload).where(OutboxRow.chat == str(world.secretary.member_id))
            )
        ).all()[-1]
    fields = dict(card["card"]["fields"])
    assert "2026年1月: 公示中, 至 2026-02-10 24:00" in fields["公示记录"]
    assert fields["下一次公示"] == "2026年2月 2026-03-01 09:00"
    moment.at = local(2026, 2, 12)
    await say(app, world.alice.member_id, "异议 2026-01 漏记")
    assert "该期公示已结束" in (await sent_to(db, str(world.alice.member_id)))[-1]


async def test_reminders_once_each_and_turned_off(world: World) -> None:
    db, branch = world.db, world.branch_id
    await set_branch(db, branch, theme_day=5, dues_day=10, pending_days=3)
    claim = await world.claims.submit(
        SubmitClaim(branch, world.alice.member_id or 0, "volunteer", date(2026, 2, 27))
    )
    async with db.uow() as uow:
        pending = await uow.session.get(ClaimRow, claim.claim_id)
        assert pending is not None
        pending.created_at = local(2026, 2, 27, 10)
        await uow.commit()
    moment = Moment(local(2026, 3, 1))
    first, _ = app_on(db, moment)
    second, _ = app_on(db, moment, instance="two")
    seen: list[Outgoing] = []
    while moment.at < local(2026, 4, 1):
        moment.at += timedelta(hours=2)
        for app in (first, second):  # two schedulers, one database
            seen += await app.clock.tick()
    group = [text_of(r.payload) for r in seen if r.chat == console_group(branch)]
    assert [m for m in group if "主题党日" in m] == [
        "提醒: 明天 (2026-03-05) 是主题党日, 请按时参加; 不能参加的请提前向支部书记请假。",
        "提醒: 今天 (2026-03-05) 是主题党日, 请按时参加。",
    ]
    assert [m for m in group if "党费" in m] == ["提醒: 请在本月 (2026-03) 按时足额交纳党费。"]
    alerts = [text_of(r.payload) for r in seen if r.chat == str(world.secretary.member_id)]
    # from 2 March, three days after the claim, once every morning to the end of the month
    assert len(alerts) == 30 and alerts[0] == "提醒: 有 1 条申报等待审核已超过 3 天, 请发送 待审核 处理。"
    assert not any("申报等待审核" in text_of(r.payload) for r in seen if r.chat == str(world.alice.member_id))


async def test_the_secretary_is_alerted_to_missed_dues_and_to_lapse_reviews(world: World) -> None:
    db, branch = world.db, world.branch_id
    alice = world.alice.member_id or 0
    await set_branch(db, branch, dues_day=10)
    async with db.uow() as uow:
        meeting = Meeting(branch_id=branch, kind="theme_day", held_on=date(2026, 2, 3))
        uow.session.add(meeting)
        await uow.session.flush()
        uow.session.add(AttendanceRow(meeting_id=meeting.id, member_id=alice, status="present"))
        uow.session.add(
            DuesPayment(branch_id=branch, member_id=alice, year=2026, month=3, status="paid", actor="t")
        )
        await uow.commit()
    moment = Moment(local(2026, 3, 14))
    app, _ = app_on(db, moment)
    seen: list[Outgoing] = []
    await run_until(app, moment, local(2026, 7, 2), seen)
    told = [text_of(r.payload) for r in seen if r.chat == str(world.secretary.member_id)]
    assert told[0] == "提醒: 2026-03 还有 3 人的党费未登记交纳: 书记、积分员、李四。请核实, 已交的请登记。"
    lapse = "提醒 (自行脱党审查, 由支部研究决定): 以下党员连续 6 个月\n未参加党的组织生活: 书记、积分员、李四\n未交纳党费: 书记、积分员、李四"
    assert [m for m in told if "自行脱党" in m] == [lapse] * 4  # on 1 April, May, June and July
    assert not any("张三" in m for m in told)
    await set_branch(db, branch, review_alerts=False)
    seen.clear()
    await run_until(app, moment, local(2026, 8, 2), seen)
    assert not any("自行脱党" in text_of(r.payload) for r in seen)  # turned off


async def test_the_secretary_changes_the_calendar_in_the_chat(world: World) -> None:
    db, sec = world.db, world.secretary.member_id
    app, _ = app_on(db, Moment(local(2026, 3, 1, 10)))
    await say(app, sec, "日程 主题党日 5")
    async with db.uow() as uow:
        card = (await uow.session.scalars(select(OutboxRow.payload).where(OutboxRow.chat == str(sec)))).all()[
            -1
        ]
    assert (
        dict(card["card"]["fields"])["提醒"]
        == "主题党日 每月5日; 党费 关; 待审核超期 关; 自行脱党审查提醒 开; 流动党员回村提醒 开"
    )
    await say(app, sec, "日程 脱党审查 关")
    await say(app, sec, "日程 公示 得分")
    await say(app, sec, "日程 主题党日 0")
    async with db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None
        settings = dict(branch.settings)
        audit = (
            await uow.session.scalars(select(AuditRow.action).where(AuditRow.action == "branch.settings"))
        ).all()
    assert (settings["theme_day"], settings["review_alerts"], settings["publicity"]) == (
        None,
        False,
        "scores",
    )
    assert len(audit) == 4
    await say(app, sec, "日程 主题党日 31")
    refused = (await sent_to(db, str(sec)))[-1]
    assert "theme_day" in refused and refused.endswith("应为 1 到 28 之间的整数 (0 表示关闭)"), refused
    await say(app, sec, "日程 下雨 5")
    assert (await sent_to(db, str(sec)))[-1].startswith("改日程的写法")
    await say(app, world.alice.member_id, "日程 主题党日 6")
    async with db.uow() as uow:
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None and branch.settings["theme_day"] is None  # a member may only look


async def test_a_claim_for_december_filed_before_nine_on_new_years_day_is_accepted(world: World) -> None:
    """Between midnight and 09:00 on 1 January December's window is not posted yet: December is not
    final, so a claim dated in it is accepted; one dated in an earlier, final month is refused."""
    db, alice = world.db, world.alice.member_id
    await date_branch(db, world.branch_id)
    moment = Moment(local(2026, 11, 30, 12))
    app, _ = app_on(db, moment)
    await run_until(app, moment, end=local(2026, 12, 31, 12))
    moment.at = local(2027, 1, 1, 5)
    await say(app, alice, "申报 志愿服务 2026年12月30日 清扫街道")
    async with db.uow() as uow:
        claims = (await uow.session.scalars(select(ClaimRow.effective_date))).all()
        windows = (await uow.session.scalars(select(PublicityWindow.period))).all()
    assert claims == [date(2026, 12, 30)] and "2026-12" not in windows
    assert "2026-11" in windows  # November's window, final by now
    await say(app, alice, "申报 志愿服务 2026年11月5日 清扫街道")
    assert "已确定的 2026-11" in (await sent_to(db, str(alice)))[-1]


async def test_the_group_is_reminded_of_a_scheduled_meeting_the_evening_before_and_two_hours_before(
    world: World,
) -> None:
    db, sec, branch = world.db, world.secretary.member_id, world.branch_id
    moment = Moment(local(2026, 3, 10, 10))
    app, _ = app_on(db, moment)
    await say(app, sec, "日程 会议 支部党员大会 3月15日 19:00")
    assert "已安排支部党员大会: 2026-03-15 19:00" in (await sent_to(db, str(sec)))[-1]
    assert (await sent_to(db, console_group(branch)))[
        -1
    ] == "支部安排了支部党员大会: 2026-03-15 19:00, 请大家准时参加。"
    await say(app, sec, "日程 会议 支部党员大会 3月9日 19:00")
    assert "已经过去" in (await sent_to(db, str(sec)))[-1]
    await say(app, sec, "日程 会议 开大会 3月20日")
    assert (await sent_to(db, str(sec)))[-1].startswith("安排会议的写法")
    await say(app, world.alice.member_id, "日程 会议 党课 3月20日 19:00")  # a member may only look
    await say(app, sec, "日程")
    async with db.uow() as uow:
        card = (await uow.session.scalars(select(OutboxRow.payload).where(OutboxRow.chat == str(sec)))).all()[
            -1
        ]
        scheduled = (await uow.session.scalars(select(Meeting))).all()
    assert dict(card["card"]["fields"])["将要召开的会议"] == "支部党员大会 2026-03-15 19:00"
    assert [(m.kind, m.held_on) for m in scheduled] == [("general_meeting", date(2026, 3, 15))]
    sent: list[tuple[datetime, str]] = []
    second, _ = app_on(db, moment, instance="two")  # a second process on the same database
    while moment.at < local(2026, 3, 16):
        moment.at += timedelta(minutes=30)
        for rows in (await app.clock.tick(), await second.clock.tick()):
            sent += [(moment.at, text_of(r.payload)) for r in rows if r.chat == console_group(branch)]
    assert [(at, text) for at, text in sent if "支部党员大会" in text] == [
        (local(2026, 3, 14, 18), "提醒: 明天 (2026-03-15 19:00) 召开支部党员大会, 请大家准时参加。"),
        (local(2026, 3, 15, 17), "提醒: 支部党员大会将于 2026-03-15 19:00 开始, 请准时参加。"),
    ]
    # the meeting itself is then recorded as any other: the scheduled row does not stand in its way
    await say(app, sec, "补录 支部党员大会 3月15日 缺席 李四")
    async with db.uow() as uow:
        absent = (
            await uow.session.scalars(select(AttendanceRow).where(AttendanceRow.status == "absent"))
        ).all()
    assert [a.member_id for a in absent] == [world.bob.member_id]


async def test_on_1_october_the_secretary_is_told_of_migrant_members_short_of_returns(world: World) -> None:
    db, branch, sec = world.db, world.branch_id, world.secretary.member_id
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    async with db.uow() as uow:
        for member in (alice, bob):
            row = await uow.members.get(member)
            assert row is not None
            row.migrant = True
        for held_on, online in (
            (date(2026, 3, 5), False),
            (date(2026, 6, 5), True),
            (date(2026, 9, 5), True),
        ):
            meeting = Meeting(branch_id=branch, kind="theme_day", held_on=held_on)
            uow.session.add(meeting)
            await uow.session.flush()
            uow.session.add(AttendanceRow(meeting_id=meeting.id, member_id=alice, status="present"))
            uow.session.add(
                AttendanceRow(meeting_id=meeting.id, member_id=bob, status="present", online=online)
            )
        await uow.commit()
    moment = Moment(local(2026, 9, 29))
    app, _ = app_on(db, moment, scheme=returns_scheme())
    second, _ = app_on(db, moment, instance="two", scheme=returns_scheme())
    seen: list[Outgoing] = []
    while moment.at < local(2026, 10, 3):
        moment.at += STEP
        seen += await app.clock.tick() + await second.clock.tick()
    told = [text_of(r.payload) for r in seen if r.chat == str(sec) and "流动党员" in text_of(r.payload)]
    # 张三 returned three times; 李四 came once, and joined online twice, which is no return
    assert told == [
        "提醒: 已到第四季度, 以下流动党员今年回村(居)参加组织生活不足 2 次 (括号内为已回次数, 线上参加不算): 李四 (1)。请提醒他们年内返回参加。"
    ]
    await set_branch(db, branch, returns_alerts=False)
    moment.at = local(2027, 9, 30, 12)
    quiet, _ = app_on(db, moment, scheme=returns_scheme())
    later: list[Outgoing] = []
    while moment.at < local(2027, 10, 2):
        moment.at += STEP
        later += await quiet.clock.tick()
    assert not any("流动党员" in text_of(r.payload) for r in later)  # turned off


def _year_window(
    branch: int, year: int, final_at: datetime, members: list[dict[str, Any]]
) -> PublicityWindow:
    return PublicityWindow(
        branch_id=branch, period=str(year), kind="year", starts=date(year, 1, 1), ends=date(year, 12, 31),
        opens_at=final_at, closes_at=final_at, report={"members": [], "final": {"members": members}},
        final_at=final_at,
    )  # fmt: skip


async def _told_on(
    db: Database, branch: int, scheme_id: str, days: list[date], sec: int
) -> list[tuple[date, str]]:
    """The follow-ups the secretary was told at 09:00 on each of ``days`` by two schedulers on one
    database (the publicity posts they also get left aside)."""
    scheme = publicity_scheme().model_copy(update={"id": scheme_id})
    moment = Moment(local(2020, 1, 1))
    apps = [app_on(db, moment, scheme=scheme)[0], app_on(db, moment, instance="two", scheme=scheme)[0]]
    told = []
    for day in days:
        moment.at = local(day.year, day.month, day.day, 9)
        for app in apps:
            texts = [text_of(r.payload) for r in await app.clock.tick() if r.chat == str(sec)]
            told += [(day, text) for text in texts if "整改" in text or "劝退" in text]
    return told


async def test_star_hundred_follow_ups_are_due_six_months_and_a_year_after_the_final_result(
    world: World,
) -> None:
    db, branch, sec = world.db, world.branch_id, world.secretary.member_id or 0
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    members = [{"id": alice, "name": "张三", "score": 65, "grade": "基本合格"},
               {"id": bob, "name": "李四", "score": 40, "grade": "不合格"}]  # fmt: skip
    async with db.uow() as uow:
        uow.session.add(_year_window(branch, 2026, local(2027, 1, 20, 0, 30), members))
        await uow.commit()
    days = [date(2027, 1, 20), date(2027, 7, 19), date(2027, 7, 20), date(2027, 7, 21), date(2028, 1, 20)]
    told = await _told_on(db, branch, "star-hundred", days, sec)
    assert told == [
        (
            date(2027, 7, 20),
            "提醒: 2026年度评为基本合格的党员, 告诫通知书的 6 个月整改期已满, 请组织评估整改情况: 张三。",
        ),
        (
            date(2028, 1, 20),
            "提醒: 2026年度评为不合格的党员, 限期整改的 1 年期限已满, 请组织评估整改情况: 李四。",
        ),
    ]
    await set_branch(db, branch, followup_alerts=False)
    assert await _told_on(db, branch, "star-hundred", [date(2027, 7, 20)], sec) == []


async def test_pioneer_index_below_60_two_cycles_running_is_told_when_the_second_year_is_final(
    world: World,
) -> None:
    db, branch, sec = world.db, world.branch_id, world.secretary.member_id or 0
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    before = [{"id": alice, "name": "张三", "score": 55}, {"id": bob, "name": "李四", "score": 70}]
    after = [{"id": alice, "name": "张三", "score": 58}, {"id": bob, "name": "李四", "score": 50}]
    async with db.uow() as uow:
        uow.session.add(_year_window(branch, 2025, local(2026, 1, 21, 3), before))
        uow.session.add(_year_window(branch, 2026, local(2027, 1, 20, 3), after))
        await uow.commit()
    told = await _told_on(
        db, branch, "pioneer-index", [date(2026, 1, 21), date(2027, 1, 20), date(2027, 1, 21)], sec
    )
    assert told == [
        (
            date(2027, 1, 20),
            "提醒: 以下党员 2026 年和上一年度连续两个周期得分低于 60 分, 请支部研究是否启动劝退程序: 张三。",
        )
    ]
