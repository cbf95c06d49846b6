"""Append-only in depth, ORM side: no UPDATE or DELETE of a ledger row leaves this process.

The migration adds the database side (triggers on SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from bot.storage.schema import LedgerEntry


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove a ledger entry."""


def _refuse_row(_mapper: Mapper[Any], _connection: Any, target: LedgerEntry) -> None:
    raise AppendOnlyError(f"ledger entry {target.id} is append-only: no UPDATE or DELETE")


def _refuse_statement(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == LedgerEntry.__tablename__:
        raise AppendOnlyError("ledger_entries is append-only: no UPDATE or DELETE")


def install_guard() -> None:
    """Register the guards once (idempotent)."""
    if event.contains(LedgerEntry, "before_update", _refuse_row):
        return
    event.listen(LedgerEntry, "before_update", _refuse_row)
    event.listen(LedgerEntry, "before_delete", _refuse_row)
    event.listen(Session, "do_orm_execute", _refuse_statement)
