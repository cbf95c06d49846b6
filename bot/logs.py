"""What the bot is doing, for its operator: one line per event, as text or as JSON.

``configure`` sets up the root logger of a run command (``--log-format`` or ``[bot] log_format``).
Every line carries what is known of the update being handled: the router opens a ``scope`` per
update (platform, update id) and ``bind`` adds the branch and member once they are known; a
``contextvars`` variable keeps them apart between concurrent updates. Every line is redacted
before it is written: the configured secrets' values, anything shaped like an EncodingAESKey
(43 letters and digits) and Chinese mobile numbers (11 digits starting with 1) never reach the log.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TextIO

from bot.i18n import t

if TYPE_CHECKING:
    from bot.config import Config

LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")
#: The fields an update's lines carry, in this order.
FIELDS = ("platform", "update", "branch", "member")

_current: ContextVar[dict[str, Any] | None] = ContextVar("partybot_log_fields", default=None)

#: 11-digit Chinese mobiles (1[3-9]xxxxxxxxx), not inside a longer number.
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: An EncodingAESKey: 43 characters of base64 without padding, not inside a longer word.
AES_KEY = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}(?![A-Za-z0-9+/=])")
HIDDEN = "***"


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """Lines logged inside carry ``fields`` (and whatever ``bind`` adds), until the block ends."""
    token = _current.set({**(_current.get() or {}), **fields})
    try:
        yield
    finally:
        _current.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current scope (the branch and member, once the update has found them)."""
    current = _current.get()
    if current is not None:
        current.update(fields)


def fields() -> dict[str, Any]:
    """The current scope's fields that are set, in ``FIELDS`` order."""
    current = _current.get() or {}
    return {k: current[k] for k in FIELDS if current.get(k) is not None}


class Redactor:
    """Removes secrets, AES keys and phone numbers from a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # longest first, so a secret that contains another is hidden whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        text = AES_KEY.sub(HIDDEN, text)
        return PHONE.sub(HIDDEN, text)


class TextFormatter(logging.Formatter):
    """``2026-03-12 09:30:00,123 INFO bot.handlers.router: message [platform=telegram update=7]``."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        context = " ".join(f"{k}={v}" for k, v in getattr(record, "partybot", {}).items())
        return f"{line} [{context}]" if context else line

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, msg, the update's fields, exc."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        body: dict[str, Any] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": self.redact(record.getMessage()),
            **getattr(record, "partybot", {}),
        }
        if record.exc_info:
            body["exc"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(body, ensure_ascii=False, default=str)


class _Fields(logging.Filter):
    """Stamps each record with the update's fields as it is made (in the task that logged it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "partybot"):
            record.partybot = fields()
        return True


def handler(fmt: LogFormat, secrets: Iterable[str] = (), stream: TextIO | None = None) -> logging.Handler:
    """A handler writing ``fmt`` lines to ``stream`` (default stderr), redacted."""
    redact = Redactor(secrets)
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    out.addFilter(_Fields())
    return out


def configure(
    fmt: LogFormat, secrets: Iterable[str] = (), stream: TextIO | None = None, level: int = logging.INFO
) -> logging.Handler:
    """The root logger writes through one such handler only (uvicorn's and httpx's lines too)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    out = handler(fmt, secrets, stream)
    root.addHandler(out)
    root.setLevel(level)
    return out


def add_flag(parser: argparse.ArgumentParser) -> None:
    """``--log-format`` of a run command."""
    parser.add_argument("--log-format", choices=FORMATS, default=None, help=t("ops.log_format_help"))


def configure_for(args: argparse.Namespace, config: Config) -> logging.Handler:
    """The log of a run command: ``--log-format``, else ``[bot] log_format``; the config's secrets hidden."""
    fmt: LogFormat = getattr(args, "log_format", None) or config.bot.log_format
    return configure(fmt, config.secret_values())
