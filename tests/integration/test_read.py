"""The read path: a branch's (or a committee's) year as the engine's input."""

from __future__ import annotations

from datetime import date

from bot.scoring.engine import score
from bot.scoring.loader import load_scheme_text
from bot.scoring.model import Scheme
from bot.scoring.records import Attendance, Entry, Evaluation, Rating
from bot.services.claims import SubmitClaim
from bot.services.common import NO_SOURCE
from bot.services.ledger import RecordEntry, new_entry
from bot.storage.read import load_committee_year, load_year
from bot.storage.schema import AttendanceRow, EvaluationResult, EvaluationRow, Meeting, MonthlyRating
from integration.world import SCHEME_TOML, World, add_member, tiny_scheme


async def approve(world: World, item: str, day: date, points: float | None = None) -> int:
    cmd = SubmitClaim(world.branch_id, world.alice.member_id or 0, item, day, points=points)
    decision = await world.claims.approve((await world.claims.submit(cmd)).claim_id, world.secretary)
    assert decision.entry_id is not None
    return decision.entry_id


async def test_entries_are_aggregated_per_month_and_reversals_net_out(world: World) -> None:
    alice = str(world.alice.member_id)
    for day in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 4, 1)):
        await approve(world, "key_work", day, 2)
    reversed_id = await approve(world, "key_work", date(2026, 3, 20), 3)
    await world.ledger.reverse(reversed_id, world.secretary, "误批")
    gone = await approve(world, "volunteer", date(2026, 5, 1))
    await world.ledger.reverse(gone, world.secretary, "误批")
    await approve(world, "key_work", date(2025, 12, 31), 1)  # another year
    async with world.db.uow() as uow:
        data = await load_year(uow, world.branch_id, 2026)
    entries = sorted(data.entries, key=lambda e: e.date)
    assert entries == [
        Entry(alice, "key_work", date(2026, 3, 2), 2, count=2),
        Entry(alice, "key_work", date(2026, 4, 1), 2, count=1),
    ]
    assert {m.name for m in data.members} == {"书记", "积分员", "张三", "李四"} and data.year == 2026


async def test_window_and_committee_and_other_records(world: World) -> None:
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    await approve(world, "key_work", date(2026, 2, 1), 3)
    await approve(world, "key_work", date(2026, 6, 1), 1)
    await world.ledger.record(
        RecordEntry(world.branch_id, bob, "dues_late", date(2026, 6, 3), "未交"), world.recorder
    )
    async with world.db.uow() as uow:
        meeting = Meeting(branch_id=world.branch_id, kind="theme_day", held_on=date(2026, 6, 5))
        evaluation = EvaluationRow(branch_id=world.branch_id, year=2026)
        uow.session.add_all([meeting, evaluation])
        await uow.session.flush()
        uow.session.add_all(
            [
                AttendanceRow(meeting_id=meeting.id, member_id=bob, status="absent"),
                AttendanceRow(meeting_id=meeting.id, member_id=alice, status="present", online=True),
                MonthlyRating(member_id=alice, year=2026, month=6, item="political", score=9),
                EvaluationResult(
                    evaluation_id=evaluation.id, member_id=alice, item="political", total=17, count=2
                ),
            ]
        )
        branch = await uow.branches.get(world.branch_id)
        assert branch is not None and branch.committee_id is not None
        other = await uow.branches.add("第二党支部", "tiny", branch.committee_id)
        await uow.commit()
    await add_member(world.db, other.id, "王五")
    async with world.db.uow() as uow:
        june = await load_year(uow, world.branch_id, 2026, since=date(2026, 6, 1), until=date(2026, 6, 30))
        township = await load_committee_year(uow, branch.committee_id, 2026)
    assert sorted((e.member, e.item, e.points) for e in june.entries) == [
        (str(alice), "key_work", 1),
        (str(bob), "dues_late", -3),
    ]
    assert sorted(june.attendance, key=lambda a: a.status) == [
        Attendance(str(bob), "theme_day", date(2026, 6, 5), "absent"),
        Attendance(str(alice), "theme_day", date(2026, 6, 5), "present", online=True),
    ]
    assert june.ratings == [Rating(str(alice), 6, "political", 9)]
    assert june.evaluations == [Evaluation(str(alice), "political", 17, 2)]
    assert len(township.members) == 5 and len(township.entries) == 3


async def test_the_engine_scores_what_the_read_path_returns(world: World) -> None:
    for day in (date(2026, 3, 2), date(2026, 3, 9)):
        await approve(world, "volunteer", day)  # per month: only one counts
    async with world.db.uow() as uow:
        data = await load_year(uow, world.branch_id, 2026)
    report = score(tiny_scheme(), data)
    by_id = {r.id: r.score for r in report.members}
    assert by_id[str(world.alice.member_id)] == 13 and by_id[str(world.bob.member_id)] == 12


async def test_coarser_buckets_score_the_same_for_the_month_and_the_year_to_date(world: World) -> None:
    """Given the scheme, items without a per-period limit come in one row per window part (before and
    from ``split``); per-month items keep month rows. Scores match the all-month-buckets read exactly."""
    alice, bob = world.alice.member_id or 0, world.bob.member_id or 0
    records = [
        (alice, "volunteer", date(2026, 3, 2), None),
        (alice, "volunteer", date(2026, 3, 9), None),  # same month: the per-month limit drops it
        (alice, "volunteer", date(2026, 6, 3), None),
        (alice, "key_work", date(2026, 2, 1), 3),
        (alice, "key_work", date(2026, 3, 1), 3),  # another month, same points: one coarse row with Feb
        (alice, "key_work", date(2026, 4, 1), 3),
        (alice, "key_work", date(2026, 6, 10), 2),
        (bob, "dues_late", date(2026, 1, 5), None),
        (bob, "dues_late", date(2026, 2, 5), None),
        (bob, "dues_late", date(2026, 6, 5), None),
        (bob, "key_work", date(2026, 6, 20), 1),
    ]
    ids = []
    for member, item, day, points in records:
        recorded = await world.ledger.record(
            RecordEntry(world.branch_id, member, item, day, "台账", points=points), world.recorder
        )
        ids.append(recorded.entry_id)
    await world.ledger.reverse(ids[5], world.secretary, "误录")  # April's key_work
    scheme, june, end = tiny_scheme(), date(2026, 6, 1), date(2026, 6, 30)
    async with world.db.uow() as uow:
        fine = await load_year(uow, world.branch_id, 2026, until=end)
        coarse = await load_year(uow, world.branch_id, 2026, until=end, scheme=scheme, split=june)
    assert len(coarse.entries) < len(fine.entries)
    for since in (None, june):
        expected = score(scheme, fine, since=since, until=end, final=False).to_json()
        assert score(scheme, coarse, since=since, until=end, final=False).to_json() == expected
    month = {r.id: r.score for r in score(scheme, coarse, since=june, until=end, final=False).members}
    year_to_date = {r.id: r.score for r in score(scheme, coarse, until=end, final=False).members}
    assert (month[str(alice)], year_to_date[str(alice)]) == (12 + 1 + 2, 12 + 2 + 3 + 3 + 2)
    assert (month[str(bob)], year_to_date[str(bob)]) == (12 - 3 + 1, 12 - 9 + 1)


def stopping_scheme() -> Scheme:
    """The tiny scheme with a veto that stops scoring on its date but fixes no score."""
    text = SCHEME_TOML.replace('[veto]\ngrade = "不合格"', '[veto]\ngrade = "不合格"\nstop = true')
    text += '\n[[items]]\ncode = "violation"\nname = "严重违纪"\nkind = "veto"\nsource = "recorder"\n'
    return load_scheme_text(text, "stopping.toml")


async def test_entries_after_a_stopping_veto_do_not_count_whatever_the_buckets(world: World) -> None:
    """A veto that stops scoring (with no fixed score) drops every later entry, even one in the
    same month or bucket as an earlier entry of the same item: given such a scheme, the read keeps
    each day apart (and reads the ledger, since the projection holds months)."""
    alice = world.alice.member_id or 0
    scheme = stopping_scheme()
    async with world.db.uow() as uow:  # the world's services know only the tiny scheme
        for item, day, points in (
            ("key_work", date(2026, 3, 5), 2),
            ("violation", date(2026, 3, 10), 0),
            ("key_work", date(2026, 3, 20), 2),  # after the veto: does not count
            ("key_work", date(2026, 5, 2), 2),  # nor this
        ):
            entry = new_entry(
                branch_id=world.branch_id, member_id=alice, item=item, points=points, lead=False, day=day,
                actor=world.recorder, reason="台账", source=NO_SOURCE,
            )  # fmt: skip
            await uow.ledger.add(entry)
        await uow.commit()
    async with world.db.uow() as uow:
        reads = [
            await load_year(uow, world.branch_id, 2026, scheme=scheme),
            await load_year(uow, world.branch_id, 2026, until=date(2026, 6, 30), scheme=scheme),
            await load_year(
                uow, world.branch_id, 2026, until=date(2026, 6, 30), scheme=scheme, split=date(2026, 3, 15)
            ),
        ]
    for data in reads:
        [result] = [r for r in score(scheme, data, final=False).members if r.id == str(alice)]
        assert (result.score, result.grade, result.vetoed) == (12 + 2, "不合格", True)
