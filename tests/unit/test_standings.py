"""``standings`` (scores without explanations, several windows in one pass) agrees with ``score``
on generated years for every preset: same score, grade, stars, rank and flags for every member."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.scoring.engine import score
from bot.scoring.loader import load_preset, preset_ids
from bot.scoring.model import MEETING_TYPES, Item, Scheme
from bot.scoring.records import Attendance, BranchRecord, Entry, Evaluation, Member, Rating, ScoringInput
from bot.scoring.result import Standing
from bot.scoring.standings import standings

YEAR = 2026
CATEGORIES = ("rural", "community", "")


def _points(item: Item, rng: random.Random) -> int | float | None:
    if item.kind == "veto" or rng.random() < 0.4:
        return None
    if item.points is not None:
        return item.points
    assert item.min is not None and item.max is not None
    low, high = item.min, item.max
    value = rng.choice([low, high, (low + high) / 2, round(rng.uniform(low, high) * 2) / 2])
    return int(value) if float(value).is_integer() else value


def generate(scheme: Scheme, seed: int, n: int = 60) -> ScoringInput:
    rng = random.Random(seed)
    data = ScoringInput(year=YEAR)
    data.members = [
        Member(
            f"m{i}",
            f"党员{i}",
            rng.choice(CATEGORIES),
            migrant=rng.random() < 0.2,
            exempt=rng.random() < 0.05,
        )
        for i in range(n)
    ]
    items = [i for i in scheme.items if i.enterable or i.kind == "veto"]
    days = [date(YEAR, 1, 1) + timedelta(days=d) for d in range(365)]
    for _ in range(n * 12):
        who = rng.choice(data.members)
        item = rng.choice(items) if items else None
        if item is None or (item.kind == "veto" and rng.random() < 0.7):
            continue
        if item.categories and who.category not in item.categories:
            continue
        data.entries.append(
            Entry(
                who.id,
                item.code,
                rng.choice(days),
                _points(item, rng),
                lead=rng.random() < 0.2,
                count=rng.choice((1, 1, 1, 2, 3)),
            )
        )
    for who in data.members[::2]:
        for month in range(1, 13):
            status = rng.choice(("present", "present", "leave", "absent"))
            data.attendance.append(
                Attendance(
                    who.id,
                    rng.choice(sorted(MEETING_TYPES)),
                    date(YEAR, month, 5),
                    status,
                    online=rng.random() < 0.3,
                )
            )
    if scheme.rating is not None:
        for who in data.members:
            for month in range(1, 13):
                for rated in scheme.rating.items:
                    data.ratings.append(Rating(who.id, month, rated.code, rng.randint(0, int(rated.max))))
        for who in data.members[1:]:  # the first has no evaluation: 数据不全 at year end
            for rated in scheme.rating.items:
                raters = rng.randint(10, 20)
                data.evaluations.append(
                    Evaluation(who.id, rated.code, rng.randint(0, int(rated.max)) * raters, raters)
                )
    if scheme.branch is not None:
        data.members = []
        data.entries = []
        data.attendance = []
        data.branches = [
            BranchRecord(
                f"b{i}",
                f"支部{i}",
                {a.code: rng.randint(0, int(a.max)) for a in scheme.branch.areas},
                evaluation=rng.randint(60, 100),
            )
            for i in range(n)
        ]
    return data


def shown(s: Standing) -> tuple[object, ...]:
    return (s.id, s.name, s.score, s.grade, s.stars, s.rank, s.exempt, s.vetoed, s.missing, s.direct)


def stop_without_score() -> Scheme:
    """pioneer-index's zeroing stops the year, but keeps the points up to it (a branch's own variant)."""
    scheme = load_preset("pioneer-index")
    assert scheme.veto is not None and scheme.veto.stop
    return scheme.model_copy(update={"veto": scheme.veto.model_copy(update={"score": None})})


@pytest.mark.parametrize("scheme_id", [*preset_ids(), "stop-without-score"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_standings_equal_full_scores_for_every_window(scheme_id: str, seed: int) -> None:
    scheme = stop_without_score() if scheme_id == "stop-without-score" else load_preset(scheme_id)
    data = generate(scheme, seed)
    windows: list[tuple[date | None, date | None]] = []
    for month in (1, 6, 12):
        start = date(YEAR, month, 1)
        end = (date(YEAR, month + 1, 1) if month < 12 else date(YEAR + 1, 1, 1)) - timedelta(days=1)
        windows += [(start, end), (None, end)]
    windows.append((date(YEAR, 3, 10), date(YEAR, 9, 20)))
    for final in (False, True):
        boards = standings(scheme, data, windows, final=final)
        assert len(boards) == len(windows)
        for (since, until), board in zip(windows, boards, strict=True):
            report = score(scheme, data, since=since, until=until, final=final)
            expected = report.branches or report.members
            assert [shown(s) for s in board] == [
                (r.id, r.name, r.score, r.grade, r.stars, r.rank, r.exempt, r.vetoed, r.missing, r.direct)
                for r in expected
            ]


def test_generated_years_reach_the_rules_that_matter() -> None:
    """The generated data is not trivial: vetoes, caps or limits, exempt members all occur."""
    scheme = load_preset("base-incentive")
    board = standings(scheme, generate(scheme, 1), [(None, None)], final=True)[0]
    assert any(s.exempt for s in board) and len({s.score for s in board}) > 5
    vetoed = [
        s
        for seed in (1, 2, 3)
        for s in standings(
            load_preset("twelve-point"), generate(load_preset("twelve-point"), seed), [(None, None)]
        )[0]
        if s.vetoed
    ]
    assert vetoed
