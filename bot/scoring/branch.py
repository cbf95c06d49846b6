"""Branch schemes (branch-star): branches scored on areas, bonus and deduction items and an evaluation.

total = (base + min(bonus cap, bonuses) - deductions) x self weight + evaluation x evaluation weight
"""

from __future__ import annotations

from bot.i18n import t
from bot.scoring.model import Scheme
from bot.scoring.records import BranchRecord
from bot.scoring.result import Exact, Line, Result, entry_line, exact, magnitude


def _group_total(scheme: Scheme, b: BranchRecord, kind: str, lines: list[Line]) -> tuple[Exact, bool]:
    """Sum of the branch's bonus (or deduction) entries as a magnitude, after the group cap."""
    raw: Exact = 0
    group_code = None
    for e in b.entries:
        item = scheme.item(e.item)
        assert item is not None
        if item.kind != kind:
            continue
        points = exact(item.default_points if e.points is None else e.points)
        group_code = item.group
        raw += magnitude(points)
        lines.append(entry_line(item, points))
    group = next((g for g in scheme.groups if g.code == group_code), None)
    if group is not None and group.cap is not None and raw > group.cap:
        lines.append(
            Line(
                group.code,
                t("explain.group_capped", name=group.name, raw=raw, bound=t("bound.cap"), cap=group.cap),
                exact(group.cap),
                raw=raw,
                bound=exact(group.cap),
                rule=group.clause,
            )
        )
        return exact(group.cap), raw > 0
    return raw, raw > 0


def score_branch(scheme: Scheme, b: BranchRecord) -> Result:
    rules = scheme.branch
    assert rules is not None
    result = Result(b.id, b.name, 0)
    lines = result.explanation
    base: Exact = 0
    missing = [area.name for area in rules.areas if area.code not in b.areas]
    for area in rules.areas:
        if area.code not in b.areas:
            continue
        value = exact(b.areas[area.code])
        base += value
        lines.append(
            Line(
                area.code,
                t("explain.area", name=area.name, code=area.code, points=value, max=area.max),
                value,
                bound=exact(area.max),
                rule=rules.clause,
            )
        )
    bonus, _ = _group_total(scheme, b, "bonus", lines)
    deduction, any_deduction = _group_total(scheme, b, "deduction", lines)
    gaps = [t("rules.missing_areas", areas="、".join(missing))] if missing else []
    if b.evaluation is None and rules.evaluation_weight:
        gaps.append(t("rules.missing_branch_evaluation"))
    if gaps:
        # 数据不全: never scored as 0; no stars, no follow-up, no rank until it is supplied.
        result.score = None
        result.missing = tuple(gaps)
        lines.insert(0, Line("incomplete", t("rules.incomplete", missing="; ".join(gaps)), rule=rules.clause))
        return result
    sw, ew = exact(rules.self_weight), exact(rules.evaluation_weight)
    evaluation = exact(b.evaluation or 0)
    total = (base + bonus - deduction) * sw + evaluation * ew
    lines.append(
        Line(
            "total",
            t(
                "explain.branch_total",
                base=base,
                bonus=bonus,
                deduction=deduction,
                sw=rules.self_weight,
                evaluation=evaluation,
                ew=rules.evaluation_weight,
                total=round(float(total), 2),
            ),
            total,
        )
    )
    if scheme.floor is not None and total < scheme.floor:
        lines.append(
            Line(
                "floor",
                t("explain.floor", raw=round(float(total), 2), floor=scheme.floor),
                exact(scheme.floor),
                rule=scheme.floor_clause,
            )
        )
        total = exact(scheme.floor)
    result.score = total
    band = scheme.band_for(total)
    if band is not None:
        result.grade, result.stars, result.follow_up = band.grade, band.stars, band.follow_up
    for cap in rules.star_caps:
        applies = (cap.when == "base_below" and cap.value is not None and base < cap.value) or (
            cap.when == "any_deduction" and any_deduction
        )
        if applies and result.stars is not None and result.stars > cap.max_stars:
            reason = t(f"explain.cap_{cap.when}", value=cap.value)
            lines.append(
                Line(
                    "star_cap", t("explain.star_capped", reason=reason, stars=cap.max_stars), rule=cap.clause
                )
            )
            _set_stars(scheme, result, cap.max_stars)
    return result


def _set_stars(scheme: Scheme, result: Result, stars: int) -> None:
    """Lower a result's stars, taking the grade and follow-up of the band that gives those stars."""
    result.stars = stars
    band = next((b for b in scheme.bands if b.stars == stars), None)
    if band is not None:
        result.grade, result.follow_up = band.grade, band.follow_up
