"""Reading people's messages: commands (slash or Chinese keyword), dates and items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.scoring.model import Item

#: Chinese keywords that start a command, longest first so that 我的积分 wins over shorter ones.
KEYWORDS: dict[str, str] = {
    "积分明细": "entries",
    "记分": "record",
    "更正": "correct",
    "我的积分": "me",
    "发起签到": "meeting",
    "结束签到": "close",
    "待审核": "pending",
    "申报": "claim",
    "撤回": "withdraw",
    "帮助": "help",
    "驳回": "reject",
    "排行": "rank",
    "绑定": "bind",
    "加入": "join",
    # recorded by the branch
    "补录": "backfill",
    "党费": "dues",
}

_SLASH = re.compile(r"^/([A-Za-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s+|$)(.*)$", re.S)
_SEPARATORS = " \t\n:：,，"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str


def parse_command(text: str, bot_name: str = "") -> Command | None:
    """``/claim@bot args``, ``/claim args`` or ``申报 args``; None for chatter or another bot's command."""
    text = text.strip()
    slash = _SLASH.match(text)
    if slash:
        name, addressed, args = slash.groups()
        if addressed and bot_name and addressed.lower() != bot_name.lower():
            return None
        return Command(name.lower(), args.strip())
    for keyword, name in KEYWORDS.items():
        if text.startswith(keyword):
            return Command(name, text[len(keyword) :].strip(_SEPARATORS))
    return None


_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(?<!\d)(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[-/.](\d{1,2}))(?!\d)")
_RELATIVE = {"前天": 2, "昨天": 1, "今天": 0}


def parse_date(text: str, today: date) -> tuple[date | None, str]:
    """The date a message names (default ``today``) and the text without it; None when it is no date."""
    for pattern in (_FULL, _SHORT):
        found = pattern.search(text)
        if found is None:
            continue
        parts = [int(g) for g in found.groups() if g is not None]
        year, month, day = parts if len(parts) == 3 else [today.year, *parts]
        rest = " ".join((text[: found.start()] + " " + text[found.end() :]).split())
        try:
            return date(year, month, day), rest
        except ValueError:
            return None, rest
    for word, back in _RELATIVE.items():
        if word in text:
            return today - timedelta(days=back), " ".join(text.replace(word, " ").split())
    return today, text


@dataclass(frozen=True, slots=True)
class Match:
    """The item a text names, or the candidates to offer (all claimable items when none fits)."""

    item: Item | None
    candidates: tuple[Item, ...]


def match_item(text: str, items: list[Item]) -> Match:
    """By code (a whole word), else by the longest name or alias contained in the text."""
    words = set(re.split(r"[\s,，:：;；]+", text.lower()))
    by_code = [i for i in items if i.code in words]
    if by_code:
        return Match(by_code[0], ())
    best: dict[str, int] = {}
    for item in items:
        for label in (item.name, *item.aliases):
            if label and label in text:
                best[item.code] = max(best.get(item.code, 0), len(label))
    if not best:
        return Match(None, tuple(items))
    top = max(best.values())
    winners = [i for i in items if best.get(i.code) == top]
    if len(winners) == 1:
        return Match(winners[0], ())
    return Match(None, tuple(i for i in items if i.code in best))
