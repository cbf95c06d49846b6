"""Rating schemes (star-hundred): items rated monthly by the committee and by democratic evaluation.

annual item score = (sum of monthly scores / months under management) x monthly weight
                    + evaluation average x evaluation weight
year total = sum of item scores + adjustment (highest reward - heaviest penalty, or the sum)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

from bot.i18n import t
from bot.scoring.model import RatingItem, Scheme
from bot.scoring.records import Entry, Member, ScoringInput
from bot.scoring.result import Exact, Line, Result, exact


def managed_months(member: Member, year: int, window: tuple[date, date]) -> list[int]:
    """Months of the window in which the member was under the branch's management."""
    first, last = window[0].month, window[1].month
    if member.joined is not None and member.joined.year == year:
        first = max(first, member.joined.month)
    elif member.joined is not None and member.joined.year > year:
        return []
    if member.left is not None and member.left.year == year:
        last = min(last, member.left.month)
    elif member.left is not None and member.left.year < year:
        return []
    return list(range(first, last + 1))


def _adjustment(scheme: Scheme, entries: list[Entry], lines: list[Line]) -> Exact:
    assert scheme.rating is not None
    valued = []
    for e in entries:
        item = scheme.item(e.item)
        assert item is not None
        valued.append((exact(item.default_points if e.points is None else e.points), item))
    if scheme.rating.adjustment == "sum":
        for points, item in valued:
            lines.append(Line(item.code, t("explain.item", name=item.name, code=item.code, count=1, points=points), points,
                              rule=item.clause))
        return sum((p for p, _ in valued), start=0)
    rewards = sorted((v for v in valued if v[0] > 0), key=lambda v: -v[0])
    penalties = sorted((v for v in valued if v[0] < 0), key=lambda v: v[0])
    total: Exact = 0
    for chosen, key in ((rewards, "explain.adjust_reward"), (penalties, "explain.adjust_penalty")):
        if not chosen:
            continue
        points, item = chosen[0]
        total += points
        lines.append(Line(item.code, t(key, name=item.name, code=item.code, points=points), points, rule=item.clause))
        for other_points, other in chosen[1:]:
            lines.append(Line(other.code, t("explain.adjust_ignored", name=other.name, code=other.code, points=other_points),
                              0, raw=other_points, rule=other.clause))
    return total


def score_members(scheme: Scheme, data: ScoringInput, window: tuple[date, date]) -> list[Result]:
    rules = scheme.rating
    assert rules is not None
    monthly: dict[tuple[str, str], dict[int, Exact]] = defaultdict(dict)
    for r in data.ratings:
        monthly[(r.member, r.item)][r.month] = exact(r.score)
    evaluation: dict[tuple[str, str], Fraction] = {}
    for ev in data.evaluations:
        if ev.count:
            evaluation[(ev.member, ev.item)] = Fraction(exact(ev.total)) / ev.count
    adjustments: dict[str, list[Entry]] = defaultdict(list)
    for e in data.entries:
        if window[0] <= e.date <= window[1]:
            adjustments[e.member].append(e)
    mw, ew = exact(rules.monthly_weight), exact(rules.evaluation_weight)
    results = []
    for member in data.members:
        months = managed_months(member, data.year, window)
        if member.exempt or not months:
            results.append(Result(member.id, member.name, None, exempt=True, explanation=[Line("exempt", t("explain.exempt"))]))
            continue
        result = Result(member.id, member.name, 0)
        total: Exact = 0
        for item in rules.items:
            scores = monthly.get((member.id, item.code), {})
            month_sum = sum((v for m, v in scores.items() if m in months), start=0)
            average = evaluation.get((member.id, item.code), Fraction(0))
            points = Fraction(month_sum) / len(months) * mw + average * ew
            total += points
            result.explanation.append(Line(item.code, t("explain.rating_item", name=item.name, code=item.code,
                                                         monthly_sum=month_sum, months=len(months), mw=rules.monthly_weight,
                                                         evaluation=_short(average), ew=rules.evaluation_weight, points=_short(points)),
                                           points, rule=rules.clause))
        total += _adjustment(scheme, adjustments.get(member.id, []), result.explanation)
        result.score = total
        band = scheme.band_for(total)
        if band is not None:
            result.grade, result.stars, result.follow_up = band.grade, band.stars, band.follow_up
        result.quarters = _quarters(rules.items, monthly, member, data.year, window)
        results.append(result)
    return results


def _short(value: Exact) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _quarters(items: list[RatingItem], monthly: dict[tuple[str, str], dict[int, Exact]], member: Member, year: int,
              window: tuple[date, date]) -> dict[str, Exact]:
    """Each quarter's score: the average monthly total over the months under management in it."""
    out: dict[str, Exact] = {}
    managed = set(managed_months(member, year, window))
    for q in range(4):
        months = [m for m in range(3 * q + 1, 3 * q + 4) if m in managed]
        rated = [m for m in months if any(m in monthly.get((member.id, i.code), {}) for i in items)]
        if rated:
            total = sum((monthly.get((member.id, i.code), {}).get(m, 0) for i in items for m in months), start=0)
            out[f"Q{q + 1}"] = Fraction(total) / len(months)
    return out
