"""Publicity windows in Chinese working days: holidays and make-up workdays from the holiday
package, and weekdays less the configured holidays past its data, with a warning."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.services import workdays
from bot.services.workdays import is_workday, last_day, set_holidays


def test_a_window_across_national_day_skips_the_holiday_and_counts_the_make_up_workday() -> None:
    # 2026: 1-7 October off; Saturday 10 October is a make-up workday (调休上班).
    assert not is_workday(date(2026, 10, 1)) and is_workday(date(2026, 10, 10))
    # Opened on 30 September: 30 Sep, 8, 9, 10 (Saturday), 12, 13, 14 October.
    assert last_day(date(2026, 9, 30), 7, working=True) == date(2026, 10, 14)
    assert last_day(date(2026, 9, 30), 7, working=False) == date(2026, 10, 6)


def test_past_the_package_data_weekdays_less_the_listed_holidays_with_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workdays, "_warned", set())
    set_holidays([date(2027, 1, 1)])
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.workdays"):
            # Opened Thursday 31 Dec 2026: 31 Dec, (1 Jan listed holiday), 4, 5, 6, 7, 8 Jan 2027.
            assert last_day(date(2026, 12, 31), 6, working=True) == date(2027, 1, 8)
            assert last_day(date(2026, 12, 31), 6, working=True) == date(2027, 1, 8)
        warnings = [r for r in caplog.records if "2027" in r.getMessage()]
        assert len(warnings) == 1  # once per year, not per day
    finally:
        set_holidays([])
    assert is_workday(date(2027, 1, 1))  # without the listing, a plain Friday
