"""The publicity board pictures: Chinese drawn as real glyphs in the font found (compared with DejaVu
Sans, which has none: every Chinese character there is the same empty box), pages at least 1080 px
wide, a long branch paged; the columns follow the branch's publicity setting; the font is found in
the config or by fontconfig, and its absence is logged once."""

from __future__ import annotations

import io
import logging
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageFont

from bot.config import load_config
from bot.handlers.board import board_of, period_key, rendered
from bot.media import MediaStore
from bot.reports import fonts
from bot.reports.board import ROWS_PER_PAGE, WIDTH, Board, pages
from bot.reports.fonts import Font
from bot.scoring.tomlsource import TomlError
from bot.services.publicity import Window, period_of_key

CJK = fonts.find_font()
needs_font = pytest.mark.skipif(
    CJK is None, reason="no font with Chinese glyphs on this machine (apt-get install fonts-wqy-microhei)"
)


def _dejavu() -> Font:
    out = subprocess.run(["fc-match", "--format", "%{file}", "DejaVu Sans"], capture_output=True, text=True)
    path = Path(out.stdout.strip())
    if "DejaVuSans" not in path.name:
        pytest.skip("DejaVu Sans (fonts-dejavu-core) is not installed: nothing to compare with")
    return Font(path)


def board(names: list[str]) -> Board:
    rows = tuple((str(n), name, "12", "优秀") for n, name in enumerate(names, 1))
    return Board("第一党支部\n2026年第3季度积分公示", "公示期 2026-10-09 09:00 至 2026-10-19 24:00",
                 ("序号", "姓名", "本期得分", "等次"), rows, ("本季度之星: 张三",), ("对本人结果有异议的, 请私聊机器人",))  # fmt: skip


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


@needs_font
def test_chinese_is_drawn_in_real_glyphs() -> None:
    assert CJK is not None
    dejavu = _dejavu()
    text = "党支部公示栏张三李四优秀"
    cjk_face = ImageFont.truetype(str(CJK.path), 48, index=CJK.index)
    boxes = ImageFont.truetype(str(dejavu.path), 48)
    cjk_masks = {bytes(cjk_face.getmask(c)) for c in text}
    box_masks = {bytes(boxes.getmask(c)) for c in text}
    assert len(box_masks) == 1  # without CJK coverage every character is the same box
    assert len(cjk_masks) == len(text)  # with the font chosen each character is its own glyph
    assert not cjk_masks & box_masks
    # on the board itself: one name changed changes the picture, as it cannot in a font without the glyphs
    assert pages(board(["张三"]), dejavu) == pages(board(["李四"]), dejavu)
    one, other = image(pages(board(["张三"]), CJK)[0]), image(pages(board(["李四"]), CJK)[0])
    assert ImageChops.difference(one.convert("RGB"), other.convert("RGB")).getbbox() is not None


@needs_font
def test_pages_are_phone_wide_and_a_long_branch_is_paged() -> None:
    assert CJK is not None
    names = [f"党员{n}" for n in range(60)]
    drawn = pages(board(names), CJK)
    assert len(drawn) == 3 == -(-60 // ROWS_PER_PAGE)
    for png in drawn:
        picture = image(png)
        assert picture.format == "PNG" and picture.width >= 1080 == WIDTH and picture.height > picture.width
    assert len(pages(board(names[:5]), CJK)) == 1
    assert len(pages(board([]), CJK)) == 1  # no one scored: still a board


def member(n: int, name: str, **fields: Any) -> dict[str, Any]:
    return {"id": n, "name": name, "score": 12, "ytd": 30, "grade": "合格", "stars": None, "rank": None,
            "exempt": False, **fields}  # fmt: skip


def window(show: str, ranks: bool = False, kind: str = "2026-Q3", **report: Any) -> Window:
    members = [member(1, "王书记", score=10, rank=2), member(2, "张三", score=14, rank=1),
               member(3, "李四", exempt=True, grade=None)]  # fmt: skip
    opened, closes = datetime(2026, 10, 9, 1, tzinfo=UTC), datetime(2026, 10, 19, 16, tzinfo=UTC)
    return Window(
        1, 1, period_of_key(kind), opened, closes, {"members": members, **report}, None, show, ranks
    )


def test_grades_show_no_score_and_keep_the_roster_order() -> None:
    shown = board_of(window("grades", ranks=True, stars_of_period=["张三"]), "第一党支部", full=False)
    assert shown.columns == ("序号", "姓名", "等次")
    assert shown.rows == (("1", "王书记", "合格"), ("2", "张三", "合格"), ("3", "李四", "免于积分"))
    assert shown.highlights == ("本季度之星: 张三",)
    assert "2026-10-20 24:00" not in shown.notes[0] and "2026-10-19 24:00" in shown.notes[0]


def test_scores_with_ranks_on_are_in_rank_order() -> None:
    shown = board_of(window("scores", ranks=True), "第一党支部", full=False)
    assert shown.columns == ("名次", "姓名", "本期得分", "年度累计", "等次")
    assert [r[:3] for r in shown.rows] == [("1", "张三", "14"), ("2", "王书记", "10"), ("3", "李四", "—")]
    unranked = board_of(window("scores"), "第一党支部", full=False)
    assert unranked.columns[0] == "序号" and [r[1] for r in unranked.rows] == ["王书记", "张三", "李四"]


def test_the_full_board_has_scores_and_ranks_only_where_the_branch_ranks() -> None:
    full = board_of(window("notice", kind="2026", stars_of_period=["张三"]), "第一党支部", full=True)
    assert full.columns == ("序号", "姓名", "年度得分", "等次")
    assert full.highlights == ("年度之星: 张三",) and full.title == "第一党支部\n2026年度积分公示"


def test_stars_replace_grades_where_the_scheme_gives_stars() -> None:
    w = window("grades")
    starred = Window(*(getattr(w, f) for f in ("id", "branch_id", "period", "opens_at", "closes_at")),
                     {"members": [member(1, "张三", grade=None, stars=8)]}, None, "grades", False)  # fmt: skip
    assert board_of(starred, "第一党支部", full=False).rows == (("1", "张三", "8 星"),)
    assert board_of(starred, "第一党支部", full=False).columns[-1] == "星级"


# -- the font --------------------------------------------------------------------------------


@pytest.fixture
def fresh() -> Any:
    fonts.find_font.cache_clear()
    yield
    fonts.find_font.cache_clear()


def test_a_configured_font_file_is_used(fresh: None, tmp_path: Path) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"not read here")
    assert fonts.find_font(str(font)) == Font(font)
    assert fonts.find_font(f"{font}:2") == Font(font, 2)


def test_no_font_is_said_once_in_the_log(
    fresh: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "_fc", lambda _command: [])  # no fontconfig answer at all
    fonts.configure("/nowhere/font.ttc")
    try:
        with caplog.at_level(logging.WARNING, logger="bot.reports.fonts"):
            assert fonts.board_font() is None and fonts.board_font() is None
    finally:
        fonts.configure("")
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2  # the configured font is not there; no system font either: once each
    assert "/nowhere/font.ttc" in said[0] and "fonts-noto-cjk or fonts-wqy-microhei" in said[1]


def test_fontconfig_choice_must_cover_chinese(
    fresh: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    latin, hei, mono = (tmp_path / n for n in ("DejaVuSans.ttf", "hei.ttc", "hei-mono.ttc"))
    answers = {
        "fc-list": [(str(mono), 1, "Hei Mono"), (str(hei), 0, "Hei")],
        "fc-match": [(str(latin), 0, "DejaVu Sans")],  # fontconfig's fallback when nothing fits
    }
    monkeypatch.setattr(fonts, "_fc", lambda command: answers[command[0]])
    assert fonts.find_font() == Font(hei)  # not DejaVu; the proportional face before the mono one


def test_a_score_board_leaves_out_a_grade_column_with_nothing_in_it() -> None:
    w = window("scores")
    ungraded = Window(*(getattr(w, f) for f in ("id", "branch_id", "period", "opens_at", "closes_at")),
                      {"members": [member(1, "张三", grade=None)]}, None, "scores", False)  # fmt: skip
    assert board_of(ungraded, "第一党支部", full=False).columns == ("序号", "姓名", "本期得分", "年度累计")
    grades = Window(*(getattr(ungraded, f) for f in ("id", "branch_id", "period", "opens_at", "closes_at", "report")),
                    None, "grades", False)  # fmt: skip
    assert board_of(grades, "第一党支部", full=False).rows == (
        ("1", "张三", "待评定"),
    )  # grades: said, not hidden


@pytest.mark.parametrize(
    ("typed", "key"),
    [("11月", "2026-11"), ("12月", "2025-12"), ("2025年3月", "2025-03"), ("第三季度", "2026-Q3"), ("第四季度", "2026-Q4"),
     ("2026年第1季度", "2026-Q1"), ("上半年", "2026-H1"), ("下半年", "2026-H2"), ("2025年", "2025"),
     ("2025年度", "2025"), ("上月", "2026-10"), ("上季度", "2026-Q3"), ("去年", "2025"), ("2026-Q3", "2026-Q3")],
)  # fmt: skip
def test_the_periods_people_type(typed: str, key: str) -> None:
    assert period_key(typed, date(2026, 11, 20)) == key  # without a year: the last one so named that began


def test_what_names_no_period_is_left_to_the_service_to_refuse() -> None:
    for typed in ("三月份的", "13月", "abc"):
        with pytest.raises(ValueError):
            period_of_key(period_key(typed, date(2026, 11, 20)))


@needs_font
def test_a_long_branch_is_sent_as_numbered_pages_kept_in_the_media_store(tmp_path: Path) -> None:
    w = window("grades")
    members = [member(n, f"党员{n}") for n in range(60)]
    big = Window(*(getattr(w, f) for f in ("id", "branch_id", "period", "opens_at", "closes_at")),
                 {"members": members}, None, "grades", False)  # fmt: skip
    store = MediaStore(tmp_path)
    drawn = rendered(board_of(big, "第一党支部", full=False), big, store, full=False)
    assert [p.file.name for p in drawn] == [
        "公示栏-2026-Q3-1.png",
        "公示栏-2026-Q3-2.png",
        "公示栏-2026-Q3-3.png",
    ]
    assert [p.caption for p in drawn][-1] == "2026年第3季度积分公示栏 (第 3/3 页)"
    for page in drawn:
        data = store.read(page.file.sha256)
        assert data is not None and image(data).width >= 1080 and page.file.mime == "image/png"
    assert rendered(board_of(big, "第一党支部", full=False), big, None, full=False) == []  # no store: text


def test_a_font_path_that_is_no_file_names_the_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[media]\ndir = "media"\n\n[reports]\nfont = "/usr/share/fonts/none.ttc"\n', encoding="utf-8"
    )
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    assert [(p.key, p.line) for p in exc.value.problems] == [("reports.font", 5)]
    assert "没有字体文件 “/usr/share/fonts/none.ttc”" in str(exc.value)
    font = tmp_path / "hei.ttc"
    font.write_bytes(b"")
    for named in (str(font), f"{font}:1", "Noto Sans CJK SC", ""):
        path.write_text(f'[reports]\nfont = "{named}"\n', encoding="utf-8")
        assert load_config(path, {}).reports.font == named
