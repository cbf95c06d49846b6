from __future__ import annotations

from handlers.chatworld import db, world

__all__ = ["db", "world"]  # pytest fixtures, defined once in chatworld
