"""Chinese working days (工作日): weekdays less the official holidays, plus the make-up workdays
(调休上班) on weekends, from the maintained ``chinese_calendar`` package.

Its data ends with the last year the State Council has announced. Past it, a day is a working day
when it is a weekday and not among the holidays listed in the config (``[calendar] holidays``);
the first such day of each year is logged as a warning, so that someone updates the package or
lists the holidays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

_listed: frozenset[date] = frozenset()
_warned: set[int] = set()


def set_holidays(days: Iterable[date]) -> None:
    """The holidays the config lists for the years past the package's data (once, at start)."""
    global _listed
    _listed = frozenset(days)


def is_workday(day: date) -> bool:
    """Whether ``day`` is a Chinese working day (make-up workdays included)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # no data for that year
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning(
                "no official holiday data for %s: counting weekdays less the %d holidays in [calendar] holidays",
                day.year, len([d for d in _listed if d.year == day.year]),
            )  # fmt: skip
        return day.weekday() < 5 and day not in _listed


def last_day(start: date, days: int, working: bool) -> date:
    """The last day of a window of ``days`` days beginning on ``start`` (``start`` counted when
    it is one): working days when ``working``, else calendar days."""
    if not working:
        return start + timedelta(days=days - 1)
    day, counted = start, 0
    while True:
        if is_workday(day):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)
