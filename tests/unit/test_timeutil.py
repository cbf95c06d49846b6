"""The display time zone: ``[bot] timezone``, set once at start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.storage.timeutil import DEFAULT_ZONE, local_zone, set_timezone, show, to_local

NOON_UTC = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _reset_zone():
    yield
    set_timezone(DEFAULT_ZONE)


def test_the_default_is_asia_shanghai():
    assert str(local_zone()) == "Asia/Shanghai"
    assert show(NOON_UTC) == "2026-03-01 20:00"


def test_set_timezone_changes_what_people_see():
    set_timezone("Europe/Berlin")
    assert str(local_zone()) == "Europe/Berlin"
    assert to_local(NOON_UTC).hour == 13
    assert show(NOON_UTC) == "2026-03-01 13:00"
    assert show(NOON_UTC, "Asia/Shanghai") == "2026-03-01 20:00"  # an explicit zone still wins
    assert to_local(NOON_UTC.replace(tzinfo=None)).hour == 13  # naive means UTC


def test_an_unknown_zone_is_refused_and_changes_nothing():
    for name in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(ValueError):
            set_timezone(name)
    assert str(local_zone()) == "Asia/Shanghai"
