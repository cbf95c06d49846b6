"""公示栏 (/board): the publicity board as pictures, in the group as the branch's ``publicity``
setting shows it, and the full board privately for the secretary (for the village's notice board);
the same pages attached to the clock's publicity post. Which window and who sees the full board:
``bot/services/board.py``; the drawing: ``bot/reports/board.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.handlers.cards import number
from bot.handlers.context import Deps, located
from bot.handlers.publicity import closing_of, grade_of, period_label
from bot.handlers.types import (
    ORIGIN,
    Address,
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
from bot.media import MediaStore
from bot.reports.board import Board, pages
from bot.reports.fonts import board_font
from bot.services.board import BoardService
from bot.services.policy import settings_of
from bot.services.publicity import Due, Window, closes, last_complete
from bot.storage.timeutil import show


def _shown(window: Window) -> dict[str, Any]:
    """The snapshot the board shows: as posted, or the final results once final."""
    return dict(window.report.get("final", window.report) if window.final_at is not None else window.report)


def _table(
    window: Window, members: list[dict[str, Any]], full: bool
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Columns and rows: scores only for ``scores`` (or the full board), ranks only where the branch
    ranks, a grade or stars column unless nothing is in it (a month of a scheme that grades the year)."""
    scores = full or window.show == "scores"
    ranked = scores and window.ranks and any(m.get("rank") is not None for m in members)
    if ranked:
        members = sorted(members, key=lambda m: (m.get("rank") is None, m.get("rank") or 0))
    year = window.period.kind == "year"
    graded = not scores or any(
        m.get("grade") or m.get("stars") is not None or m.get("exempt") for m in members
    )
    stars = any(m.get("stars") is not None for m in members)
    columns = [t("board.col.rank" if ranked else "board.col.no"), t("board.col.name")]
    columns += [t("board.col.year_score" if year else "board.col.score")] if scores else []
    columns += [t("board.col.ytd")] if scores and not year else []
    columns += [t("board.col.stars" if stars else "board.col.grade")] if graded else []
    rows, none = [], t("board.none_cell")
    for n, m in enumerate(members, 1):
        row = [str(m["rank"]) if ranked and m.get("rank") is not None else str(n), str(m["name"])]
        row += [none if m.get("exempt") else number(m.get("score"))] if scores else []
        row += [none if m.get("exempt") else number(m.get("ytd"))] if scores and not year else []
        row += [grade_of(m) or t("pub.no_grade")] if graded else []
        rows.append(tuple(row))
    return tuple(columns), rows


def board_of(window: Window, branch: str, *, full: bool) -> Board:
    """The board of ``window``: what the group may see (``full``: every score and grade). Members in
    roster order, by rank only where ranks are shown; deductions are never listed."""
    shown = _shown(window)
    columns, rows = _table(window, list(shown.get("members", [])), full)
    named = shown.get("stars_of_period") or []
    kind = {"quarter": "board.stars_quarter", "year": "board.stars_year"}.get(
        window.period.kind, "board.stars_period"
    )
    if window.final_at is None:
        subtitle = t("board.window", opens=show(window.opens_at), closes=closing_of(window))
        notes = (t("board.object", time=closing_of(window)),)
    else:
        subtitle, notes = t("board.final", time=show(window.final_at)), (t("board.object_final"),)
    title = t("board.title", branch=branch, period=period_label(window.period))
    highlights = (t(kind, names="、".join(named)),) if named else ()
    return Board(title, subtitle, columns, tuple(rows), highlights, notes)


def _as_text(board: Board) -> Card:
    """The board as a card, where no picture can be made (no Chinese font, no media store)."""
    fields = tuple(Field(row[1], " · ".join((row[0], *row[2:]))) for row in board.rows)
    return Card(
        board.title.replace("\n", " "), fields, "\n".join((board.subtitle, *board.highlights, *board.notes))
    )


@dataclass(frozen=True, slots=True)
class Page:
    file: Attachment
    caption: str


def rendered(board: Board, window: Window, media: MediaStore | None, *, full: bool) -> list[Page]:
    """The board's pages drawn and put in the media store; none without a Chinese font or a store."""
    font = board_font()
    if font is None or media is None:
        return []
    drawn = pages(board, font)
    label, many = period_label(window.period), len(drawn) > 1
    out = []
    for n, png in enumerate(drawn, 1):
        name = f"公示栏-{window.period.key}" + (f"-{n}" if many else "") + ".png"
        stored = media.put(png, "image/png", name)
        if full and n == 1:  # what the full board is for, said once
            caption = t("board.caption_full", period=label)
        elif many:
            caption = t("board.caption_full_page" if full else "board.caption_page", period=label, page=n,
                        pages=len(drawn))  # fmt: skip
        else:
            caption = t("board.caption", period=label)
        out.append(Page(Attachment(stored.sha256, name, "image/png"), caption))
    return out


def sends(to: Address, drawn: list[Page]) -> list[Reply]:
    return [Send(to, page.caption, file=page.file) for page in drawn]


_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}
_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月份?$")
_QUARTER = re.compile(r"^(?:(\d{4})年)?第?([1-4一二三四])季度$")
_HALF = re.compile(r"^(?:(\d{4})年)?([上下])半年$")
_RELATIVE = {"上月": "month", "上个月": "month", "上季度": "quarter", "上个季度": "quarter", "去年": "year"}


def period_key(text: str, today: date) -> str:
    """The period key people mean: ``2026-11``, ``11月``, ``2026年第三季度``, ``上半年``, ``2026年``,
    ``上月``, ``上季度``, ``去年``; a month, quarter or half without a year is the last one so named
    that has begun. Anything else is returned as typed (the service refuses what names no period)."""
    if text in _RELATIVE:
        return last_complete(_RELATIVE[text], today).key
    if (found := re.fullmatch(r"(\d{4})年度?", text)) is not None:
        return found.group(1)
    month, quarter, half = _MONTH.match(text), _QUARTER.match(text), _HALF.match(text)
    if month is not None:
        said, form, first = month.group(1), f"{{}}-{int(month.group(2)):02d}", int(month.group(2))
    elif quarter is not None:
        n = _NUMERALS.get(quarter.group(2)) or int(quarter.group(2))
        said, form, first = quarter.group(1), f"{{}}-Q{n}", 3 * n - 2
    elif half is not None:
        upper = half.group(2) == "上"
        said, form, first = half.group(1), "{}-H1" if upper else "{}-H2", 1 if upper else 7
    else:
        return text
    year = int(said) if said else today.year - (1 if first > today.month else 0)
    return form.format(year)


async def board_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``公示栏 [期间]`` (/board): the board of the latest (or the named) posted period."""
    person, branch = await located(inc, deps)
    words = args.split()
    if len(words) > 1:
        return [Send(ORIGIN, t("board.usage"))]
    period = period_key(words[0], deps.today()) if words else None
    view = await BoardService(deps.chat.ctx).board(person.actor, branch.id, period, inc.private)
    if view.window.show == "notice" and not view.full:
        return [Send(ORIGIN, t("board.notice_member" if inc.private else "board.notice_group"))]
    board = board_of(view.window, view.branch, full=view.full)
    drawn = rendered(board, view.window, deps.media, full=view.full)
    return sends(ORIGIN, drawn) if drawn else [Send(ORIGIN, _as_text(board))]


async def scheduled_board(deps: Deps, due: Due, snapshot: dict[str, Any], now: datetime) -> list[Reply]:
    """The pages that go with the clock's publicity post of ``due`` (opened at ``now``), drawn from
    its frozen snapshot before the post's write transaction: the group's board as the branch's setting
    shows it; with ``notice`` the full board to the secretary only. None without a Chinese font."""
    branch = await deps.chat.branch(due.branch_id)
    settings = settings_of(branch)
    closing = closes(deps.chat.scheme(branch), now)
    window = Window(
        0, branch.id, due.period, now, closing, snapshot, None, settings.publicity, bool(settings.rank)
    )
    full = settings.publicity == "notice"
    drawn = rendered(board_of(window, branch.name, full=full), window, deps.media, full=full)
    return sends(ToRoles(branch.id, ("secretary",)) if full else ToGroup(branch.id), drawn)
