"""Scheme specs that name a file in the scheme folders (``[bot] scheme_dirs``)."""

from __future__ import annotations

import os

import pytest

from bot.scoring.loader import load_scheme, scheme_path
from bot.scoring.tomlsource import TomlError
from bot.services.common import SchemeCache

VILLAGE = 'extends = "twelve-point"\nid = "village"\nname = "{name}"\n'


def folders(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    return first, second


def test_a_name_is_looked_up_in_each_folder_in_order(tmp_path):
    first, second = folders(tmp_path)
    (second / "village.toml").write_text(VILLAGE.format(name="第二"), encoding="utf-8")
    assert load_scheme("village", [first, second]).name == "第二"
    (first / "village.toml").write_text(VILLAGE.format(name="第一"), encoding="utf-8")
    assert load_scheme("village", [first, second]).name == "第一"
    assert load_scheme("village.toml", [second]).name == "第二"
    assert load_scheme("twelve-point", [first]).id == "twelve-point"  # a preset wins


def test_an_existing_path_is_taken_as_it_is(tmp_path):
    first, _ = folders(tmp_path)
    path = tmp_path / "own.toml"
    path.write_text(VILLAGE.format(name="自己的"), encoding="utf-8")
    assert load_scheme(str(path), [first]).name == "自己的"


def test_only_plain_names_are_looked_up_in_the_folders(tmp_path):
    first, second = folders(tmp_path)
    (first / "village.toml").write_text(VILLAGE.format(name="x"), encoding="utf-8")
    assert scheme_path("../a/village", [second]) is None
    assert scheme_path("", [first]) is None


def test_an_unknown_name_says_where_it_was_looked_for(tmp_path):
    first, _ = folders(tmp_path)
    (first / "town.toml").write_text(VILLAGE.format(name="x"), encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_scheme("village", [first])
    message = str(exc.value)
    assert "没有名为 “village” 的积分方案" in message and str(first) in message
    assert "town" in message and "twelve-point" in message
    with pytest.raises(TomlError) as exc:
        load_scheme("village")
    assert "方案目录" not in str(exc.value)


def test_the_cache_finds_folder_schemes_and_reloads_a_changed_file(tmp_path):
    first, _ = folders(tmp_path)
    path = first / "village.toml"
    path.write_text(VILLAGE.format(name="旧"), encoding="utf-8")
    cache = SchemeCache(dirs=[first])
    assert cache("village").name == "旧"
    assert cache("village") is cache("village")
    path.write_text(VILLAGE.format(name="新的名字"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache("village").name == "新的名字"
    with pytest.raises(TomlError):
        SchemeCache()("village")  # without the folders the name means nothing
