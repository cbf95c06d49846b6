"""The scoring engine: a pure function of (scheme, a year of records) -> scores with explanations.

``score`` validates the records (one problem and nothing is scored), scores each member
or branch under the scheme's shape, ranks them, applies the quotas (季度之星, 年度之星,
the five-star share) and raises the alerts the scheme asks for.

``score_tolerant`` is the read path's: it scores every record but the bad ones, which it
returns as problems for the secretary, so one bad ledger row never stops a branch's scores.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import t
from bot.scoring import additive, branch, rating
from bot.scoring.model import Scheme
from bot.scoring.quotas import quota, top
from bot.scoring.rating import managed_months
from bot.scoring.records import ScoringInput
from bot.scoring.result import Line, Report, Result, places, rank
from bot.scoring.validate import Problem, split_valid, validate


def score(
    scheme: Scheme,
    data: ScoringInput,
    *,
    since: date | None = None,
    until: date | None = None,
    final: bool = True,
) -> Report:
    """Score ``data`` under ``scheme`` for the window ``since``..``until`` (default: the whole year).

    ``final`` applies the year-end computations (e.g. a migrant member's missing returns);
    leave it off for a month's or a quarter's publicity in the middle of the year.
    """
    validate(scheme, data)
    return _scored(scheme, data, since, until, final)


def score_tolerant(
    scheme: Scheme,
    data: ScoringInput,
    *,
    since: date | None = None,
    until: date | None = None,
    final: bool = True,
) -> tuple[Report, list[Problem]]:
    """As ``score``, but the records ``score`` would refuse are left out and returned, one problem per
    record (``split_valid``), instead of refusing the whole input: every other member, and the rest
    of that member's records, are scored. No problems: the same report as ``score``.
    """
    cleaned, problems = split_valid(scheme, data)
    return _scored(scheme, cleaned, since, until, final), problems


def _scored(
    scheme: Scheme, data: ScoringInput, since: date | None, until: date | None, final: bool
) -> Report:
    """Score records that passed validation."""
    window = (since or date(data.year, 1, 1), until or date(data.year, 12, 31))
    report = Report(scheme=scheme.id, year=data.year)
    if scheme.kind == "branch":
        report.branches = [branch.score_branch(scheme, b) for b in data.branches]
        rank(report.branches)
        _top_stars(scheme, report)
        return report
    if scheme.kind == "rating":
        report.members = rating.score_members(scheme, data, window, final)
    else:
        report.members = additive.score_members(scheme, data, window, final)
    rank(report.members)
    if scheme.rank_by_category:
        _rank_by_category(data, report.members)
    _alerts(scheme, data, window, report.members)
    _quarter_stars(scheme, len(data.members), report)
    _year_stars(scheme, report)
    incomplete = [r.id for r in report.members if r.missing]
    if incomplete:
        report.notes.append(t("rules.note_incomplete", count=len(incomplete), ids=", ".join(incomplete)))
    return report


def _rank_by_category(data: ScoringInput, results: list[Result]) -> None:
    """分类排名: the place of each member among the members of the same category."""
    category = {m.id: m.category for m in data.members}
    by_category: dict[str, list[Result]] = {}
    for result in results:
        result.category = category.get(result.id, "")
        by_category.setdefault(result.category, []).append(result)
    for group in by_category.values():
        for standing, position in places(group):
            assert isinstance(standing, Result)
            standing.category_rank = position


def _candidate(result: Result) -> bool:
    """Whether a scored result may be named a star: not exempt, not vetoed or zeroed, nothing missing."""
    return not (result.exempt or result.vetoed or result.missing or result.direct)


def _tie_note(label: str, tied: list[str]) -> str:
    return t("quota.tied", label=label, ids=", ".join(tied))


def _quarter_stars(scheme: Scheme, population: int, report: Report) -> None:
    rule = scheme.quotas.quarter_star
    if rule is None:
        return
    quarters = sorted({q for r in report.members for q in r.quarters})
    if population < rule.min_members:
        report.notes.append(t("quota.too_few", members=population, minimum=rule.min_members))
        report.quarter_stars = {q: [] for q in quarters}
        return
    limit = max(rule.at_least, quota(rule.share, population))
    for q in quarters:
        candidates = [(r.id, r.quarters[q]) for r in report.members if q in r.quarters and _candidate(r)]
        chosen, tied = top(candidates, limit)
        report.quarter_stars[q] = chosen
        if tied:
            report.notes.append(_tie_note(t("quota.quarter_star", quarter=q), tied))


def _year_stars(scheme: Scheme, report: Report) -> None:
    rule = scheme.quotas.year_star
    if rule is None:
        return
    eligible = [
        (r.id, r.score)
        for r in report.members
        if r.stars == rule.among_stars and r.score is not None and _candidate(r)
    ]
    chosen, tied = top(eligible, quota(rule.share, len(eligible)))
    report.year_stars = chosen
    if tied:
        report.notes.append(_tie_note(t("quota.year_star"), tied))


def _top_stars(scheme: Scheme, report: Report) -> None:
    rule = scheme.quotas.top_stars
    if rule is None:
        return
    holders = [
        (r.id, r.score)
        for r in report.branches
        if r.stars == rule.stars and r.score is not None and _candidate(r)
    ]
    chosen, tied = top(holders, quota(rule.share, len(report.branches)))
    keep = set(chosen)
    for result in report.branches:
        if result.stars == rule.stars and result.id not in keep:
            result.explanation.append(
                Line(
                    "quota",
                    t("explain.quota_capped", share=f"{rule.share:.0%}", stars=rule.fallback),
                    rule=rule.clause,
                )
            )
            branch._set_stars(scheme, result, rule.fallback)
    if tied:
        report.notes.append(_tie_note(t("quota.top_stars", stars=rule.stars), tied))


def _alerts(scheme: Scheme, data: ScoringInput, window: tuple[date, date], results: list[Result]) -> None:
    """Raise each alert the scheme defines; the secretary decides what follows."""
    if not scheme.alerts:
        return
    kinds = {alert.kind for alert in scheme.alerts}
    absent: dict[str, dict[int, set[str]]] = {}
    if "absent_streak" in kinds:
        for a in data.attendance:
            absent.setdefault(a.member, {}).setdefault(a.date.month, set()).add(a.status)
    unpaid = _unpaid_months(data) if "dues_streak" in kinds else {}
    for member, result in zip(data.members, results, strict=True):  # results come in the members' order
        if result.exempt or result.direct:
            continue
        streaks: dict[str, tuple[int, int] | None] = {}
        if result.id in absent:
            streaks["absent_streak"] = _absent_streak(absent[result.id])
        if result.id in unpaid:
            streaks["dues_streak"] = _streak(
                unpaid[result.id] & set(managed_months(member, data.year, window))
            )
        for alert in scheme.alerts:
            streak = streaks.get(alert.kind)
            if streak is None or streak[1] - streak[0] + 1 < alert.months:
                continue
            length = streak[1] - streak[0] + 1
            text = t(f"alert.{alert.kind}", months=length, start=f"{streak[0]}月", end=f"{streak[1]}月")
            result.alerts.append(f"{text}。{alert.follow_up}" if alert.follow_up else text)


def _unpaid_months(data: ScoringInput) -> dict[str, set[int]]:
    """Each member's months without dues [decision]: marked ``unpaid``, or not marked at all in a month
    the recorder marked for other members (a month nobody's dues were marked in is not yet recorded,
    and counts for no one). ``late`` dues were paid."""
    marked: dict[str, dict[int, str]] = {}
    for d in data.dues:
        marked.setdefault(d.member, {})[d.month] = d.status
    recorded = {d.month for d in data.dues}
    out = {}
    for m in data.members:
        months = {month for month in recorded if marked.get(m.id, {}).get(month, "unpaid") == "unpaid"}
        if months:
            out[m.id] = months
    return out


def _streak(months: set[int]) -> tuple[int, int] | None:
    """The longest run of consecutive months in ``months``."""
    best: tuple[int, int] | None = None
    start = None
    for month in range(1, 13):
        if month in months:
            start = month if start is None else start
            if best is None or month - start > best[1] - best[0]:
                best = (start, month)
        else:
            start = None
    return best


def _absent_streak(months: dict[int, set[str]]) -> tuple[int, int] | None:
    """The longest run of consecutive months in which every sign-in was an unexcused absence."""
    return _streak({month for month, statuses in months.items() if statuses == {"absent"}})
