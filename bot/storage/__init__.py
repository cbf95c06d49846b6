"""Storage: the only code that speaks SQL (SQLAlchemy 2 async on SQLite or PostgreSQL)."""

from bot.storage.database import Database, open_database
from bot.storage.guard import AppendOnlyError
from bot.storage.uow import UnitOfWork

__all__ = ["AppendOnlyError", "Database", "UnitOfWork", "open_database"]
