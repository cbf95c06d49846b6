"""Timestamps: stored as timezone-aware UTC, shown in the display time zone.

The display zone is ``[bot] timezone`` (default Asia/Shanghai): the composition root calls
``set_timezone`` once at start; ``to_local`` and ``show`` use it, and so do "today" and the
periods of the chat.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: The display zone until ``set_timezone`` is called (the default of ``[bot] timezone``).
DEFAULT_ZONE = "Asia/Shanghai"

_zone = ZoneInfo(DEFAULT_ZONE)


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (e.g. ``Asia/Shanghai``); ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def set_timezone(name: str) -> None:
    """Make ``name`` the display zone (once, at start, from ``[bot] timezone``); ValueError if unknown."""
    global _zone
    _zone = zone_named(name)


def local_zone() -> ZoneInfo:
    """The display time zone."""
    return _zone


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime, zone: str | None = None) -> datetime:
    """The moment in ``zone`` (default: the display zone) for display; naive values are taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone if zone is None else zone_named(zone))


def show(moment: datetime, zone: str | None = None) -> str:
    """``2026-03-01 09:30`` in ``zone`` (default: the display zone): how a stored timestamp is shown to people."""
    return to_local(moment, zone).strftime("%Y-%m-%d %H:%M")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC going in and coming out, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
