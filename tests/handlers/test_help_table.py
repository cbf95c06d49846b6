"""帮助, the README's "what people type" table and the router agree on what the bot accepts."""

from __future__ import annotations

import re
from pathlib import Path

from bot.handlers.basic import HELP
from bot.handlers.parse import parse_command
from bot.handlers.router import COMMANDS
from bot.i18n import t

README = Path(__file__).resolve().parents[2] / "README.md"


def _table() -> list[list[str]]:
    """The rows of the README's "what people type" table, as cells."""
    text = README.read_text(encoding="utf-8")
    start = text.index("What people type")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows[2:]  # after the header and its rule


def _typed(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_message_in_the_readme_table_is_a_command_the_bot_has() -> None:
    names = set()
    for who, message, _what in _table():
        for typed in _typed(message):
            command = parse_command(typed.replace("CODE", "ABC123"))
            assert command is not None and command.name in COMMANDS, (who, typed)
            names.add(command.name)
    assert {"me", "items", "howto", "approve", "signin", "leave", "claim", "reject"} <= names


def test_every_help_line_names_commands_the_bot_has_and_the_readme_lists() -> None:
    listed = {parse_command(typed).name for _w, message, _x in _table() for typed in _typed(message)}  # type: ignore[union-attr]
    for usage in HELP:
        shown = t(usage.key)
        typed, _, what = shown.partition(" — ")
        assert what, usage.key  # one line: what to type, then what it does
        assert "\n" not in shown
        for word, name in zip(typed.split(" / "), usage.commands, strict=True):
            command = parse_command(word)
            assert command is not None and command.name == name, (usage.key, word)
            assert name in COMMANDS and name in listed, name
        english = t(usage.key, "en").partition(" — ")[0]
        for word, name in zip(english.split(" / "), usage.commands, strict=True):
            command = parse_command(word)
            assert command is not None and command.name == name, (usage.key, word)


def test_help_offers_evaluation_and_the_passbook_only_where_the_scheme_has_them() -> None:
    """A twelve-point branch is not told about 测评 or 存折; star-hundred rates (测评), base-incentive redeems."""
    from bot.handlers.basic import lines_for
    from bot.scoring.loader import load_scheme

    def said(scheme_id: str) -> str:
        scheme = load_scheme(scheme_id)
        return "\n".join(lines_for("member", scheme) + lines_for("opener", scheme))

    twelve, star, base = said("twelve-point"), said("star-hundred"), said("base-incentive")
    assert "测评" not in twelve and "存折" not in twelve and "申报" in twelve
    assert "测评 开始" in star and "存折" not in star
    assert "存折" in base and "兑换" in base and "测评" not in base
