"""Append-only in depth, ORM side: no UPDATE or DELETE of a ledger row (or of a passbook entry)
leaves this process.

The migration adds the database side (triggers on SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from bot.storage.schema import LedgerEntry, PassbookEntry

#: The append-only tables.
APPEND_ONLY = (LedgerEntry, PassbookEntry)


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove a ledger entry."""


def _refuse_row(_mapper: Mapper[Any], _connection: Any, target: LedgerEntry | PassbookEntry) -> None:
    raise AppendOnlyError(f"{target.__tablename__} row {target.id} is append-only: no UPDATE or DELETE")


def _refuse_statement(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if (state.is_update or state.is_delete) and name in {t.__tablename__ for t in APPEND_ONLY}:
        raise AppendOnlyError(f"{name} is append-only: no UPDATE or DELETE")


def install_guard() -> None:
    """Register the guards once (idempotent)."""
    if event.contains(LedgerEntry, "before_update", _refuse_row):
        return
    for table in APPEND_ONLY:
        event.listen(table, "before_update", _refuse_row)
        event.listen(table, "before_delete", _refuse_row)
    event.listen(Session, "do_orm_execute", _refuse_statement)
