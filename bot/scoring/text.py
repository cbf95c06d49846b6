"""Plain-text tables that line up with Chinese (double-width) characters."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Display width in a terminal: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def table(header: list[str], rows: list[list[str]]) -> str:
    sizes = [max(width(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    lines = ["  ".join(pad(str(h), s) for h, s in zip(header, sizes, strict=True)).rstrip()]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(str(v), s) for v, s in zip(r, sizes, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)
