"""Rating schemes (star-hundred): items rated monthly by the committee and by democratic evaluation.

annual item score = (sum of monthly scores / months under management) x monthly weight
                    + evaluation average x evaluation weight
year total = sum of item scores + adjustment (highest reward - heaviest penalty, or the sum)

Missing data is never a silent 0: a member with an item never rated in the months under
management, or (at year end) without an evaluation of an item, is 数据不全, with what is missing,
and gets no score, grade, follow-up or rank. A single month without a rating inside the months
under management counts 0 (the seed divides by the months under management); the explanation names it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

from bot.i18n import t
from bot.scoring.model import Rating as RatingRules
from bot.scoring.model import RatingItem, Scheme
from bot.scoring.records import DirectGrade, Entry, Member, ScoringInput
from bot.scoring.result import Exact, Line, Result, entry_line, exact


def managed_months(
    member: Member,
    year: int,
    window: tuple[date, date],
    rated: set[int] | None = None,
    joining: str = "always",
) -> list[int]:
    """Months of the window in which the member was under the branch's management.

    With ``joining = "whole_or_rated"`` the month of joining counts only when the member joined on
    its first day (under management for the whole month) or has ratings (``rated``) for it.
    """
    first, last = window[0].month, window[1].month
    if member.joined is not None and member.joined.year == year:
        start = member.joined.month
        if joining == "whole_or_rated" and member.joined.day > 1 and start not in (rated or set()):
            start += 1
        first = max(first, start)
    elif member.joined is not None and member.joined.year > year:
        return []
    if member.left is not None and member.left.year == year:
        last = min(last, member.left.month)
    elif member.left is not None and member.left.year < year:
        return []
    return list(range(first, last + 1))


def _month_list(months: list[int]) -> str:
    return "、".join(f"{m}月" for m in months)


def _adjustment(scheme: Scheme, entries: list[Entry], lines: list[Line]) -> Exact:
    assert scheme.rating is not None
    valued = []
    for e in entries:
        item = scheme.item(e.item)
        assert item is not None
        if item.kind == "veto":
            continue
        valued.append((exact(item.default_points if e.points is None else e.points), item))
    if scheme.rating.adjustment == "sum":
        for points, item in valued:
            lines.append(entry_line(item, points))
        return sum((p for p, _ in valued), start=0)
    rewards = sorted((v for v in valued if v[0] > 0), key=lambda v: -v[0])
    penalties = sorted((v for v in valued if v[0] < 0), key=lambda v: v[0])
    total: Exact = 0
    for chosen, key in ((rewards, "explain.adjust_reward"), (penalties, "explain.adjust_penalty")):
        if not chosen:
            continue
        points, item = chosen[0]
        total += points
        lines.append(
            Line(item.code, t(key, name=item.name, code=item.code, points=points), points, rule=item.clause)
        )
        for other_points, other in chosen[1:]:
            lines.append(
                Line(
                    other.code,
                    t("explain.adjust_ignored", name=other.name, code=other.code, points=other_points),
                    0,
                    raw=other_points,
                    rule=other.clause,
                )
            )
    return total


def _direct(scheme: Scheme, member: Member, grade: DirectGrade) -> Result:
    """年底直接评星定级: the stars the branch gave, with the grade and follow-up of the stars table."""
    assert scheme.rating is not None
    band = next((b for b in scheme.bands if b.stars == grade.stars), None)
    result = Result(member.id, member.name, None, stars=grade.stars, direct=True)
    if band is not None:
        result.grade, result.follow_up = band.grade, band.follow_up
    text = t("rules.direct_grade", stars=grade.stars, grade=result.grade or "", reason=grade.reason or "-")
    result.explanation.append(Line("direct_grade", text, rule=scheme.rating.direct_grade_clause))
    return result


def _veto(scheme: Scheme, entries: list[Entry], result: Result) -> None:
    """A case graded 不合格 for the year regardless of score (star-hundred-90's list)."""
    veto = scheme.veto
    vetoes = [e for e in entries if (i := scheme.item(e.item)) is not None and i.kind == "veto"]
    if veto is None or not vetoes:
        return
    first = min(vetoes, key=lambda e: e.date)
    item = scheme.item(first.item)
    assert item is not None
    effects = [t("explain.veto_grade", grade=veto.grade)]
    result.vetoed = True
    result.grade = veto.grade
    band = next((b for b in scheme.bands if b.grade == veto.grade), None)
    result.follow_up = band.follow_up if band is not None else None
    if veto.max_stars is not None and result.stars is not None and result.stars > veto.max_stars:
        result.stars = veto.max_stars
        effects.append(t("rules.veto_stars", stars=veto.max_stars))
    result.explanation.append(
        Line(
            item.code,
            t("explain.veto", name=item.name, code=item.code, date=first.date, effect=", ".join(effects)),
            rule=item.clause or veto.clause,
        )
    )


def score_members(
    scheme: Scheme, data: ScoringInput, window: tuple[date, date], final: bool = True
) -> list[Result]:
    rules = scheme.rating
    assert rules is not None
    monthly: dict[tuple[str, str], dict[int, Exact]] = defaultdict(dict)
    rated: dict[str, set[int]] = defaultdict(set)
    for r in data.ratings:
        monthly[(r.member, r.item)][r.month] = exact(r.score)
        rated[r.member].add(r.month)
    evaluation: dict[tuple[str, str], Fraction] = {}
    for ev in data.evaluations:
        if ev.count:
            evaluation[(ev.member, ev.item)] = Fraction(exact(ev.total)) / ev.count
    adjustments: dict[str, list[Entry]] = defaultdict(list)
    for e in data.entries:
        if window[0] <= e.date <= window[1]:
            adjustments[e.member].append(e)
    direct = {g.member: g for g in data.direct_grades}
    results = []
    for member in data.members:
        if member.exempt:
            grade = direct.get(member.id)
            if grade is not None and rules.direct_grade:
                results.append(_direct(scheme, member, grade))
            else:
                results.append(Result.exempt_member(member.id, member.name))
            continue
        months = managed_months(member, data.year, window, rated[member.id], rules.joining_month)
        if not months:
            text = t(
                "rules.not_managed", year=data.year, joined=member.joined or "-", left=member.left or "-"
            )
            results.append(Result(member.id, member.name, None, explanation=[Line("not_managed", text)]))
            continue
        results.append(
            _member(scheme, rules, member, months, monthly, evaluation, adjustments.get(member.id, []), final)
        )
        results[-1].quarters = _quarters(rules.items, monthly, member.id, months, scheme)
    return results


def _member(
    scheme: Scheme,
    rules: RatingRules,
    member: Member,
    months: list[int],
    monthly: dict[tuple[str, str], dict[int, Exact]],
    evaluation: dict[tuple[str, str], Fraction],
    adjustments: list[Entry],
    final: bool,
) -> Result:
    mw, ew = exact(rules.monthly_weight), exact(rules.evaluation_weight)
    result = Result(member.id, member.name, 0)
    unrated_items: list[str] = []
    unevaluated: list[str] = []
    total: Exact = 0
    for item in rules.items:
        scores = monthly.get((member.id, item.code), {})
        month_sum = sum((v for m, v in scores.items() if m in months), start=0)
        unrated = [m for m in months if m not in scores]
        if len(unrated) == len(months):
            unrated_items.append(item.name)
        found = evaluation.get((member.id, item.code))
        if found is None and ew:
            unevaluated.append(item.name)
        average = found or Fraction(0)
        points = Fraction(month_sum) / len(months) * mw + average * ew
        total += points
        text = t(
            "explain.rating_item",
            name=item.name,
            code=item.code,
            monthly_sum=month_sum,
            months=len(months),
            mw=rules.monthly_weight,
            evaluation=_short(average),
            ew=rules.evaluation_weight,
            points=_short(points),
        )
        if unrated and len(unrated) < len(months):
            text += "; " + t("rules.unrated_months", months=_month_list(unrated))
        if found is None and ew and not final:
            text += "; " + t("rules.evaluation_pending")
        result.explanation.append(Line(item.code, text, points, rule=rules.clause))
    total += _adjustment(scheme, adjustments, result.explanation)
    missing = []
    if unrated_items:
        missing.append(t("rules.missing_ratings", items="、".join(unrated_items), months=_month_list(months)))
    if unevaluated and final:
        missing.append(t("rules.missing_evaluation", items="、".join(unevaluated)))
    if missing:
        result.score = None
        result.missing = tuple(missing)
        result.explanation.insert(
            0, Line("incomplete", t("rules.incomplete", missing="; ".join(missing)), rule=rules.clause)
        )
        return result
    result.score = total
    band = scheme.band_for(total)
    if band is not None:
        result.grade, result.stars, result.follow_up = band.grade, band.stars, band.follow_up
    _veto(scheme, adjustments, result)
    return result


def _short(value: Exact) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _quarters(
    items: list[RatingItem],
    monthly: dict[tuple[str, str], dict[int, Exact]],
    member_id: str,
    months: list[int],
    scheme: Scheme,
) -> dict[str, Exact]:
    """Each quarter's score over its months under management: the total of the monthly totals (or
    their average, as the scheme's ``quotas.quarter_star.by`` says)."""
    rule = scheme.quotas.quarter_star
    average = rule is not None and rule.by == "average"
    out: dict[str, Exact] = {}
    managed = set(months)
    for q in range(4):
        quarter = [m for m in range(3 * q + 1, 3 * q + 4) if m in managed]
        rated = [m for m in quarter if any(m in monthly.get((member_id, i.code), {}) for i in items)]
        if rated:
            total = sum(
                (monthly.get((member_id, i.code), {}).get(m, 0) for i in items for m in quarter), start=0
            )
            out[f"Q{q + 1}"] = Fraction(total) / len(quarter) if average else total
    return out
