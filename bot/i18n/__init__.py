"""The message catalog: every user-facing text, zh-CN first, English second.

Code refers to messages by key; ``t(key, **params)`` formats one in the active locale.
Pure data plus one function, so every layer (scoring included) may use it.

The texts live in the modules of this package, one per area (``core``, and one module per
feature that brings its own messages); each defines ``MESSAGES = {"zh-CN": {...}, "en": {...}}``.
They are merged here in name order, and a key defined by two modules is an error at import.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

DEFAULT_LOCALE = "zh-CN"
_active = DEFAULT_LOCALE


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {DEFAULT_LOCALE: {}, "en": {}}
    owner: dict[tuple[str, str], str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for locale, table in module.MESSAGES.items():
            target = merged.setdefault(locale, {})
            for key, text in table.items():
                if (locale, key) in owner:
                    raise RuntimeError(
                        f"message {key!r} ({locale}) is defined in {owner[locale, key]} and {info.name}"
                    )
                owner[locale, key] = info.name
                target[key] = text
    return merged


MESSAGES: dict[str, dict[str, str]] = _merge()


def set_locale(locale: str) -> None:
    """Choose the active locale for ``t``; unknown locales fall back to zh-CN."""
    global _active
    _active = locale if locale in MESSAGES else DEFAULT_LOCALE


def t(key: str, locale: str | None = None, /, **params: Any) -> str:
    """Format the message ``key`` in ``locale`` (default: the active one)."""
    table = MESSAGES.get(locale or _active, MESSAGES[DEFAULT_LOCALE])
    template = table.get(key) or MESSAGES[DEFAULT_LOCALE][key]
    return template.format(**params)
