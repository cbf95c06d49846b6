"""Domain errors: a message key and its parameters, never a SQL error."""

from __future__ import annotations

from typing import Any

from bot.i18n import t


class DomainError(Exception):
    """A refused command; ``message`` is the text for people, in the active locale."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    @property
    def message(self) -> str:
        return t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Invalid(DomainError):
    pass


class Duplicate(DomainError):
    """The same thing exists already; ``earlier`` is its id (the earlier claim or reversal)."""

    def __init__(self, key: str, earlier: int, **params: Any) -> None:
        super().__init__(key, earlier=earlier, **params)
        self.earlier = earlier
