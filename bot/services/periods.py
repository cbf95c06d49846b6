"""Whether a date is still open for claims and entries, by the publicity calendar: a date inside
a final period (公示期满, every objection decided) is refused; a date of last year is accepted
while a posted window covering it is open (a claim for December filed on 2 January)."""

from __future__ import annotations

from datetime import date, datetime

from bot.services.errors import Invalid
from bot.storage.calendar import CalendarQueries
from bot.storage.uow import UnitOfWork


async def refuse_final(uow: UnitOfWork, branch_id: int, day: date) -> None:
    """Refuse an entry or a claim dated inside a final period of the branch."""
    window = await CalendarQueries(uow.session).final_covering(branch_id, day)
    if window is not None:
        raise Invalid("pub.final_period", date=day.isoformat(), period=window.period)


async def open_late(uow: UnitOfWork, branch_id: int, day: date, now: datetime) -> bool:
    """Whether a posted window covering ``day`` is still open (not final)."""
    return await CalendarQueries(uow.session).open_covering(branch_id, day, now) is not None
