"""The font the publicity board is drawn in: one that has Chinese glyphs.

``[reports] font`` in the config names a font file (``.ttf``, ``.otf``, ``.ttc``; ``file.ttc:2`` picks
a face of a collection) or a fontconfig family (``Noto Sans CJK SC``). Without it, fontconfig's choice
for Chinese (``fc-match :lang=zh-cn``) is taken if it really covers Chinese, else the first font
``fc-list :lang=zh`` lists. With none the bot says so once in the log and sends the board as text.
Debian packages: ``fonts-noto-cjk`` or ``fonts-wqy-microhei``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

_configured = ""


@dataclass(frozen=True, slots=True)
class Font:
    """A font file and the face in it (a ``.ttc`` holds several)."""

    path: Path
    index: int = 0


def configure(font: str) -> None:
    """Use ``font`` (``[reports] font``; empty: the system's) from now on."""
    global _configured
    _configured = font.strip()


def board_font() -> Font | None:
    """The font for the board now (found once per setting), or None: the board is sent as text."""
    return find_font(_configured)


@cache
def find_font(configured: str = "") -> Font | None:
    """The font ``configured`` names, else the system's Chinese font; None (logged once) if none."""
    if configured:
        font = _named(configured)
        if font is not None:
            return font
        log.warning(
            "[reports] font = %r: no such font file or fontconfig family; trying the system's", configured
        )
    font = _system()
    if font is None:
        log.warning(
            "no font with Chinese glyphs found (fc-list :lang=zh lists none): the publicity board is sent as "
            "text only; install fonts-noto-cjk or fonts-wqy-microhei, or set [reports] font"
        )
    return font


def font_file(configured: str) -> Font | None:
    """The font file ``configured`` names (``x.ttc:2``: face 2 of it), if it is there."""
    path, _, index = configured.rpartition(":")
    if path and index.isdigit() and Path(path).is_file():
        return Font(Path(path), int(index))
    return Font(Path(configured)) if Path(configured).is_file() else None


def _named(configured: str) -> Font | None:
    if (named := font_file(configured)) is not None:
        return named
    found = _fc(["fc-match", "--format", "%{file}|%{index}|%{family}\n", configured])
    wanted = configured.casefold()
    for file, face, families in found:
        if any(f.strip().casefold() == wanted for f in families.split(",")):
            return Font(Path(file), face)
    return None


def _system() -> Font | None:
    covering = _fc(["fc-list", ":lang=zh", "--format", "%{file}|%{index}|%{family}\n"])
    files = {(file, face) for file, face, _ in covering}
    for file, face, _ in _fc(["fc-match", "--format", "%{file}|%{index}|%{family}\n", ":lang=zh-cn"]):
        if (file, face) in files:
            return Font(Path(file), face)
    proportional = sorted(covering, key=lambda f: ("mono" in f[2].casefold(), f[0], f[1]))
    return Font(Path(proportional[0][0]), proportional[0][1]) if proportional else None


def _fc(command: list[str]) -> list[tuple[str, int, str]]:
    """fontconfig's answer as (file, face index, families); empty without fontconfig."""
    if shutil.which(command[0]) is None:
        return []
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.splitlines():
        file, _, rest = line.partition("|")
        face, _, families = rest.partition("|")
        if file and Path(file).is_file():
            rows.append((file, int(face) if face.isdigit() else 0, families))
    return rows
