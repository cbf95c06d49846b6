"""``partybot config check``: is the config file complete for the channels this process runs?

It prints every setting a run command reads, secrets only as set or not and where from (a
file, a variable, the config file), never their values; then what the chosen channels lack.
Exit status: 0 ready, 1 the file itself is wrong (key and line, like every command), 2 something
the chosen channels need is missing.
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

from sqlalchemy import make_url

from bot.cli.db import config_of
from bot.cli.wecom import problem as wecom_problem
from bot.config import SECRETS, Config, SecretSource, config_path
from bot.i18n import t

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
CHANNELS = ("telegram", "wecom")


def register(commands: Sub) -> None:
    parser = commands.add_parser("config", help=t("ops.config_help"), description=t("ops.config_description"))
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help=t("ops.check_help"), description=t("ops.check_description"))
    check.add_argument("--channels", type=_channels, metavar="LIST", help=t("ops.channels_help"))
    check.set_defaults(handler=_check)


def _channels(text: str) -> list[str]:
    names = [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]
    wrong = [n for n in names if n not in CHANNELS]
    if wrong or not names:
        raise argparse.ArgumentTypeError(
            t("ops.bad_channels", names=", ".join(wrong), known=", ".join(CHANNELS))
        )
    return names


def configured(config: Config) -> list[str]:
    """The channels the file sets up (a Telegram token, a WeCom corp id)."""
    chosen = []
    if config.telegram.token.get_secret_value():
        chosen.append("telegram")
    if config.wecom.corp_id:
        chosen.append("wecom")
    return chosen


def missing(config: Config, channel: str) -> list[str]:
    """What ``channel`` lacks to start, as the run command would say it."""
    if channel == "wecom":
        found = wecom_problem(config.wecom)
        return [found] if found else []
    tg, lacks = config.telegram, []
    if not tg.token.get_secret_value():
        lacks.append(t("telegram.no_token"))
    if tg.mode == "webhook" and not (tg.webhook_url and tg.secret_token.get_secret_value()):
        lacks.append(t("telegram.webhook_incomplete"))
    return lacks


def _secret(config: Config, section: str, key: str, value: str) -> str:
    if not value:
        return t("ops.secret_unset")
    source = config.sources.get(f"{section}.{key}", SecretSource("config"))
    return t("ops.secret_set", source=t(f"ops.source_{source.kind}", name=source.name))


def report(config: Config) -> list[str]:
    """The settings a run command reads, one per line; secrets never shown."""
    db = config.database
    url = make_url(db.url)
    lines = [
        "[database]",
        f'  url = "{url.render_as_string(hide_password=True)}"',
        f"  password: {_secret(config, 'database', 'password', url.password or '')}",
        f"  migrate = {str(db.migrate).lower()}",
    ]
    plain = {
        "telegram": ("mode", "webhook_url", "base_url"),
        "wecom": ("mode", "corp_id", "bot_id", "callback_path"),
    }
    for section, keys in SECRETS.items():
        table = getattr(config, section)
        lines.append(f"[{section}]")
        lines += [f'  {k} = "{getattr(table, k)}"' for k in plain[section]]
        lines += [f"  {k}: {_secret(config, section, k, getattr(table, k).get_secret_value())}" for k in keys]
    server = config.server
    lines += [
        "[server]",
        f"  host = {server.host}",
        f"  port = {server.port}",
        f"  instance = {server.instance}",
    ]
    lines += ["[bot]", f"  log_format = {config.bot.log_format}", f"  locale = {config.bot.locale}"]
    return lines


def _check(args: argparse.Namespace) -> int:
    config = config_of(args)
    path = config_path(args.config)
    print(t("ops.check_file", path=path) if path.is_file() else t("ops.check_no_file", path=path))
    print("\n".join(report(config)))
    channels = args.channels or configured(config)
    if not channels:
        print(t("ops.no_channel", known=",".join(CHANNELS)))
        return 2
    status = 0
    for channel in channels:
        lacks = missing(config, channel)
        if lacks:
            status = 2
            print(t("ops.channel_lacks", channel=channel))
            print("\n".join(f"  - {line}" for line in lacks))
        else:
            print(t("ops.channel_ready", channel=channel))
    return status
