"""Reading people's messages: commands (slash or Chinese keyword), dates and items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.scoring.model import Item

#: Chinese keywords that start a command; the longest that fits wins (我的积分 over 积分).
KEYWORDS: dict[str, str] = {
    "异议处理": "objection",
    "重新开放": "reopen",
    "异议": "object",
    "日程": "calendar",
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
    # the red passbook (红色存折)
    "红色存折": "passbook",
    "我的存折": "passbook",
    "存折": "passbook",
    "积分兑换": "redeem",
    "兑换": "redeem",
    # the branch's Excel files
    "导出": "export",
    # words people type for the same things (see the README's "what people type")
    "积分项目": "items",
    "通过": "approve",
    "同意": "approve",
    # the publicity board as pictures
    "公示栏": "board",
    # 民主测评 (测评 开始|邀请|情况|结束|提交, a masses representative's code)
    "测评": "evaluation",
    # the township committee's branch star rating
    "评星结果": "star_result",
    "评星": "star",
    "述职评议": "report_evaluation",
}

#: Whole messages that are a command by themselves (checked before ``KEYWORDS``, trailing
#: punctuation ignored): ``申报积分`` asks how to claim rather than claiming an item named 积分.
PHRASES: dict[str, str] = {
    "积分": "me",
    "我有多少分": "me",
    "查积分": "me",
    "查询积分": "me",
    "我想申报": "howto",
    "申报积分": "howto",
    "怎么申报": "howto",
    "如何申报": "howto",
    "签到": "signin",
    "请假": "leave",
}

_SLASH = re.compile(r"^/([A-Za-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s+|$)(.*)$", re.S)
_SEPARATORS = " \t\n:：,，"
#: Scores typed while voting in a democratic evaluation (two or more numbers, nothing else).
SCORES = re.compile(r"^\d{1,2}(?:[\s,，、]+\d{1,2})+$")
_TRAILING = " \t\n。.!！?？~～"


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
    phrase = PHRASES.get(text.rstrip(_TRAILING))
    if phrase is not None:
        return Command(phrase, "")
    if SCORES.match(text):  # 民主测评: ``8 9 7 10 ...``, every item of the member on screen
        return Command("ballot", text)
    for keyword in sorted(KEYWORDS, key=len, reverse=True):
        if text.startswith(keyword):
            return Command(KEYWORDS[keyword], text[len(keyword) :].strip(_SEPARATORS))
    return None


_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMERAL = re.compile(r"[〇零○一二两三四五六七八九十]+(?=\s*[年月日号])")


def numeral(word: str) -> str:
    """``十一`` → 11, ``二十五`` → 25, ``二〇二六`` → 2026 (digit by digit without 十)."""
    if "十" not in word:
        return "".join(str(_DIGITS[c]) for c in word)
    tens, _, ones = word.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return word  # not a number people write in a date
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))


def arabic(text: str) -> str:
    """Chinese numerals before 年/月/日/号 as digits: ``三月八日`` → ``3月8日``."""
    return _NUMERAL.sub(lambda m: numeral(m.group(0)), text)


_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(?<!\d)(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[-/.](\d{1,2}))(?!\d)")
_RELATIVE = {"大前天": 3, "前天": 2, "前日": 2, "昨天": 1, "昨日": 1, "今天": 0, "今日": 0}
#: Dates too vague to pick a day from: the bot asks rather than guessing.
_VAGUE = re.compile(
    r"(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*(?:初|中旬|中|底|末|上旬|下旬|份)"
    r"|(?:\d{4}\s*年\s*)?(?<!\d)\d{1,2}\s*月(?!\s*\d)"
    r"|上周\S?|上星期\S?|上个?月|前几天|这几天|最近|月初|月底|月中|年初|年底|前段时间|那天|某天"
)


def vague_date(text: str) -> str | None:
    """The words of a date that names no single day (``3月初``, ``上周``), or None."""
    found = _VAGUE.search(arabic(text))
    return found.group(0) if found else None


def parse_date(text: str, today: date) -> tuple[date | None, str]:
    """The date a message names (default ``today`` when it names none) and the text without it;
    None when it names a date that cannot be read or names no single day (``2月30日``, ``3月初``)."""
    text = arabic(text)
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
    if _VAGUE.search(text):
        return None, text
    for word, back in _RELATIVE.items():
        if word in text:
            return today - timedelta(days=back), " ".join(text.replace(word, " ").split())
    return today, text


#: Words by which a member marks a leading, organizing or chairing role (带头/组织/主导).
_LEAD = re.compile(r"带头|主导|牵头|组织(?!生活|委员|关系)")


def marks_lead(text: str, item: Item) -> bool:
    """Whether the claim's own words (the item's name and aliases left out) mark a leading role."""
    for label in sorted((item.name, *item.aliases), key=len, reverse=True):
        if label:
            text = text.replace(label, " ")
    return _LEAD.search(text) is not None


def note_of(rest: str, item: Item) -> str:
    """What a claim says besides its item and date (those have fields of their own on the card)."""
    words = rest.split()
    labels = {item.code, item.name, *item.aliases}
    kept = [w for w in words if w not in labels]
    text = " ".join(kept)
    for label in sorted((item.name, *item.aliases), key=len, reverse=True):
        if label and text.startswith(label):
            text = text[len(label) :]
    return text.strip(_SEPARATORS)


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
