"""Configuration: defaults without a file, errors with key and line, environment overrides."""

from __future__ import annotations

import pytest

from bot.config import load_config
from bot.scoring.tomlsource import TomlError


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, {})
    assert config.database.url == "sqlite+aiosqlite:///partybot.db"
    assert config.bot.locale == "zh-CN" and config.bot.timezone == "Asia/Shanghai"
    assert config.bot.default_scheme == "twelve-point"
    assert config.telegram.token.get_secret_value() == ""
    assert config.server.port == 8080


def test_a_file_sets_values(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\nlocale = "en"\n\n[server]\nport = 9000\n', encoding="utf-8")
    config = load_config(path, {})
    assert (config.bot.locale, config.server.port) == ("en", 9000)


def test_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\nlocale = "en"\n[server\nport = 1\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    [problem] = exc.value.problems
    assert problem.line == 3 and problem.source == str(path)


def test_unknown_key_names_the_key_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\nlocale = "en"\n\n[database]\nurll = "sqlite://"\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    assert [(p.key, p.line) for p in exc.value.problems] == [("database.urll", 5)]


def test_wrong_type_names_the_key_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nhost = "0.0.0.0"\nport = "eighty"\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    assert [(p.key, p.line) for p in exc.value.problems] == [("server.port", 3)]


def test_out_of_range_value_names_the_key_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[server]\nport = 70000\n", encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    assert [(p.key, p.line) for p in exc.value.problems] == [("server.port", 2)]


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "sqlite+aiosqlite:///file.db"\necho = true\n', encoding="utf-8")
    config = load_config(path, {"PARTYBOT_DATABASE__URL": "postgresql+asyncpg://db/partybot"})
    assert config.database.url == "postgresql+asyncpg://db/partybot"
    assert config.database.echo is True


def test_environment_overrides_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(
        None, {"PARTYBOT_DATABASE__URL": "postgresql+asyncpg://db/x", "PARTYBOT_TELEGRAM__TOKEN": "123:abc"}
    )
    assert config.database.url == "postgresql+asyncpg://db/x"
    assert config.telegram.token.get_secret_value() == "123:abc"


def test_explicit_missing_file_is_an_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(TomlError) as exc:
        load_config(missing, {})
    assert str(missing) in str(exc.value)


def test_missing_file_named_by_the_environment_is_an_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(TomlError):
        load_config(None, {"PARTYBOT_CONFIG": str(missing)})


def test_scheme_settings_from_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[bot]\ndefault_scheme = "pioneer-index"\nscheme_dirs = ["schemes", "/srv/partybot"]\n',
        encoding="utf-8",
    )
    config = load_config(path, {})
    assert config.bot.default_scheme == "pioneer-index"
    assert [str(d) for d in config.bot.scheme_dirs] == ["schemes", "/srv/partybot"]


def test_a_known_time_zone_is_accepted(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\ntimezone = "Asia/Urumqi"\n', encoding="utf-8")
    assert load_config(path, {}).bot.timezone == "Asia/Urumqi"


def test_an_unknown_time_zone_names_the_key_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\nlocale = "zh-CN"\ntimezone = "Asia/Beijing"\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    [problem] = exc.value.problems
    assert (problem.key, problem.line) == ("bot.timezone", 3)
    assert (
        str(problem)
        == f"{path} 第 3 行 [bot.timezone]: 未知的时区 “Asia/Beijing”, 应为 IANA 时区名, 如 Asia/Shanghai"
    )


def test_an_unknown_time_zone_from_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TomlError) as exc:
        load_config(None, {"PARTYBOT_BOT__TIMEZONE": "Nowhere/City"})
    assert (
        str(exc.value)
        == "环境变量 PARTYBOT_BOT__TIMEZONE: 未知的时区 “Nowhere/City”, 应为 IANA 时区名, 如 Asia/Shanghai"
    )


def test_the_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    config = load_config(example, {})
    assert (config.bot.timezone, config.bot.default_scheme, config.bot.scheme_dirs) == (
        "Asia/Shanghai",
        "twelve-point",
        [],
    )


def test_a_wrong_environment_override_is_blamed_on_its_variable(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nhost = "0.0.0.0"\nport = 8080\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {"PARTYBOT_SERVER__PORT": "eighty", "PARTYBOT_TELEGRAM__MODE": "poll"})
    assert sorted(str(p) for p in exc.value.problems) == [
        "环境变量 PARTYBOT_SERVER__PORT: 应为整数",
        "环境变量 PARTYBOT_TELEGRAM__MODE: 取值应为 'polling' / 'webhook' 之一",
    ]
    assert all(p.line is None for p in exc.value.problems)  # not line 3 of the file


def test_chinese_quotes_get_a_hint_to_use_ascii_quotes(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[database]\nurl = “sqlite+aiosqlite:///partybot.db”\n", encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    syntax, hint = exc.value.problems
    assert syntax.line == 2 and syntax.message.startswith("TOML 格式错误 (第 7 列): 值写得不对")
    assert "Invalid" not in str(exc.value)
    assert (hint.line, hint.message) == (2, '这一行用了中文引号 “ ” 或 ‘ ’, 请改用英文双引号 "..."')


def test_a_quoted_text_with_chinese_quotes_inside_is_fine(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[bot]\ndefault_scheme = "“村”"\n', encoding="utf-8")
    assert load_config(path, {}).bot.default_scheme == "“村”"


@pytest.mark.parametrize("zone", ["localtime", "Factory", "Beijing", "UTC+8", "Asia/Beijing"])
def test_the_time_zone_must_be_a_real_iana_zone(tmp_path, zone):
    path = tmp_path / "config.toml"
    path.write_text(f'[bot]\ntimezone = "{zone}"\n', encoding="utf-8")
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    assert [str(p) for p in exc.value.problems] == [
        f"{path} 第 2 行 [bot.timezone]: 未知的时区 “{zone}”, 应为 IANA 时区名, 如 Asia/Shanghai"
    ]
