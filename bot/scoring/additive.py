"""Additive schemes: base + items (grouped, capped, limited per sub-period) with floors and vetoes.

Used by twelve-point, pioneer-index and base-incentive. Pure: records in, results out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from bot.i18n import t
from bot.scoring.model import MEETING_TYPES, Item, Scheme
from bot.scoring.records import Attendance, Entry, Member, ScoringInput
from bot.scoring.result import Exact, Line, Result, exact, magnitude

_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def returns_home(attendance: list[Attendance]) -> int:
    """Meetings a migrant member attended in person (not online): each counts as a return (回村/回居)."""
    return sum(1 for a in attendance if a.status == "present" and not a.online)


def entry_points(e: Entry, default: Exact, multiplier: Exact | None) -> Exact:
    """One occurrence of an entry: its own points (exact) or the item's default, times the lead
    multiplier when the member led it."""
    given = e.points
    points = default if given is None else given if type(given) is int else exact(given)
    return points * multiplier if e.lead and multiplier is not None else points


def _sub_period(day: date, per: str) -> int:
    return (day.month - 1) // _PERIOD_MONTHS[per]


class AdditiveScorer:
    """Scores members under one additive scheme; built once per scheme, reused for every member."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.order = {item.code: index for index, item in enumerate(scheme.items)}
        self.defaults = {
            item.code: exact(item.default_points) for item in scheme.items if item.kind != "veto"
        }
        self.by_attendance: dict[tuple[str, str], list[Item]] = defaultdict(list)
        for item in scheme.items:
            if item.source == "attendance" and item.status is not None:
                for meeting in item.meetings or list(MEETING_TYPES):
                    self.by_attendance[(item.status, meeting)].append(item)
        self.migrant_returns = [i for i in scheme.items if i.computed == "migrant_returns"]
        self.groups = {g.code: g for g in scheme.groups}

    def derived(
        self, member: Member, attendance: list[Attendance], window: tuple[date, date], final: bool
    ) -> list[Entry]:
        """Entries that come from sign-in records and from the year-end computations."""
        out = []
        start, end = window
        for a in attendance:
            if start <= a.date <= end:
                for item in self.by_attendance.get((a.status, a.meeting), ()):
                    out.append(Entry(member.id, item.code, a.date, ref=f"attendance:{a.meeting}:{a.date}"))
        if final and member.migrant:
            for item in self.migrant_returns:
                missing = max(0, (item.required or 0) - returns_home(attendance))
                if missing:
                    out.append(
                        Entry(member.id, item.code, end, count=missing, ref="computed:migrant_returns")
                    )
        return out

    def explain_returns(self, attendance: list[Attendance], result: Result) -> None:
        """The year's count of a migrant member's returns, beside the requirement."""
        for item in self.migrant_returns:
            returns = returns_home(attendance)
            result.explanation.append(
                Line(
                    item.code,
                    t("explain.migrant_returns", returns=returns, required=item.required),
                    count=returns,
                    rule=item.clause,
                )
            )

    def score(self, member: Member, entries: Iterable[Entry]) -> Result:
        scheme = self.scheme
        result = Result(member.id, member.name, None)
        by_item: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_item[e.item].append(e)
        veto_entry = self._veto(by_item)
        if veto_entry is not None and scheme.veto is not None and scheme.veto.stop:
            self._stop_after(by_item, veto_entry.date, result)
        if scheme.base:
            result.explanation.append(Line("base", t("explain.base", points=scheme.base), exact(scheme.base)))
        groups: dict[str | None, Exact] = defaultdict(int)
        for code in sorted(by_item, key=self.order.__getitem__):
            item = scheme.items[self.order[code]]
            if item.kind != "veto":
                groups[item.group] += self._item(item, by_item[code], result.explanation)
        total: Exact = exact(scheme.base) + groups.pop(None, 0)
        for group in scheme.groups:
            total += self._group(group.code, groups.get(group.code, 0), result.explanation)
        result.score = self._bounded(total, result.explanation)
        self._grade(result, veto_entry)
        return result

    def _veto(self, by_item: dict[str, list[Entry]]) -> Entry | None:
        vetoes = [
            e
            for code, es in by_item.items()
            if self.scheme.items[self.order[code]].kind == "veto"
            for e in es
        ]
        return min(vetoes, key=lambda e: e.date) if vetoes else None

    @staticmethod
    def _stop_after(by_item: dict[str, list[Entry]], day: date, result: Result) -> None:
        dropped = 0
        for code, es in by_item.items():
            kept = [e for e in es if e.date <= day]
            dropped += sum(e.count for e in es) - sum(e.count for e in kept)
            by_item[code] = kept
        if dropped:
            result.explanation.append(
                Line("stopped", t("explain.stopped", date=day, count=dropped), count=dropped)
            )

    def _item(self, item: Item, entries: list[Entry], lines: list[Line]) -> Exact:
        raw: Exact = 0
        counted = dropped = leads = 0
        used: dict[int, int] = defaultdict(int)
        default = self.defaults[item.code]
        multiplier = exact(item.lead_multiplier) if item.lead_multiplier else None
        for e in sorted(entries, key=lambda e: e.date) if item.per else entries:
            n = e.count
            if item.per:
                key = _sub_period(e.date, item.per)
                take = min(n, item.per_limit - used[key])
                dropped += n - take
                used[key] += take
                n = take
            if n <= 0:
                continue
            if e.lead and multiplier is not None:
                leads += n
            raw += entry_points(e, default, multiplier) * n
            counted += n
        value = raw
        if item.cap is not None and magnitude(raw) > item.cap:
            value = exact(item.cap) if raw > 0 else -exact(item.cap)
            text = t(
                "explain.item_capped",
                name=item.name,
                code=item.code,
                count=counted,
                raw=raw,
                cap=item.cap,
                points=value,
            )
        else:
            text = t("explain.item", name=item.name, code=item.code, count=counted, points=value)
        line = Line(
            item.code,
            text,
            value,
            counted,
            raw,
            exact(item.cap) if value != raw and item.cap else None,
            item.clause,
        )
        lines.append(line)
        if leads:
            line.text += "; " + t("explain.lead", count=leads)
        if dropped:
            assert item.per is not None
            lines.append(
                Line(
                    item.code,
                    t(
                        "explain.limit_per",
                        name=item.name,
                        code=item.code,
                        period=t(f"period.{item.per}"),
                        limit=item.per_limit,
                        dropped=dropped,
                    ),
                    count=dropped,
                    rule=item.clause,
                )
            )
        return value

    def _group(self, code: str, raw: Exact, lines: list[Line]) -> Exact:
        group = self.groups[code]
        if group.cap is None or magnitude(raw) <= group.cap:
            return raw
        value = exact(group.cap) if raw > 0 else -exact(group.cap)
        bound = t("bound.cap") if raw > 0 else t("bound.floor")
        lines.append(
            Line(
                code,
                t("explain.group_capped", name=group.name, raw=raw, bound=bound, cap=value),
                value,
                raw=raw,
                bound=value,
                rule=group.clause,
            )
        )
        return value

    def _bounded(self, total: Exact, lines: list[Line]) -> Exact:
        floor, ceiling = self.scheme.floor, self.scheme.ceiling
        if floor is not None and total < floor:
            lines.append(
                Line(
                    "floor",
                    t("explain.floor", raw=total, floor=floor),
                    exact(floor),
                    raw=total,
                    bound=exact(floor),
                    rule=self.scheme.floor_clause,
                )
            )
            return exact(floor)
        if ceiling is not None and total > ceiling:
            lines.append(
                Line(
                    "ceiling",
                    t("explain.ceiling", raw=total, ceiling=ceiling),
                    exact(ceiling),
                    raw=total,
                    bound=exact(ceiling),
                    rule=self.scheme.ceiling_clause,
                )
            )
            return exact(ceiling)
        return total

    def _grade(self, result: Result, veto_entry: Entry | None) -> None:
        veto = self.scheme.veto
        if veto_entry is not None and veto is not None:
            item = self.scheme.items[self.order[veto_entry.item]]
            effects = [t("explain.veto_grade", grade=veto.grade)]
            if veto.score is not None:
                result.score = exact(veto.score)
                effects.append(t("explain.veto_score", score=veto.score))
            result.explanation.append(
                Line(
                    item.code,
                    t(
                        "explain.veto",
                        name=item.name,
                        code=item.code,
                        date=veto_entry.date,
                        effect=", ".join(effects),
                    ),
                    rule=item.clause or veto.clause,
                )
            )
            result.vetoed = True
        assert result.score is not None
        band = self.scheme.band_for(result.score)
        if band is not None:
            result.grade, result.stars, result.follow_up = band.grade, band.stars, band.follow_up
        if result.vetoed and veto is not None:
            result.grade = veto.grade


def score_members(scheme: Scheme, data: ScoringInput, window: tuple[date, date], final: bool) -> list[Result]:
    scorer = AdditiveScorer(scheme)
    start, end = window
    buckets: dict[str, list[Entry]] = {m.id: [] for m in data.members}
    for e in data.entries:
        if start <= e.date <= end:
            buckets[e.member].append(e)
    attendance: dict[str, list[Attendance]] = defaultdict(list)
    for a in data.attendance:
        attendance[a.member].append(a)
    results = []
    for member in data.members:
        if member.exempt:
            results.append(Result.exempt_member(member.id, member.name))
            continue
        own = attendance.get(member.id, [])
        result = scorer.score(member, [*buckets[member.id], *scorer.derived(member, own, window, final)])
        if final and member.migrant:
            scorer.explain_returns(own, result)
        results.append(result)
    return results
