"""Parse TOML text and point validation errors at the line that caused them.

`tomllib` reports the line of a syntax error but keeps no positions for values, so
``locate`` scans the text once and maps every dotted key path (array-of-tables
entries counted by index) to the line where it is written. Pure: text in, data out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\".]+)\s*=")


@dataclass(frozen=True)
class TomlProblem:
    """One problem in a TOML document: where (file, key path, line) and what."""

    source: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}"
        if self.line is not None:
            where += f" 第 {self.line} 行"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


class TomlError(ValueError):
    """A TOML document that does not parse or does not validate; carries every problem found."""

    def __init__(self, problems: list[TomlProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _split_key(raw: str) -> list[str]:
    return [part.strip().strip('"') for part in raw.split(".")]


def locate(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each key path written in ``text`` to its 1-based line number."""
    positions: dict[tuple[str | int, ...], int] = {}
    counters: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            parts = _split_key(header.group(2))
            path: list[str | int] = []
            # Resolve earlier array-of-tables parents to their current index.
            for part in parts:
                path.append(part)
                parent = tuple(path)
                if parent in counters and len(path) < len(parts):
                    path.append(counters[parent])
            key = tuple(path)
            if header.group(1) == "[[":
                counters[key] = counters.get(key, -1) + 1
                positions.setdefault(key, number)
                key = (*key, counters[key])
            table = key
            positions.setdefault(table, number)
            continue
        match = _KEY.match(line)
        if match:
            positions.setdefault((*table, *_split_key(match.group(1))), number)
    return positions


def line_of(positions: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]) -> int | None:
    """The line of the longest prefix of ``loc`` that was written in the text."""
    for end in range(len(loc), 0, -1):
        line = positions.get(tuple(loc[:end]))
        if line is not None:
            return line
    return None


def parse(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a TomlError that names the source and line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise TomlError([TomlProblem(source, "", line, _syntax(str(exc)))]) from exc


#: tomllib's messages (English) by their start, as catalog keys.
_SYNTAX = {
    "Invalid value": "toml.invalid_value",
    "Expected '=' after a key": "toml.expected_equals",
    "Unterminated string": "toml.unterminated_string",
    "Illegal character": "toml.illegal_character",
    "Cannot overwrite a value": "toml.duplicate",
    "Cannot declare": "toml.duplicate",
    "Unclosed array": "toml.unclosed_array",
    "Invalid statement": "toml.invalid_statement",
    "Expected newline or end of document": "toml.expected_newline",
}


def _syntax(message: str) -> str:
    """A TOML syntax error in the active locale: what is wrong and the column."""
    from bot.i18n import t

    key = next((k for start, k in _SYNTAX.items() if message.startswith(start)), "toml.other")
    column = re.search(r"column (\d+)", message)
    return t("toml.syntax", what=t(key), column=column.group(1) if column else "?")


def problems_from_validation(
    errors: Sequence[Mapping[str, Any]], text: str, source: str
) -> list[TomlProblem]:
    """Turn pydantic ``ValidationError.errors()`` into problems with key paths and lines."""
    positions = locate(text)
    found: dict[str, TomlProblem] = {}
    for err in errors:
        loc = tuple(p for p in err.get("loc", ()) if not _is_type_tag(p))
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        # A value that fits no member of a union fails once per member: report the key once.
        found.setdefault(key, TomlProblem(source, key, line_of(positions, loc), _message(err)))
    return list(found.values())


_TYPE_TAGS = {"int", "float", "str", "bool", "none", "list", "dict"}


def _is_type_tag(part: str | int) -> bool:
    """pydantic's names for union members and validators in an error's location, which are no keys."""
    return isinstance(part, str) and (part in _TYPE_TAGS or part.startswith(("function-", "literal[")))


def _message(err: Mapping[str, Any]) -> str:
    """The error in the active locale where the catalog knows its type; pydantic's text otherwise."""
    from bot.i18n import MESSAGES, t

    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if f"validation.{kind}" in MESSAGES["zh-CN"]:
        params = {k: ctx.get(k, "") for k in ("expected", "gt", "ge", "lt", "le", "min_length")}
        params["expected"] = t("toml.choices", choices=str(params["expected"]).replace("' or '", "' / '"))
        return t(f"validation.{kind}", **params)
    return t("toml.invalid")
