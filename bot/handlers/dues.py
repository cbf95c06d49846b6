"""/dues (党费): the recorder marks a month's dues in a private chat.

``党费 3月 已交 全部 除 张三``, ``党费 3月 迟交 张三``, ``党费 2026年3月 未交 李四``; parts may be
combined (``党费 3月 已交 全部 除 张三 迟交 张三``). Each member given a deduction (or whose
deduction a changed mark took back) is told privately, with the rule and how to object.
"""

from __future__ import annotations

import re
from datetime import date

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.types import ORIGIN, Card, Field, Incoming, Reply, Send, ToMember
from bot.i18n import t
from bot.services.common import Source
from bot.services.dues import STATUSES, Marked, status_of
from bot.services.errors import Invalid

_MONTH = re.compile(r"^\s*(?:(\d{4})\s*[年\-/.]\s*)?(\d{1,2})\s*月?(?=\s|$)")
_SPLIT = re.compile(r"[\s、,，;；]+")
EVERYONE, BESIDES = ("全部", "所有人", "全体"), ("除", "除了")


def month_of(text: str, today: date) -> tuple[int, int, str] | None:
    """(year, month, the rest) from ``3月 ...``, ``2026年3月 ...``, ``本月``/``上月``; None when none is given."""
    text = text.strip()
    for word, back in (("本月", 0), ("上月", 1)):
        if text.startswith(word):
            year, month = (today.year, today.month - back) if today.month > back else (today.year - 1, 12)
            return year, month, text[len(word) :]
    found = _MONTH.match(text)
    if found is None:
        return None
    year = int(found.group(1)) if found.group(1) else today.year
    return year, int(found.group(2)), text[found.end() :]


def parse_marks(words: list[str]) -> tuple[dict[str, str], str | None, list[str]]:
    """(marks by name, the mark of everyone else or None, the names 除 leaves out)."""
    named: dict[str, str] = {}
    besides: list[str] = []
    rest: str | None = None
    status: str | None = None
    excluding = False
    for word in words:
        if status_of(word) is not None:
            status, excluding = status_of(word), False
        elif status is None:
            raise Invalid("dues.no_status", word=word)
        elif word in EVERYONE:
            if rest is not None:
                raise Invalid("dues.everyone_twice")
            rest = status
        elif word in BESIDES:
            excluding = True
        elif excluding:
            besides.append(word)
        elif named.get(word, status) != status:
            raise Invalid("dues.twice", name=word)
        else:
            named[word] = status
    return named, rest, besides


async def dues(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    person, branch = await located(inc, deps)
    if not inc.private:
        return [Send(ORIGIN, t("dues.in_private"))]
    month = month_of(args, deps.today())
    words = [w for w in _SPLIT.split(month[2]) if w] if month is not None else []
    if month is None or not words:
        return [Send(ORIGIN, t("dues.usage"))]
    named, rest, besides = parse_marks(words)
    source = Source(inc.platform, inc.chat, inc.message)
    marked = await deps.dues.mark_named(
        branch.id, person.actor, month[0], month[1], named, rest, besides, source, deps.today()
    )
    return [Send(ORIGIN, summary(marked)), *notices(marked, person.name)]


def summary(marked: Marked) -> Card:
    fields = [
        Field(
            t("dues.card.count", word=t(f"dues.word.{s}"), count=len(marked.names(s))),
            "、".join(marked.names(s)),
        )
        for s in STATUSES
        if marked.names(s)
    ]
    if marked.unchanged:
        fields.append(
            Field(t("dues.card.unchanged", count=len(marked.unchanged)), "、".join(marked.unchanged))
        )
    told = any(c.deductions or c.reversed for c in marked.changed)
    title = t("dues.card.title", year=marked.year, month=marked.month)
    return Card(title, tuple(fields), t("dues.card.told") if told else "")


def notices(marked: Marked, by: str) -> list[Reply]:
    """Privately, to each member given a deduction or whose deduction was taken back."""
    out: list[Reply] = []
    for change in marked.changed:
        lines = []
        if change.deductions:
            status = t(f"dues.word.{change.status}")
            lines.append(t("dues.told", year=marked.year, month=marked.month, status=status, by=by))
            rules = "；".join(
                t(
                    "records.rule",
                    name=p.item.name,
                    points=number(p.points),
                    clause=p.item.clause or p.item.name,
                )
                for p in change.deductions
            )
            lines += [t("records.rule_line", rules=rules), t("records.object")]
        elif any(p.points > 0 for p in change.reversed):  # a deduction taken back
            lines.append(t("dues.told_reversed", year=marked.year, month=marked.month,
                           status=t(f"dues.word.{change.status}"), by=by))  # fmt: skip
        if lines:
            out.append(Send(ToMember(change.member_id), "\n".join(lines)))
    return out
