"""评星, 述职评议 and 评星结果: the township committee's staff rate their branches (党支部评星定级)
in a private chat with the bot, and the committee's yearly publicity.

``评星 第一党支部`` shows the branch's card (areas scored so far, bonus and deduction items, the
evaluation, and beside 党员管理 what the bot's own data says about its points management);
``评星 第一党支部 班子建设 14`` scores an area, ``评星 第一党支部 加分 county_award 5 县级表彰`` (or
``减分``) an item with its reason, ``述职评议 第一党支部 88`` the secretary's report evaluation;
``评星结果 2026`` the committee's table, as text and as an .xlsx; ``评星 模板`` the sheet to fill in
for every branch at once, which sent back privately is imported all or nothing. A year may lead
(``评星 2025 第一党支部``); without one, the year rated is the one before until June, the current
one from July (``rating_year``); a sheet sent back is for the year its file's name holds.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.parse import arabic, numeral
from bot.handlers.types import (
    ORIGIN,
    Action,
    Attachment,
    Card,
    Field,
    Incoming,
    Reply,
    Send,
    ToGroup,
    ToRoles,
)
from bot.i18n import t
from bot.reports.xlsx import XLSX
from bot.services.committee import (
    BranchSheet,
    CommitteeReport,
    CommitteeService,
    Published,
    Row,
    Scored,
    rating_year,
    result_workbook,
    template_sheet,
)
from bot.services.common import Actor
from bot.services.errors import Invalid
from bot.services.recorded import Sheet
from bot.storage.timeutil import to_local

_YEAR = re.compile(r"^(\d{4})年?(?:度)?$")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
TEMPLATE_WORD = "模板"
_POINTS = re.compile(r"^[+\-－]?(\d+(?:\.\d+)?)分?$")
STAFF = ("committee",)
_CHINESE = set("〇零○一二两三四五六七八九十")


def _service(deps: Deps) -> CommitteeService:
    return deps.committee or CommitteeService(deps.chat.ctx, deps.now)


async def _actor(inc: Incoming, deps: Deps) -> Actor:
    person, _branch = await located(inc, deps)
    return person.actor


def _year_and_words(args: str, deps: Deps) -> tuple[int, list[str]]:
    words = [w for w in re.split(r"[\s,，]+", arabic(args.strip())) if w]
    found = _YEAR.match(words[0]) if words else None
    if found is not None:
        return int(found.group(1)), words[1:]
    return rating_year(deps.today()), words


def _points(word: str) -> float:
    """``14``, ``14分``, ``14.5``, or in Chinese numerals (``十八``, ``十八分``)."""
    bare = word.removesuffix("分")
    if bare and all(c in _CHINESE for c in bare):
        word = numeral(bare)
    found = _POINTS.match(word)
    if found is None:
        raise Invalid("cm.usage_points", word=word)
    return float(found.group(1))


async def star(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``评星 <支部> [<方面> <分> | 加分/减分 <项目> <分> <理由>]``."""
    if not inc.private:
        return [Send(ORIGIN, t("cm.private_only"))]
    actor, (year, words) = await _actor(inc, deps), _year_and_words(args, deps)
    service, source = _service(deps), f"{inc.platform}:{inc.chat}:{inc.message or ''}"
    if not words:
        return [Send(ORIGIN, t("cm.usage"))]
    branch, rest = words[0], words[1:]
    if words == [TEMPLATE_WORD]:
        return await _template(deps, actor, year)
    if not rest:
        return _private(inc, [card(await service.sheet(actor, None, branch, year))])
    if rest[0] in ("加分", "减分"):
        if len(rest) < 3:
            return [Send(ORIGIN, t("cm.usage"))]
        done = await service.score_item(actor, None, branch, year, rest[1], _points(rest[2]), " ".join(rest[3:]),
                                        source)  # fmt: skip
    elif len(rest) == 2:
        done = await service.score_area(actor, None, branch, year, rest[0], _points(rest[1]), source)
    else:
        return [Send(ORIGIN, t("cm.usage"))]
    return _private(inc, [card(done.sheet, scored_text(done))])


async def _template(deps: Deps, actor: Actor, year: int) -> list[Reply]:
    """``评星 模板``: the committee's sheet to fill in, as a file named with the year it is for."""
    committee, rows = await _service(deps).template_rows(actor, None)
    if deps.media is None:
        return [Send(ORIGIN, t("cm.template_cli"))]
    name = t("cm.template.file", committee=committee, year=year)
    stored = deps.media.put(template_sheet(rows), XLSX, name)
    return [Send(ORIGIN, t("cm.template_sent", year=year), file=Attachment(stored.sha256, name, XLSX))]


async def sheet_received(inc: Incoming, deps: Deps, sheet: Sheet) -> list[Reply]:
    """A filled-in 评星定级 sheet sent privately: imported for the sender's committee, all or
    nothing (every problem named with its cell), once per file; for the year its file's name
    holds (the template's does), else the year rated now."""
    actor = await _actor(inc, deps)
    named = _YEAR_IN_NAME.search(sheet.filename)
    year = int(named.group(1)) if named else rating_year(deps.today())
    count = await _service(deps).import_sheet(actor, None, year, sheet)
    return [Send(ORIGIN, t("cm.sheet_imported", count=count, year=year))]


async def evaluation(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``述职评议 <支部> <分>``: the secretary's report evaluation, of 100."""
    if not inc.private:
        return [Send(ORIGIN, t("cm.private_only"))]
    actor, (year, words) = await _actor(inc, deps), _year_and_words(args, deps)
    if len(words) != 2:
        return [Send(ORIGIN, t("cm.usage_evaluation"))]
    source = f"{inc.platform}:{inc.chat}:{inc.message or ''}"
    done = await _service(deps).score_evaluation(actor, None, words[0], year, _points(words[1]), source)
    return _private(inc, [card(done.sheet, scored_text(done))])


async def result(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``评星结果 [年度]``: the committee's table, privately, with the same table as an .xlsx
    (what ``partybot committee result --out`` writes)."""
    if not inc.private:
        return [Send(ORIGIN, t("cm.private_only"))]
    actor, (year, _words) = await _actor(inc, deps), _year_and_words(args, deps)
    report = await _service(deps).result(actor, None, year)
    if deps.media is None:
        return [Send(ORIGIN, report_text(report)), Send(ORIGIN, t("export.no_media"))]
    name = t("cm.xlsx.file", committee=report.committee, year=report.year)
    stored = deps.media.put(result_workbook(report), XLSX, name)
    return [Send(ORIGIN, report_text(report), file=Attachment(stored.sha256, name, XLSX))]


async def result_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """The card's 评星结果 button (``cmr:<year>``)."""
    return await result(inc, deps, str(int(args)))


def _private(inc: Incoming, bodies: list[Card | str]) -> list[Reply]:
    """Scores are for the committee: answered in the private chat they were asked in."""
    return [Send(ORIGIN, b) for b in bodies]


# -- what people see ---------------------------------------------------------------------------


def card(sheet: BranchSheet, done: str = "") -> Card:
    """The branch's card; ``done``: what was just recorded, first in the note."""
    fields = []
    for code, name, top, line in sheet.areas:
        value = (
            t("cm.card.points", points=number(line.points), max=number(top))
            if line
            else t("cm.card.unscored", max=number(top))
        )
        fields.append(Field(name, value))  # fmt: skip
        if code == "member_management":
            fields.append(Field(t("cm.card.evidence"), "; ".join(sheet.evidence.lines())))
    for item in sheet.items:
        label = t(f"cm.card.{item.kind}", name=item.name)
        fields.append(Field(label, t("cm.card.item", points=number(abs(item.points)), reason=item.reason)))
    ev = sheet.evaluation
    fields.append(Field(t("cm.evaluation"), number(ev.points) if ev else t("cm.card.unscored_evaluation")))
    if ev and ev.reason:  # a score from the 述职评议 ballot names it (``bot/services/review.py``)
        fields[-1] = Field(t("cm.evaluation"), f"{number(ev.points)} ({ev.reason})")
    return Card(
        t("cm.card.title", year=sheet.year, branch=sheet.branch), tuple(fields), note="\n".join(filter(None, (done, t("cm.card.note")))),
        status=row_status(sheet.row), actions=(Action(t("cm.card.result"), f"cmr:{sheet.year}"),),
    )  # fmt: skip


def row_status(row: Row) -> str:
    if row.missing:
        return t("cm.status.missing", missing="; ".join(row.missing))
    why = "; ".join(row.why)
    text = t("cm.status.scored", total=number(row.total), stars=row.stars)
    return f"{text} ({why})" if why else text


def scored_text(done: Scored) -> str:
    was = t("cm.scored.was", points=number(abs(done.supersedes))) if done.supersedes is not None else ""
    if done.points == 0:
        return t("cm.scored.withdrawn", branch=done.sheet.branch, name=done.what, was=was)
    return t("cm.scored", branch=done.sheet.branch, name=done.what, points=number(abs(done.points)), was=was)


def report_lines(report: CommitteeReport) -> list[str]:
    names = {code: name for code, name, _top in report.areas}
    lines = [t("cm.report.title", committee=report.committee, year=report.year, count=len(report.rows))]
    for n, row in enumerate(report.rows, start=1):
        lines.append(t("cm.report.row", n=n, branch=row.name, status=row_status(row)))
        parts = [f"{names[c]} {number(v)}" for c, v in row.areas.items() if v is not None]
        parts += [t("cm.report.bonus", points=number(row.bonus)), t("cm.report.deduction", points=number(row.deduction)),
                  t("cm.report.evaluation", points=number(row.evaluation))]  # fmt: skip
        lines.append("   " + " · ".join(parts))
    lines.append(t("cm.report.five_stars", count=report.five_stars, total=len(report.rows),
                   limit=report.five_star_limit))  # fmt: skip
    lines.append(t("cm.report.rectify", names="、".join(report.rectify) or t("cm.none")))
    lines.append(t("cm.report.recheck", names="、".join(report.recheck) or t("cm.none"),
                   population=report.recheck_population))  # fmt: skip
    lines += list(report.notes)
    return lines


def report_text(report: CommitteeReport) -> str:
    return "\n".join(report_lines(report))


def posted(published: Published) -> list[Reply]:
    """The committee's yearly publicity: each branch's own stars in its group, with the window;
    the whole table to the committee's staff privately."""
    report, closing = published.report, _closing(published)
    replies: list[Reply] = []
    for row in report.rows:
        replies.append(Send(ToGroup(row.branch_id), t("cm.pub.group", year=report.year, committee=report.committee,
                                                       branch=row.name, stars=row.stars, time=closing)))  # fmt: skip
    if report.rows:
        head = t("cm.pub.staff", year=report.year, time=closing)
        replies.append(
            Send(ToRoles(report.rows[0].branch_id, STAFF), "\n".join([head, *report_lines(report)]))
        )
    return replies


def missing(report: CommitteeReport) -> list[Reply]:
    """What is still missing, named to the committee's staff (nothing is scored as 0)."""
    if not report.rows:
        return []
    lines = [t("cm.missing.head", year=report.year)]
    lines += [t("cm.missing.line", branch=name, missing="; ".join(what)) for name, what in report.missing]
    return [Send(ToRoles(report.rows[0].branch_id, STAFF), "\n".join(lines))]


def _closing(published: Published) -> str:
    """The window's last moment as people read it, as the branch publicity says it (24:00)."""
    return to_local(published.closes_at - timedelta(minutes=1)).strftime("%Y-%m-%d 24:00")
