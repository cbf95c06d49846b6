"""Scores without explanations, for several windows in one pass: what a publicity board shows.

``standings(scheme, data, windows)`` gives, for each window (``since``, ``until``), every member's
score, grade, stars, rank and the exempt and vetoed flags exactly as ``score`` would, but builds
no explanation text, no quarter or year stars and no alerts, and validates the records and sorts
the entries per member once for all the windows. A month's publicity needs the month and the year
to date of every member; ``/me`` needs the explanation and keeps using ``score``.

Additive schemes take the lean path below; rating and branch schemes go through ``score``.
``standings_tolerant`` is the read path's: the records ``standings`` would refuse are left out
and returned as problems, and the rest is scored.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from bot.scoring import additive
from bot.scoring.additive import AdditiveScorer
from bot.scoring.engine import score, score_tolerant
from bot.scoring.model import Scheme
from bot.scoring.records import Attendance, Entry, InputError, ScoringInput
from bot.scoring.result import Exact, Report, Standing, exact, rank
from bot.scoring.validate import NUMBERS, Problem, accepted_points, split_valid, validate

Window = tuple[date | None, date | None]


def standings(
    scheme: Scheme, data: ScoringInput, windows: Sequence[Window], *, final: bool = False
) -> list[list[Standing]]:
    """For each window, the standings of every member in ``data.members`` order (branches for branch schemes)."""
    return _standings(scheme, data, windows, final, score)


def standings_tolerant(
    scheme: Scheme, data: ScoringInput, windows: Sequence[Window], *, final: bool = False
) -> tuple[list[list[Standing]], list[Problem]]:
    """As ``standings``, but without the records it would refuse (``split_valid``), which come back as
    problems, one per record. Good input costs what ``standings`` costs: it is checked once."""
    try:
        return standings(scheme, data, windows, final=final), []
    except InputError:
        cleaned, problems = split_valid(scheme, data)
    return _standings(scheme, cleaned, windows, final, _score_cleaned), problems


def _score_cleaned(scheme: Scheme, data: ScoringInput, *, since: date, until: date, final: bool) -> Report:
    return score_tolerant(scheme, data, since=since, until=until, final=final)[0]


def _standings(
    scheme: Scheme, data: ScoringInput, windows: Sequence[Window], final: bool, scorer: Callable[..., Report]
) -> list[list[Standing]]:
    spans = [(since or date(data.year, 1, 1), until or date(data.year, 12, 31)) for since, until in windows]
    if scheme.kind != "additive":
        out = []
        for start, end in spans:
            report = scorer(scheme, data, since=start, until=end, final=final)
            out.append(
                [
                    Standing(
                        r.id,
                        r.name,
                        r.score,
                        r.grade,
                        r.stars,
                        r.rank,
                        r.exempt,
                        r.vetoed,
                        r.missing,
                        r.direct,
                    )
                    for r in report.branches or report.members
                ]
            )
        return out
    enabled = gc.isenabled()
    gc.disable()  # the results hold no cycles; a collection would walk every entry again and again
    try:
        return _Totals(scheme).run(data, spans, final)
    finally:
        if enabled:
            gc.enable()


class _Item:
    """What the totals need of one item, looked up once."""

    __slots__ = ("cap", "code", "default", "group", "limit", "multiplier", "order", "per", "veto")

    def __init__(self, scorer: AdditiveScorer, code: str) -> None:
        item = scorer.scheme.items[scorer.order[code]]
        self.code = code
        self.order = scorer.order[code]
        self.group = item.group
        self.per = additive._PERIOD_MONTHS[item.per] if item.per else 0
        self.limit = item.per_limit
        self.default = scorer.defaults.get(code, 0)
        self.multiplier = exact(item.lead_multiplier) if item.lead_multiplier else None
        self.cap = item.cap
        self.veto = item.kind == "veto"


class _Totals:
    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.scorer = AdditiveScorer(scheme)
        self.items = {item.code: _Item(self.scorer, item.code) for item in scheme.items}
        self.caps = {g.code: g.cap for g in scheme.groups}
        self.base = exact(scheme.base)
        veto = scheme.veto
        self.vetoes = veto is not None
        self.stop = veto is not None and veto.stop
        self.veto_score = exact(veto.score) if veto is not None and veto.score is not None else None
        self.veto_grade = veto.grade if veto is not None else None
        self.floor = exact(scheme.floor) if scheme.floor is not None else None
        self.ceiling = exact(scheme.ceiling) if scheme.ceiling is not None else None
        self.bands: dict[Exact, tuple[str | None, int | None]] = {}
        #: The points an entry may carry without a closer look (as ``validate``'s fast path).
        self.accepted = accepted_points(scheme)

    def run(self, data: ScoringInput, spans: list[tuple[date, date]], final: bool) -> list[list[Standing]]:
        year_start, year_end = date(data.year, 1, 1), date(data.year, 12, 31)
        validate(self.scheme, replace(data, entries=[]))
        own: dict[str, list[Entry]] = {m.id: [] for m in data.members}
        accepted = self.accepted
        suspect = False
        for e in data.entries:
            found = own.get(e.member)
            points = e.points
            if (
                found is not None
                and (points is None or type(points) in NUMBERS)
                and e.item in accepted
                and year_start <= e.date <= year_end
            ):
                if points is not None:
                    bounds = accepted[e.item]
                    if not bounds[0] <= points <= bounds[1]:
                        suspect = True
                found.append(e)
            else:
                suspect = True  # a closer look; the entry may still be good (an item for some categories)
                if found is not None:
                    found.append(e)
        if suspect:
            validate(self.scheme, data)
        attendance: dict[str, list[Attendance]] = {}
        for a in data.attendance:
            attendance.setdefault(a.member, []).append(a)
        out: list[list[Standing]] = [[] for _ in spans]
        derived = self.scorer.derived
        # Each window's test of an entry's date, only where the window does not hold the whole year.
        tests = [(start, end, start > year_start, end < year_end) for start, end in spans]
        for member in data.members:
            if member.exempt:
                for board in out:
                    board.append(Standing(member.id, member.name, None, exempt=True))
                continue
            entries = own[member.id]
            signed = attendance.get(member.id)
            for board, (start, end, low, high) in zip(out, tests, strict=True):
                if low and high:
                    window = [e for e in entries if start <= e.date <= end]
                elif low:
                    window = [e for e in entries if e.date >= start]
                elif high:
                    window = [e for e in entries if e.date <= end]
                else:
                    window = entries
                if signed is not None or (final and member.migrant):
                    window = [*window, *derived(member, signed or [], (start, end), final)]
                board.append(self.standing(member.id, member.name, window))
        for board in out:
            rank(board)
        return out

    def standing(self, id: str, name: str, entries: list[Entry]) -> Standing:
        items = self.items
        raws: dict[str, Exact] = {}
        limited: dict[str, list[Entry]] = {}
        veto_day: date | None = None
        for e in entries:
            item = items[e.item]
            if item.veto:
                if veto_day is None or e.date < veto_day:
                    veto_day = e.date
                continue
            if item.per:
                found = limited.get(item.code)
                if found is None:
                    limited[item.code] = [e]
                else:
                    found.append(e)
                continue
            points = additive.entry_points(e, item.default, item.multiplier)
            raws[item.code] = raws.get(item.code, 0) + points * e.count
        if veto_day is not None and self.stop:
            # Entries after the veto do not count: sum again from what is kept (rare).
            day = veto_day
            raws, limited = {}, {}
            for e in entries:
                item = items[e.item]
                if not item.veto and e.date <= day:
                    limited.setdefault(item.code, []).append(e)
        for code, es in limited.items():
            raws[code] = _sum(items[code], es)
        total: Exact = self.base
        grouped: dict[str, Exact] = {}
        for code, raw in raws.items():
            item = items[code]
            cap = item.cap
            if cap is not None and (raw if raw >= 0 else -raw) > cap:
                raw = exact(cap) if raw > 0 else -exact(cap)
            if item.group is None:
                total += raw
            else:
                grouped[item.group] = grouped.get(item.group, 0) + raw
        for group, raw in grouped.items():
            if group not in self.caps:  # as the engine: only the scheme's groups count
                continue
            cap = self.caps[group]
            if cap is not None and (raw if raw >= 0 else -raw) > cap:
                raw = exact(cap) if raw > 0 else -exact(cap)
            total += raw
        if self.floor is not None and total < self.floor:
            total = self.floor
        elif self.ceiling is not None and total > self.ceiling:
            total = self.ceiling
        vetoed = veto_day is not None and self.vetoes
        if vetoed and self.veto_score is not None:
            total = self.veto_score
        grade, stars = self._band(total)
        if vetoed:
            grade = self.veto_grade
        return Standing(id, name, total, grade, stars, vetoed=vetoed)

    def _band(self, total: Exact) -> tuple[str | None, int | None]:
        found = self.bands.get(total)
        if found is None:
            band = self.scheme.band_for(total)
            found = (band.grade, band.stars) if band is not None else (None, None)
            self.bands[total] = found
        return found


def _sum(item: _Item, entries: list[Entry]) -> Exact:
    """An item's raw points after its per-period limit and lead multiplier (as ``AdditiveScorer._item``)."""
    raw: Exact = 0
    used: dict[int, int] | None = None
    if item.per:
        used = {}
        entries = sorted(entries, key=_day)
    default, multiplier = item.default, item.multiplier
    for e in entries:
        n = e.count
        if used is not None:
            key = (e.date.month - 1) // item.per
            taken = used.get(key, 0)
            n = min(n, item.limit - taken)
            used[key] = taken + n
        if n <= 0:
            continue
        raw += additive.entry_points(e, default, multiplier) * n
    return raw


def _day(e: Entry) -> date:
    return e.date
