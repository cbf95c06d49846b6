"""导出 (``/export``): the branch's Excel files, sent privately as a document (a file on WeCom).

``导出`` alone offers the kinds as buttons; ``导出 台账 2026``, ``导出 积分卡 张三``, ``导出 积分卡``
(every member, or one's own for a member), ``导出 公示 2026-11`` (or ``11月``, ``2026-Q3``,
``三季度``, ``上半年``, ``2026``), ``导出 年度 2026`` and, for committee staff, ``导出 汇总 2026`` say
what. The files hold each member's scores and deductions, so in a group the bot only says to ask
privately. Who may export what is the service's decision.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from bot.handlers.context import Deps, located
from bot.handlers.types import ORIGIN, Action, Attachment, Card, Incoming, Reply, Send
from bot.i18n import t
from bot.services.chat import Person
from bot.services.errors import Invalid
from bot.services.reports import Export, ExportRequest, ReportService
from bot.storage.schema import Branch

#: The words for each kind (the first is what the buttons and the help say).
WORDS: dict[str, tuple[str, ...]] = {
    "ledger": ("台账", "积分台账", "明细", "积分明细"),
    "card": ("积分卡", "党员积分卡", "登记表", "积分登记表", "卡"),
    "publicity": ("公示", "公示栏", "公示表"),
    "annual": ("年度", "年度表", "综合得分", "年度综合得分", "年度综合得分登记表", "综合"),
    "committee": ("汇总", "汇总表", "全镇"),
}
_KIND = {word: kind for kind, words in WORDS.items() for word in words}
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = re.compile(r"^(\d{4})年?度?$")
_MONTH = re.compile(r"^(?:(\d{4})\s*[-/.年])?\s*(\d{1,2})月?份?$")
_QUARTER = re.compile(r"^(?:(\d{4})\s*(?:年|-)?)?\s*(?:第?([一二三四1-4])季度|[Qq]([1-4]))$")
_HALF = re.compile(r"^(?:(\d{4})\s*(?:年|-)?)?\s*(?:([上下])半年|[Hh]([12]))$")


@dataclass
class Asked:
    kind: str | None = None
    year: int | None = None
    period: str | None = None
    names: tuple[str, ...] = ()


def read(args: str, today: date) -> Asked:
    """What ``导出 ...`` asks for: the kind, a year or a period, and names (the rest)."""
    asked, names = Asked(), []
    for word in args.replace("，", " ").replace(",", " ").split():
        if word in _KIND and asked.kind is None:
            asked.kind = _KIND[word]
        elif m := _YEAR.match(word):
            asked.year = int(m.group(1))
        elif m := _QUARTER.match(word):
            asked.year = int(m.group(1) or asked.year or today.year)
            asked.period = f"{asked.year}-Q{_CN[m.group(2) or m.group(3)]}"
        elif m := _HALF.match(word):
            asked.year = int(m.group(1) or asked.year or today.year)
            asked.period = f"{asked.year}-H{1 if (m.group(2) or m.group(3)) in ('上', '1') else 2}"
        elif (
            (m := _MONTH.match(word))
            and 1 <= int(m.group(2)) <= 12
            and (m.group(1) or word.endswith(("月", "份")))
        ):
            asked.year = int(m.group(1) or asked.year or today.year)
            asked.period = f"{asked.year}-{int(m.group(2)):02d}"
        else:
            names.append(word.lstrip("#＃") if word.startswith(("#", "＃")) and word[1:].isdigit() else word)
    asked.names = tuple(names)
    return asked


async def export(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``导出 ...``: the file asked for, privately; ``导出`` alone: the kinds to choose from."""
    person, branch = await located(inc, deps)
    if not inc.private:
        return [Send(ORIGIN, t("export.private"))]
    if not args.strip():
        return [Send(ORIGIN, _menu(person))]
    asked = read(args, deps.today())
    if (
        asked.kind == "publicity"
        and asked.period is None
        and asked.year is not None
        and asked.year != deps.today().year
    ):
        asked.period = str(asked.year)  # 导出 公示 2025: that year's table
    member_id = None
    if asked.kind in (None, "card") and asked.names:
        found = await _member(deps, person, branch, asked.names[0], named=asked.kind is not None)
        if isinstance(found, str):
            return [Send(ORIGIN, found)]
        member_id, asked.kind = found, "card"
        asked.names = asked.names[1:]
    if asked.kind is not None and asked.names and not asked.names[0].isdigit():
        return [Send(ORIGIN, t("export.whole_branch", kind=WORDS[asked.kind][0], name=asked.names[0]))]
    if asked.kind is None or asked.names:
        words = " ".join(asked.names) or args.strip()
        return [Send(ORIGIN, t("export.bad_words", words=words, hint=t("export.hint")))]
    if asked.kind == "committee" and branch.committee_id is None:
        return [Send(ORIGIN, t("export.no_committee"))]
    if asked.kind == "card" and member_id is None and not person.roles:
        member_id = person.member_id  # a member's 导出 积分卡 is their own card
    return [await _send(deps, person, branch, asked, member_id)]


async def press(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """A kind pressed on the menu: this year's file of that kind (a member's own card)."""
    if args not in WORDS or args == "committee":
        raise ValueError(args)
    person, branch = await located(inc, deps)
    member_id = person.member_id if args == "card" and not person.roles else None
    return [await _send(deps, person, branch, Asked(args), member_id)]


async def _send(deps: Deps, person: Person, branch: Branch, asked: Asked, member_id: int | None) -> Reply:
    today = deps.today()
    request = ExportRequest(
        asked.kind or "",
        asked.year or today.year,
        today,
        branch.id,
        branch.committee_id,
        member_id,
        asked.period,
    )
    made = await ReportService(deps.chat.ctx).export(request, person.actor)
    return Send(ORIGIN, _caption(made), file=_stored(deps, made))


def _stored(deps: Deps, made: Export) -> Attachment:
    if deps.media is None:
        raise Invalid("export.no_media")
    stored = deps.media.put(made.data, made.mime, made.name)
    return Attachment(stored.sha256, made.name, made.mime)


def _caption(made: Export) -> str:
    return t("export.caption", name=made.name, count=t(f"export.count.{made.kind}", count=made.count))


def _menu(person: Person) -> Card | str:
    if not person.roles:
        return t("export.menu.own")
    kinds = ("ledger", "card", "publicity", "annual")
    return Card(t("export.menu"), actions=tuple(Action(WORDS[k][0], f"ex:{k}") for k in kinds))


async def _member(deps: Deps, person: Person, branch: Branch, wanted: str, *, named: bool) -> int | str:
    """The member a name (or roster number ``#12``) names; a message saying what to write instead
    (``named``: the kind was given, so the word was meant as a name)."""
    if wanted == person.name:
        return person.member_id
    roster = await deps.ledger.roster(branch.id, person.actor)
    found = [m for m, n in roster if n == wanted or str(m) == wanted]
    if len(found) == 1:
        return found[0]
    if found:
        ids = "、".join(t("recording.twin", name=wanted, id=m) for m in found)
        return t("export.twins", name=wanted, ids=ids, first=found[0])
    if not named:
        return t("export.neither", words=wanted, hint=t("export.hint"))
    close = difflib.get_close_matches(wanted, [n for _, n in roster], n=1, cutoff=0.5)
    return t("export.unknown_member", name=wanted, hint=t("export.close", close=close[0]) if close else "")
