from __future__ import annotations

from handlers.chatworld import db

__all__ = ["db"]  # a fresh SQLite file, migrated to head (defined once in handlers.chatworld)
