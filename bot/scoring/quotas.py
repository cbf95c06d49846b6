"""Quotas: at most a share of a group may hold an honour (季度之星, 年度之星, five-star branches)."""

from __future__ import annotations

import math
from fractions import Fraction

from bot.scoring.result import Exact


def quota(share: float, population: int) -> int:
    """floor(share x population), computed exactly (0.29 x 100 is 29, not 28)."""
    return math.floor(Fraction(str(share)) * population)


def top(candidates: list[tuple[str, Exact]], limit: int) -> tuple[list[str], list[str]]:
    """The best ``limit`` candidates by score, never more.

    When candidates tie across the cut-off, none of the tied ones is chosen (the quota
    says "at most"); they are returned second so the branch can decide between them.
    """
    ranked = sorted(candidates, key=lambda c: -c[1])
    if len(ranked) <= limit:
        return [c[0] for c in ranked], []
    if limit <= 0:
        return [], []
    cutoff = ranked[limit - 1][1]
    if ranked[limit][1] != cutoff:
        return [c[0] for c in ranked[:limit]], []
    chosen = [c[0] for c in ranked if c[1] > cutoff]
    tied = [c[0] for c in ranked if c[1] == cutoff]
    return chosen, tied
