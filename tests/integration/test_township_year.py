"""A township's year on a controlled clock (no sleeping): three branches under 城关镇党委, their
members' claims decided (or left pending) and the recorders' entries through the services, each
month's publicity window posted by the clock; then the committee scores the three branches
(党支部评星定级), is told once what is still missing, and the yearly run posts the committee's
publicity once: each branch's own stars in its group, the table to the committee's staff."""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
from handlers.chatworld import db_folder
from openpyxl import load_workbook
from sqlalchemy import select, text

from bot.app import App, build
from bot.channels.console import ConsoleTransport
from bot.media import MediaStore
from bot.scoring.loader import load_scheme
from bot.scoring.model import Scheme
from bot.services.claims import SubmitClaim
from bot.services.committee import CommitteeService, result_workbook
from bot.services.common import Actor, Context
from bot.services.errors import Forbidden, Invalid
from bot.services.ledger import RecordEntry
from bot.services.outbox import console_group
from bot.storage import Database
from bot.storage.schema import BranchScore, CommitteeResult, JobRun, MemberRow, OutboxRow
from bot.storage.timeutil import local_zone, to_local
from integration.publicity_world import CREATED, Moment, publicity_scheme

BRANCH_STAR = load_scheme("branch-star")
MEMBER_SCHEME = publicity_scheme()
YEAR = 2026


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=local_zone()).astimezone(UTC)  # type: ignore[misc]


def schemes(spec: str) -> Scheme:
    return BRANCH_STAR if spec == "branch-star" else MEMBER_SCHEME


def app_on(db: Database, moment: Moment) -> App:
    app = build(
        db, ["console"], context=Context(db.uow, schemes), media=MediaStore(db_folder(db) / "media"),
        instance="township",
        today=lambda: to_local(moment.at).date(), now=moment.now,
    )  # fmt: skip
    app.add_transport(ConsoleTransport())
    return app


async def sent_to(db: Database, chat: str) -> list[str]:
    async with db.uow() as uow:
        rows = (
            await uow.session.scalars(select(OutboxRow).where(OutboxRow.chat == chat).order_by(OutboxRow.id))
        ).all()
    return [_text(r.payload) for r in rows]


def _text(payload: dict[str, Any]) -> str:
    card = payload.get("card")
    return str(payload.get("text") or "") if card is None else "\n".join([card["title"], *(f"{a}: {b}" for a, b in card["fields"]), card["note"], card["status"]])  # fmt: skip


async def _township(db: Database) -> tuple[list[int], dict[int, list[int]], dict[int, Actor], Actor]:
    """Three branches of three members each (the first a secretary, the second a recorder) and
    a member of the first who is the committee's staff."""
    branches, members, secretaries = [], {}, {}
    async with db.uow() as uow:
        committee = await uow.branches.committee("城关镇党委", create=True)
        assert committee is not None
        for name in ("第一党支部", "第二党支部", "第三党支部"):
            branch = await uow.branches.add(name, "tiny-publicity", committee.id)
            branch.created_at = CREATED
            branches.append(branch.id)
            ids = []
            for person in ("书记", "积分员", "党员"):
                row = await uow.members.add(MemberRow(branch_id=branch.id, name=f"{name[:2]}{person}"))
                ids.append(row.id)
            await uow.members.grant(ids[0], "secretary", branch_id=branch.id)
            await uow.members.grant(ids[1], "recorder", branch_id=branch.id)
            members[branch.id], secretaries[branch.id] = ids, Actor(ids[0], f"member:{ids[0]}")
        staff = await uow.members.add(MemberRow(branch_id=branches[0], name="镇组织委员"))
        await uow.members.grant(staff.id, "committee", committee_id=committee.id)
        await uow.commit()
    return branches, members, secretaries, Actor(staff.id, f"member:{staff.id}")


async def _year_of_records(app: App, moment: Moment, branches: list[int], members: dict[int, list[int]],
                           secretaries: dict[int, Actor]) -> None:  # fmt: skip
    """Each month: the first two branches record something for every member and decide every
    claim; the third records for one member only and leaves its claim pending. The clock posts
    each month's window on the first of the next."""
    first, second, third = branches
    deps = app.deps
    for month in range(1, 13):
        day = date(YEAR, month, 10)
        moment.at = local(YEAR, month, 10, 10)
        for branch in (first, second):
            recorder = Actor(members[branch][1], f"member:{members[branch][1]}")
            for member in members[branch]:
                await deps.ledger.record(RecordEntry(branch, member, "dues_late", day, "党费迟交"), recorder)
            claim = await deps.claims.submit(SubmitClaim(branch, members[branch][2], "volunteer", day))
            await deps.claims.approve(claim.claim_id, secretaries[branch])
        recorder = Actor(members[third][1], f"member:{members[third][1]}")
        await deps.ledger.record(
            RecordEntry(third, members[third][2], "dues_late", day, "党费迟交"), recorder
        )
        if month == 11:
            await deps.claims.submit(SubmitClaim(third, members[third][2], "volunteer", day))
        moment.at = local(YEAR, month % 12 + 1, 1, 9, 30) if month < 12 else local(YEAR + 1, 1, 1, 9, 30)
        await app.clock.tick()


async def _score(service: CommitteeService, staff: Actor, branch: str, areas: tuple[float, ...],
                 evaluation: float | None, *items: tuple[str, float, str]) -> None:  # fmt: skip
    for code, points in zip(("leadership", "operation", "member_management", "org_life", "support", "role"), areas,
                            strict=True):  # fmt: skip
        await service.score_area(staff, None, branch, YEAR, code, points)
    for code, points, reason in items:
        await service.score_item(staff, None, branch, YEAR, code, points, reason)
    if evaluation is not None:
        await service.score_evaluation(staff, None, branch, YEAR, evaluation)


def _drawn(committee: int, ids: list[int]) -> list[int]:
    """The county's re-check sample as anyone can draw it again: ceil(15%) of the three- and
    four-star branches, those first by sha256 of ``<committee>:<year>:<branch>``."""
    count = max(1, math.ceil(len(ids) * 15 / 100))
    return sorted(
        sorted(ids, key=lambda b: hashlib.sha256(f"{committee}:{YEAR}:{b}".encode()).hexdigest())[:count]
    )


async def test_a_township_year_from_the_first_entry_to_the_committees_publicity(db: Database) -> None:
    branches, members, secretaries, staff = await _township(db)
    first, second, third = branches
    moment = Moment(local(YEAR, 1, 1, 8))
    app = app_on(db, moment)
    service = app.deps.committee
    assert service is not None
    await _year_of_records(app, moment, branches, members, secretaries)
    assert any("2026年度积分公示" in m for m in await sent_to(db, console_group(first)))

    # the scorer sees what the bot's data says about each branch's points management
    sheet = await service.sheet(staff, None, "第一党支部", YEAR)
    # 4 members (the staff member is one, and has no records), 48 member-months, 36 with records
    assert (sheet.evidence.members, sheet.evidence.member_months, sheet.evidence.recorded_months) == (
        4,
        48,
        36,
    )
    assert (
        sheet.evidence.windows == 17 and sheet.evidence.late_windows == 0
    )  # 12 months, 4 quarters, the year
    assert (sheet.evidence.claims, sheet.evidence.decided, sheet.evidence.pending) == (12, 12, 0)
    weak = await service.sheet(staff, None, "第三", YEAR)
    assert (weak.evidence.member_months, weak.evidence.recorded_months, weak.evidence.pending) == (36, 12, 1)
    assert "待审核 1 件" in "; ".join(weak.evidence.lines())

    # a member who is not the committee's staff, and scores outside the rules, are refused
    with pytest.raises(Forbidden):
        await service.score_area(secretaries[first], None, "第一党支部", YEAR, "leadership", 15)
    with pytest.raises(Invalid) as refused:
        await service.score_area(staff, None, "第一党支部", YEAR, "support", 11)
    assert refused.value.message == "基础保障 最多 10 分, 不能记 11 分; 请写 0 到 10 之间的分数。"
    with pytest.raises(Invalid) as refused:
        await service.score_item(staff, None, "第三党支部", YEAR, "major_failure", 10, "舆情")
    assert "20 到 100" in refused.value.message  # a deduction is at least 20

    # first a wrong score, then the right one: the later supersedes, the earlier is kept
    await service.score_area(staff, None, "第一党支部", YEAR, "leadership", 12)
    await _score(service, staff, "第一党支部", (15, 15, 20, 20, 10, 20), 95, ("county_award", 5, "县级表彰"))
    await _score(
        service, staff, "第二党支部", (13, 13, 15, 15, 8, 14), 100, ("pilot_success", 20, "试点成效显著")
    )
    await _score(
        service, staff, "第三党支部", (10, 10, 14, 14, 6, 14), None, ("major_failure", 20, "群体性事件")
    )
    async with db.uow() as uow:
        leadership = (await uow.session.scalars(
            select(BranchScore).where(BranchScore.branch_id == first, BranchScore.code == "leadership")
            .order_by(BranchScore.id)
        )).all()  # fmt: skip
    assert [r.points for r in leadership] == [12, 15] and leadership[1].supersedes_id == leadership[0].id
    with pytest.raises(Exception, match="append-only"):
        async with db.uow() as uow:
            await uow.session.execute(text("UPDATE branch_scores SET points = 1"))

    # 4 January: 2026 is over but the third branch has no 述职评议: nothing is published
    moment.at = local(YEAR + 1, 1, 4, 10)
    await app.clock.tick()
    assert not [m for m in await sent_to(db, console_group(first)) if "评星定级" in m]
    # from the committee's deadline (31 January) the staff are told once what is missing
    moment.at = local(YEAR + 1, 1, 31, 10)
    await app.clock.tick()
    await app.clock.tick()
    told = [m for m in await sent_to(db, str(staff.member_id)) if "尚未完成" in m]
    assert len(told) == 1 and "第三党支部: 缺少书记述职评议得分" in told[0] and "第一党支部" not in told[0]

    await service.score_evaluation(staff, None, "第三党支部", YEAR, 70)
    moment.at = local(YEAR + 1, 2, 2, 10)
    await app.clock.tick()
    await app.clock.tick()  # once: the run is claimed
    for branch, stars in ((first, 4), (second, 4), (third, 1)):
        posts = [m for m in await sent_to(db, console_group(branch)) if "评星定级公示" in m]
        assert len(posts) == 1 and f"为 {stars} 星级党支部" in posts[0], posts
        assert "公示期至 2027-02-06 24:00 止" in posts[0] and "分" not in posts[0].split("\n")[1]
    [table] = [m for m in await sent_to(db, str(staff.member_id)) if "已在各支部群公示" in m]
    # 第一: (100 + 5) x 0.7 + 95 x 0.3 = 102 -> 5 stars, but five stars are at most floor(30% x 3) = 0
    assert "1. 第一党支部: 总分 102, 4 星级 (五星支部名额已满 (不超过 30%), 按 4 星计)" in table
    # 第二: (78 + 20) x 0.7 + 100 x 0.3 = 98.6, base 78 < 80: at most 4 stars
    assert "2. 第二党支部: 总分 98.6, 4 星级 (基础分低于 80, 星级最高为 4 星)" in table
    # 第三: (68 - 20) x 0.7 + 70 x 0.3 = 54.6 -> 1 star, for rectification
    assert "3. 第三党支部: 总分 54.6, 1 星级" in table
    assert "二星级及以下, 纳入软弱涣散党组织整顿: 第三党支部" in table
    async with db.uow() as uow:
        runs = (await uow.session.scalars(select(JobRun).where(JobRun.job == "branch-star"))).all()
        results = (await uow.session.scalars(select(CommitteeResult))).all()
    assert [(r.scope, r.period) for r in runs] == [("committee-1", "2026")] and len(results) == 1

    report = await service.result(staff, None, YEAR)
    names = {first: "第一党支部", second: "第二党支部", third: "第三党支部"}
    assert list(report.recheck) == [names[b] for b in _drawn(1, [first, second])]
    assert (report.five_stars, report.five_star_limit, report.rectify) == (0, 0, ("第三党支部",))
    assert await service.stars(1, YEAR) == {first: 4, second: 4, third: 1}
    book = load_workbook(BytesIO(result_workbook(report)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:7] == ("党支部", "班子建设", "工作运行", "党员管理", "组织生活", "基础保障", "作用发挥")
    assert rows[3][0] == "第三党支部" and rows[3][7:12] == (0, 20, 70, 54.6, 1)


async def test_a_committee_whose_scheme_rates_no_branches_is_named_in_the_log_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The clock asks every tick which committees are due; one configured with a member scheme
    cannot be rated, and the log says so once, not twice a minute all year."""
    await _township(db)
    async with db.uow() as uow:
        committee = await uow.branches.committee("城关镇党委")
        assert committee is not None
        committee.settings = {"scheme": "tiny-publicity"}
        await uow.commit()
    service = CommitteeService(Context(db.uow, schemes))
    caplog.set_level(logging.WARNING, logger="bot.services.committee")
    for minute in range(3):
        assert await service.due(local(YEAR + 1, 1, 2, 10, minute)) == []
    said = [r.getMessage() for r in caplog.records if "is not rated" in r.getMessage()]
    assert len(said) == 1 and "tiny-publicity" in said[0]
