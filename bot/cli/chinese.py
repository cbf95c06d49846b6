"""argparse in the people's language: its usage line, headings and errors from the catalog.

argparse looks its texts up through ``gettext`` as it formats them; ``install`` points those
look-ups at the catalog, so ``partybot member add --branch x`` says in Chinese what is wrong
(and in English under ``--lang en``). The placeholders argparse fills in are kept as they are.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.i18n import t

#: argparse's message ids (Python 3.11) and the catalog keys with the same ``%`` placeholders.
TEXTS = {
    "usage: ": "newuser.argparse.usage",
    "positional arguments": "newuser.argparse.positional",
    "options": "newuser.argparse.options",
    "show this help message and exit": "newuser.argparse.help",
    "show program's version number and exit": "newuser.argparse.version",
    "%(prog)s: error: %(message)s\n": "newuser.argparse.error",
    "the following arguments are required: %s": "newuser.argparse.required",
    "argument %(argument_name)s: %(message)s": "newuser.argparse.argument",
    "invalid %(type)s value: %(value)r": "newuser.argparse.invalid",
    "invalid choice: %(value)r (choose from %(choices)s)": "newuser.argparse.choice",
    "unrecognized arguments: %s": "newuser.argparse.unrecognized",
    "expected one argument": "newuser.argparse.one",
    "ambiguous option: %(option)s could match %(matches)s": "newuser.argparse.ambiguous",
}
#: The catalog's texts use ``{name}``; argparse formats with ``%``.
_PLACEHOLDERS = {
    "prog": "%(prog)s", "message": "%(message)s", "names": "%s", "name": "%(argument_name)s",
    "value": "%(value)s", "type": "%(type)s", "choices": "%(choices)s", "args": "%s",
    "option": "%(option)s", "matches": "%(matches)s",
}  # fmt: skip
#: Type names argparse puts in "invalid ... value", as words.
TYPES = {"int": "newuser.argparse.int", "float": "newuser.argparse.float"}


def translate(message: str) -> str:
    key = TEXTS.get(message)
    return message if key is None else t(key, **_PLACEHOLDERS)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose type names in errors are words (整数, not int)."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            name = getattr(action.type, "__name__", "")
            if name in TYPES:
                message = t("newuser.argparse.invalid", value=arg_string, type=t(TYPES[name]))
                raise argparse.ArgumentError(action, message) from None
            raise


def install() -> None:
    """Route argparse's texts through the catalog (once, before any parser is built)."""
    argparse._ = translate  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
