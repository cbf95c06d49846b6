"""Configuration: one TOML file validated by pydantic models.

The path comes from ``--config`` or ``PARTYBOT_CONFIG`` (default ``config.toml``); a
missing file means the defaults (SQLite beside the working directory, console only).
Any value can be overridden by an environment variable ``PARTYBOT_<SECTION>__<KEY>``,
e.g. ``PARTYBOT_TELEGRAM__TOKEN``. A broken file stops start-up with the file, the key
and the line.

Each secret (``SECRETS``) may instead be read from a file (``<key>_file = "/run/secrets/x"``) or
from a named environment variable (``<key>_env = "NAME"``), one source per secret; the database
password comes the same way (``[database] password_file`` / ``password_env``) into the URL.
Where each secret came from is kept (``Config.sources``) to be shown, never its value.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from bot.i18n import t
from bot.reports.fonts import font_file
from bot.scoring.tomlsource import TomlError, TomlProblem, locate, parse, problems_from_validation
from bot.storage.timeutil import zone_named

ENV_PATH = "PARTYBOT_CONFIG"
ENV_PREFIX = "PARTYBOT_"
DEFAULT_PATH = "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BotSection(_Section):
    locale: Literal["zh-CN", "en"] = "zh-CN"
    #: The display time zone (IANA name): today, periods and every time shown to people.
    timezone: str = "Asia/Shanghai"
    #: The scheme a new branch gets when none is named (``partybot branch add`` without ``--scheme``).
    default_scheme: str = "twelve-point"
    #: Folders searched in order for ``<spec>.toml`` when a branch's scheme is neither a preset
    #: nor an existing file path.
    scheme_dirs: list[Path] = Field(default_factory=list)
    #: The log of the run commands: ``text`` (one readable line per event) or ``json`` (one JSON
    #: object per line, for a log collector); ``--log-format`` overrides it.
    log_format: Literal["text", "json"] = "text"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone_named(value)
        except ValueError:
            raise ValueError(t("config.bad_timezone", zone=value)) from None
        if value not in _zones():  # a file under zoneinfo that is no zone ("localtime", "posixrules")
            raise ValueError(t("config.bad_timezone", zone=value))
        return value


@cache
def _zones() -> frozenset[str]:
    """IANA zone names (not the system's ``localtime`` file nor tzdata's placeholder ``Factory``)."""
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules", "posix/Factory"}


class DatabaseSection(_Section):
    url: str = "sqlite+aiosqlite:///partybot.db"
    echo: bool = False
    #: Bring the schema to head when a run command starts. Replicas set it to false: ``partybot db
    #: upgrade`` runs once, before they serve, and a replica refuses a database behind the code.
    migrate: bool = True


class TelegramSection(_Section):
    token: SecretStr = SecretStr("")
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    secret_token: SecretStr = SecretStr("")
    base_url: str = ""
    base_file_url: str = ""


class WecomSection(_Section):
    """WeCom's intelligent robot (企业微信智能机器人)."""

    #: ``long_connection`` (WebSocket out to WeCom: no public address) or ``callback`` (WeCom posts
    #: to ``[server]``'s address + ``callback_path``: several replicas behind a load balancer).
    mode: Literal["long_connection", "callback"] = "long_connection"
    #: The corp id (企业ID): accounts and chats are stored under it, so two corps never collide.
    corp_id: str = ""
    #: Long connection: the robot's Bot ID and Secret (admin console, API mode, long connection).
    bot_id: str = ""
    secret: SecretStr = SecretStr("")
    url: str = "wss://openws.work.weixin.qq.com"
    heartbeat: float = Field(default=30.0, gt=0)
    #: Callback URL: the Token and EncodingAESKey set in the console, and the path of the URL.
    token: SecretStr = SecretStr("")
    encoding_aes_key: SecretStr = SecretStr("")
    callback_path: str = "/wecom"


class MediaSection(_Section):
    #: Where evidence photos are kept, by content (sha256); relative to the working directory.
    dir: Path = Path("media")


class ServerSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    #: This process's name in the outbox: the rows it writes it sends itself, and after a restart
    #: under the same name it sends at once what it left unsent. Empty: the host name.
    instance: str = ""


class CalendarSection(_Section):
    #: Official holidays for the years past the holiday package's data (working days are then
    #: weekdays less these), e.g. ``["2027-01-01", "2027-02-08"]``.
    holidays: list[date] = Field(default_factory=list)


class ReportsSection(_Section):
    #: The font of the publicity board pictures: a font file (``/usr/share/fonts/.../x.ttc``, a face of a
    #: collection as ``x.ttc:2``) or a fontconfig family (``Noto Sans CJK SC``). Empty: the system's font
    #: for Chinese (``fc-match :lang=zh-cn``); with none the board is sent as text (one warning in the log).
    font: str = ""

    @field_validator("font")
    @classmethod
    def _font_file_exists(cls, value: str) -> str:
        """A path (it has a ``/``) must name a file; a family name is looked up when the board is drawn."""
        value = value.strip()
        if "/" in value and font_file(value) is None:
            raise ValueError(t("board.bad_font", font=value))
        return value


class PassbookGoodsEntry(_Section):
    """One goods of a branch's red passbook catalog (红色存折), loaded when the bot starts and by
    ``partybot passbook catalog load``."""

    branch: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    points: float = Field(gt=0)
    #: The goods' value in yuan: at most the scheme's ``yuan_per_point_max`` a point (checked at load).
    yuan: float = Field(ge=0)
    #: The stock when first loaded; after that the database's (``partybot passbook catalog set``).
    stock: int = Field(default=0, ge=0)


class PassbookSection(_Section):
    goods: list[PassbookGoodsEntry] = Field(default_factory=list)


class Config(_Section):
    bot: BotSection = Field(default_factory=BotSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    telegram: TelegramSection = Field(default_factory=TelegramSection)
    wecom: WecomSection = Field(default_factory=WecomSection)
    server: ServerSection = Field(default_factory=ServerSection)
    media: MediaSection = Field(default_factory=MediaSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    reports: ReportsSection = Field(default_factory=ReportsSection)
    passbook: PassbookSection = Field(default_factory=PassbookSection)
    #: Where each secret that is set came from, by ``section.key`` (see ``SecretSource``).
    _sources: dict[str, SecretSource] = PrivateAttr(default_factory=dict)

    @property
    def sources(self) -> dict[str, SecretSource]:
        return self._sources

    def secret_values(self) -> list[str]:
        """Every secret's value that is set (to be kept out of the logs)."""
        values = [
            getattr(getattr(self, s), k).get_secret_value() for s, keys in SECRETS.items() for k in keys
        ]
        values.append(_password(self.database.url))
        return [v for v in values if v]


#: The secrets by section: each may be written inline, or come from ``<key>_file`` or ``<key>_env``.
SECRETS = {"telegram": ("token", "secret_token"), "wecom": ("secret", "token", "encoding_aes_key")}
#: ``[database]``: the password of ``url`` may come from ``password_file`` or ``password_env``.
PASSWORD = ("database", "password")


@dataclass(frozen=True)
class SecretSource:
    """Where a secret came from: ``kind`` is ``file``, ``env`` (named by ``<key>_env`` or an
    override ``PARTYBOT_...``) or ``config`` (written in the file); ``name`` the path or variable."""

    kind: Literal["file", "env", "config"]
    name: str = ""


def _password(url: str) -> str:
    try:
        return make_url(url).password or ""
    except ArgumentError:
        return ""


class _Secrets:
    """Resolves ``<key>_file`` and ``<key>_env`` in the parsed data before validation."""

    def __init__(self, text: str, source: Path, env: dict[str, str]) -> None:
        self.positions, self.source, self.env = locate(text), source, env
        self.overrides = _env_names(env)
        self.problems: list[TomlProblem] = []
        self.found: dict[str, SecretSource] = {}

    def resolve(self, data: dict[str, Any]) -> None:
        for section, keys in SECRETS.items():
            for key in keys:
                table = data.get(section)
                if isinstance(table, dict):
                    value = self._one(table, section, key, bool(table.get(key)))
                    if value is not None:
                        table[key] = value
                var = self.overrides.get(f"{section}.{key}")
                if var is not None:
                    self.found[f"{section}.{key}"] = SecretSource("env", var)
        database = data.get("database")
        if isinstance(database, dict):
            password = self._one(database, *PASSWORD, False)
            url = database.get("url", DatabaseSection().url)
            if password is not None and isinstance(url, str):
                with suppress(ArgumentError):  # a broken url is reported by validation
                    database["url"] = (
                        make_url(url).set(password=password).render_as_string(hide_password=False)
                    )
        if self.problems:
            raise TomlError(self.problems)

    def _one(self, table: dict[str, Any], section: str, key: str, inline: bool) -> str | None:
        """The secret from ``<key>_file`` or ``<key>_env`` (removed from ``table``), or None."""
        file, var = table.pop(f"{key}_file", None), table.pop(f"{key}_env", None)
        given = [k for k, v in ((key, inline), (f"{key}_file", file), (f"{key}_env", var)) if v]
        if len(given) > 1:
            self._problem(section, given[1], t("ops.secret_twice", keys=" / ".join(given)))
            return None
        if inline and f"{section}.{key}" not in self.overrides:
            self.found[f"{section}.{key}"] = SecretSource("config")
        if file is not None:
            return self._file(section, key, file)
        if var is not None:
            return self._env(section, key, var)
        return None

    def _file(self, section: str, key: str, name: object) -> str | None:
        if not isinstance(name, str) or not name:
            self._problem(section, f"{key}_file", t("ops.secret_not_text"))
            return None
        path = Path(name) if Path(name).is_absolute() else self.source.parent / name
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            self._problem(section, f"{key}_file", t("ops.secret_file_missing", path=path))
            return None
        if not value:
            self._problem(section, f"{key}_file", t("ops.secret_file_empty", path=path))
            return None
        self.found[f"{section}.{key}"] = SecretSource("file", str(path.absolute()))
        return value

    def _env(self, section: str, key: str, name: object) -> str | None:
        if not isinstance(name, str) or not name:
            self._problem(section, f"{key}_env", t("ops.secret_not_text"))
            return None
        value = self.env.get(name, "").strip()
        if not value:
            self._problem(section, f"{key}_env", t("ops.secret_env_missing", var=name))
            return None
        self.found[f"{section}.{key}"] = SecretSource("env", name)
        return value

    def _problem(self, section: str, key: str, message: str) -> None:
        """Note a problem at the key's line (or at the environment variable it came from)."""
        var = self.overrides.get(f"{section}.{key}")
        if var is not None:
            where = TomlProblem(t("newuser.env_var", var=var), "", None, message)
        else:
            line = self.positions.get((section, key))
            where = TomlProblem(str(self.source), f"{section}.{key}", line, message)
        self.problems.append(where)


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        out.setdefault(section, {})[key] = value
    return out


def _env_names(environ: dict[str, str]) -> dict[str, str]:
    """The variable each overridden key came from: ``server.port`` → ``PARTYBOT_SERVER__PORT``."""
    names = {}
    for name in environ:
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            names[f"{section}.{key}"] = name
    return names


def _blame_env(problems: list[TomlProblem], names: dict[str, str]) -> list[TomlProblem]:
    """A value that came from the environment is blamed on its variable, not on a line of the file."""
    blamed = []
    for problem in problems:
        var = next((v for k, v in names.items() if k == problem.key or k.startswith(problem.key + ".")), None)
        blamed.append(
            problem if var is None else TomlProblem(t("newuser.env_var", var=var), "", None, problem.message)
        )
    return blamed


_FULL_WIDTH = re.compile(r"=\s*[“”‘’]")


def _quotes_hint(error: TomlError, text: str, source: str) -> TomlError:
    """A syntax error on a value in Chinese quotes (“...”) gets a hint to use ASCII quotes."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if _FULL_WIDTH.search(line)]
    if not lines:
        return error
    hints = [TomlProblem(source, "", n, t("newuser.quotes_hint", line=n)) for n in lines]
    return TomlError([*error.problems, *hints])


def config_path(cli_path: str | None = None, environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(cli_path or env.get(ENV_PATH) or DEFAULT_PATH)


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load the config file (missing means defaults) plus environment overrides.

    Raises TomlError naming the file, key and line on a syntax or validation error.
    An explicitly named file that does not exist is an error too.
    """
    env = dict(os.environ if environ is None else environ)
    explicit = path is not None or ENV_PATH in env
    file = config_path(str(path) if path is not None else None, env)
    text = ""
    if file.is_file():
        text = file.read_text(encoding="utf-8")
    elif explicit:
        raise TomlError([TomlProblem(str(file), "", None, t("config.missing", path=file))])
    try:
        data = parse(text, str(file)) if text else {}
    except TomlError as exc:
        raise _quotes_hint(exc, text, str(file)) from exc
    for section, values in _env_overrides(env).items():
        if isinstance(data.get(section), dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    secrets = _Secrets(text, file, env)
    secrets.resolve(data)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc.errors(), text, str(file))
        raise TomlError(_blame_env(problems, _env_names(env))) from exc
    config._sources.update(secrets.found)
    if _password(config.database.url) and "database.password" not in secrets.found:
        url_var = _env_names(env).get("database.url")
        config._sources["database.password"] = (
            SecretSource("env", url_var) if url_var else SecretSource("config")
        )
    return config
