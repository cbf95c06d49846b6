"""The publicity board (公示栏) as pictures: rows in, PNG pages out. Pure: no database, no chat.

A page is ``WIDTH`` pixels wide (a phone shows it full width, text readable without zooming): the
branch and period in a red band, the window's dates under it, a table with a header row and zebra
rows, the period's stars and how to object under the table, and ``第 n/m 页`` when a branch is paged
(``ROWS_PER_PAGE`` members a page). Every page stands alone (forwarded, printed for the village board).
What the board may show (which columns, in which order) is decided by the caller.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.i18n import t
from bot.reports.fonts import Font

#: The page width in pixels (at least 1080: a phone's full width).
WIDTH = 1080
ROWS_PER_PAGE = 25
MARGIN = 48
ROW_HEIGHT = 72
CELL_PAD = 20

RED = (196, 22, 28)
GOLD = (255, 222, 140)
INK = (34, 34, 34)
GREY = (96, 96, 96)
PAPER = (255, 253, 248)
HEADER = (251, 231, 226)
ZEBRA = (248, 243, 234)
LINE = (225, 212, 200)

TITLE_SIZE, SUBTITLE_SIZE, CELL_SIZE, NOTE_SIZE = 52, 32, 36, 30


@dataclass(frozen=True, slots=True)
class Board:
    """What one board shows: its texts and its table (``rows`` in the order shown, cells as text)."""

    title: str
    subtitle: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Lines under the table in the title's colour (the period's stars).
    highlights: tuple[str, ...] = ()
    #: Smaller lines at the bottom (the window, how to object).
    notes: tuple[str, ...] = ()


@cache
def _font(font: Font, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font.path), size, index=font.index)


def _width(face: ImageFont.FreeTypeFont, text: str) -> int:
    return int(face.getlength(text))


def wrap(face: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` (Chinese breaks between any two characters)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and _width(face, line + char) > width:
                lines.append(line)
                line = char.lstrip()
            else:
                line += char
        lines.append(line)
    return lines


def _column_widths(board: Board, face: ImageFont.FreeTypeFont) -> list[int]:
    """Each column as wide as its widest cell; the room left is shared out evenly."""
    natural = [
        max([_width(face, board.columns[i])] + [_width(face, row[i]) for row in board.rows]) + 2 * CELL_PAD
        for i in range(len(board.columns))
    ]
    room = WIDTH - 2 * MARGIN - sum(natural)
    if room < 0:  # too wide: every column gives up room in proportion
        return [int(w * (WIDTH - 2 * MARGIN) / sum(natural)) for w in natural]
    return [w + room // len(natural) for w in natural]


def pages(board: Board, font: Font, rows_per_page: int = ROWS_PER_PAGE) -> list[bytes]:
    """The board as PNG pages of at most ``rows_per_page`` members each (one page if it has none)."""
    chunks = [board.rows[i : i + rows_per_page] for i in range(0, len(board.rows), rows_per_page)] or [()]
    widths = _column_widths(board, _font(font, CELL_SIZE))
    return [_page(board, chunk, widths, font, n + 1, len(chunks)) for n, chunk in enumerate(chunks)]


def _page(
    board: Board, rows: tuple[tuple[str, ...], ...], widths: list[int], font: Font, page: int, count: int
) -> bytes:
    title, subtitle = _font(font, TITLE_SIZE), _font(font, SUBTITLE_SIZE)
    cell, note = _font(font, CELL_SIZE), _font(font, NOTE_SIZE)
    inner = WIDTH - 2 * MARGIN
    title_lines = wrap(title, board.title, inner)
    highlight_lines = [line for text in board.highlights for line in wrap(cell, text, inner)]
    note_lines = [line for text in board.notes for line in wrap(note, text, inner)]
    if count > 1:
        note_lines.append(t("board.page", page=page, pages=count))
    band = MARGIN + len(title_lines) * 68 + 60 + MARGIN
    table = ROW_HEIGHT * (len(rows) + 1)
    below = (len(highlight_lines) * 54 + 24 if highlight_lines else 0) + len(note_lines) * 46
    height = band + MARGIN // 2 + table + 32 + below + MARGIN

    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, band), fill=RED)
    y = MARGIN
    for line in title_lines:
        draw.text((WIDTH // 2, y), line, font=title, fill=(255, 255, 255), anchor="mt", stroke_width=1,
                  stroke_fill=(255, 255, 255))  # fmt: skip
        y += 68
    draw.text((WIDTH // 2, y + 12), board.subtitle, font=subtitle, fill=GOLD, anchor="mt")

    y = band + MARGIN // 2
    _row(draw, board.columns, widths, y, cell, HEADER, RED)
    for n, row in enumerate(rows):
        y += ROW_HEIGHT
        _row(draw, row, widths, y, cell, ZEBRA if n % 2 else PAPER, INK)
    y += ROW_HEIGHT
    draw.rectangle((MARGIN, band + MARGIN // 2, WIDTH - MARGIN, y), outline=LINE, width=2)

    y += 32
    for line in highlight_lines:
        draw.text((MARGIN, y), line, font=cell, fill=RED)
        y += 54
    y += 24 if highlight_lines else 0
    for line in note_lines:
        draw.text((MARGIN, y), line, font=note, fill=GREY)
        y += 46
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
    return out.getvalue()


def _row(
    draw: ImageDraw.ImageDraw,
    cells: tuple[str, ...],
    widths: list[int],
    y: int,
    face: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
    ink: tuple[int, int, int],
) -> None:
    draw.rectangle((MARGIN, y, WIDTH - MARGIN, y + ROW_HEIGHT), fill=fill)
    draw.line((MARGIN, y + ROW_HEIGHT, WIDTH - MARGIN, y + ROW_HEIGHT), fill=LINE, width=1)
    x = MARGIN
    for text, width in zip(cells, widths, strict=True):
        draw.text((x + width // 2, y + ROW_HEIGHT // 2), text, font=face, fill=ink, anchor="mm")
        x += width
