"""Secrets from files and variables, and ``partybot config check``: what is set, what is missing."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import SecretSource, load_config
from bot.i18n import set_locale
from bot.scoring.tomlsource import TomlError

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeCom makes them
TOKEN = "123456:telegram-secret-token-value"


@pytest.fixture(autouse=True)
def _zh() -> None:
    set_locale("zh-CN")


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_secret_from_a_file_and_one_from_a_variable(tmp_path):
    (tmp_path / "tg").write_text(TOKEN + "\n", encoding="utf-8")
    path = write(
        tmp_path, f'[telegram]\ntoken_file = "{tmp_path / "tg"}"\n\n[wecom]\nencoding_aes_key_env = "AES"\n'
    )
    config = load_config(path, {"AES": AES})
    assert config.telegram.token.get_secret_value() == TOKEN  # the trailing newline is not part of it
    assert config.wecom.encoding_aes_key.get_secret_value() == AES
    assert config.sources["telegram.token"] == SecretSource("file", str(tmp_path / "tg"))
    assert config.sources["wecom.encoding_aes_key"] == SecretSource("env", "AES")
    assert set(config.secret_values()) == {TOKEN, AES}


def test_a_relative_secret_file_is_beside_the_config(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "wecom").write_text("s3cret-value", encoding="utf-8")
    path = write(tmp_path, '[wecom]\nsecret_file = "secrets/wecom"\n')
    assert load_config(path, {}).wecom.secret.get_secret_value() == "s3cret-value"


def test_the_database_password_goes_into_the_url(tmp_path):
    (tmp_path / "pw").write_text("p@ss:word/1", encoding="utf-8")
    url = "postgresql+asyncpg://partybot@db:5432/partybot"
    path = write(tmp_path, f'[database]\nurl = "{url}"\npassword_file = "{tmp_path / "pw"}"\n')
    config = load_config(path, {})
    from sqlalchemy import make_url

    assert make_url(config.database.url).password == "p@ss:word/1"
    assert "p@ss:word/1" in config.secret_values()
    assert config.sources["database.password"].kind == "file"


def test_a_missing_file_is_named_with_its_key_and_line(tmp_path):
    path = write(
        tmp_path,
        '[bot]\nlocale = "zh-CN"\n\n[telegram]\nmode = "polling"\ntoken_file = "/run/secrets/nope"\n',
    )
    with pytest.raises(TomlError) as exc:
        load_config(path, {})
    [problem] = exc.value.problems
    assert (problem.key, problem.line, problem.source) == ("telegram.token_file", 6, str(path))
    assert "/run/secrets/nope" in problem.message and "读不到密钥文件" in problem.message


def test_a_missing_variable_and_an_empty_file_are_both_reported(tmp_path):
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    path = write(tmp_path, f'[wecom]\nsecret_env = "WECOM_SECRET"\ntoken_file = "{tmp_path / "empty"}"\n')
    with pytest.raises(TomlError) as exc:
        load_config(path, {"WECOM_SECRET": "  "})
    found = {(p.key, p.line) for p in exc.value.problems}
    assert found == {("wecom.secret_env", 2), ("wecom.token_file", 3)}
    assert "WECOM_SECRET" in str(exc.value) and "是空的" in str(exc.value)


def test_two_sources_for_one_secret_are_refused(tmp_path):
    path = write(tmp_path, '[telegram]\ntoken = "abc"\ntoken_env = "TG"\n')
    with pytest.raises(TomlError) as exc:
        load_config(path, {"TG": "x"})
    [problem] = exc.value.problems
    assert problem.key == "telegram.token_env" and "token / token_env" in problem.message


def test_an_override_names_its_variable(tmp_path):
    config = load_config(write(tmp_path, ""), {"PARTYBOT_TELEGRAM__TOKEN": TOKEN})
    assert config.sources["telegram.token"] == SecretSource("env", "PARTYBOT_TELEGRAM__TOKEN")


def check(tmp_path, capsys, text: str, *extra: str, env: dict[str, str] | None = None, monkeypatch=None):
    path = write(tmp_path, text)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    status = main(["--config", str(path), "config", "check", *extra])
    return status, capsys.readouterr()


def test_check_says_where_each_secret_came_from_and_never_its_value(tmp_path, capsys, monkeypatch):
    (tmp_path / "tg").write_text(TOKEN, encoding="utf-8")
    text = (
        f'[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.cn/telegram"\ntoken_file = "{tmp_path / "tg"}"\n'
        'secret_token_env = "TG_WEBHOOK"\n\n[wecom]\nmode = "callback"\ncorp_id = "ww1"\ntoken = "wecom-token-1"\n'
        'encoding_aes_key_env = "AES"\n\n[database]\nurl = "postgresql+asyncpg://bot:dbpass99@db/partybot"\n'
    )
    status, out = check(
        tmp_path, capsys, text, env={"TG_WEBHOOK": "hook-secret-42", "AES": AES}, monkeypatch=monkeypatch
    )
    assert status == 0, out
    assert f"token: 已设置 (来自 文件 {tmp_path / 'tg'})" in out.out
    assert "secret_token: 已设置 (来自 环境变量 TG_WEBHOOK)" in out.out
    assert "encoding_aes_key: 已设置 (来自 环境变量 AES)" in out.out
    assert "token: 已设置 (来自 配置文件)" in out.out
    assert 'url = "postgresql+asyncpg://bot:***@db/partybot"' in out.out
    assert "✓ telegram 可以启动" in out.out and "✓ wecom 可以启动" in out.out
    for secret in (TOKEN, "hook-secret-42", AES, "wecom-token-1", "dbpass99"):
        assert secret not in out.out + out.err


def test_check_lists_what_the_chosen_channels_lack(tmp_path, capsys):
    status, out = check(
        tmp_path, capsys, '[wecom]\nmode = "callback"\ncorp_id = "ww1"\n', "--channels", "telegram,wecom"
    )
    assert status == 2
    assert "✗ telegram 还缺:" in out.out and "✗ wecom 还缺:" in out.out
    assert "token、encoding_aes_key 和 callback_path" in out.out  # the wecom command's own words
    assert "secret_token: 未设置" in out.out


def test_check_without_any_channel_says_what_to_fill_in(tmp_path, capsys):
    status, out = check(tmp_path, capsys, '[bot]\nlocale = "zh-CN"\n')
    assert status == 2 and "[telegram] token" in out.out and "--channels" in out.out


def test_check_of_a_broken_file_names_the_key_and_line(tmp_path, capsys):
    status, out = check(tmp_path, capsys, '[telegram]\ntoken_file = "/run/secrets/missing-token"\n')
    assert status == 1
    assert "第 2 行 [telegram.token_file]" in out.err and "/run/secrets/missing-token" in out.err


def test_an_unknown_channel_is_refused_in_chinese(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        check(tmp_path, capsys, "", "--channels", "qq")
    assert exc.value.code == 2
    assert "不认识的渠道 qq" in capsys.readouterr().err
