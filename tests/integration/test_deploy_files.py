"""The deploy files say what they run, and what they run works here: the systemd unit's and the
compose services' command lines are started as written (with a temporary config, a free port and
local secret files), answer /healthz and stop on SIGTERM; the image installs with CI's own step."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from channels.offline import BOT_USER
from sqlalchemy import make_url

from bot.cli import build_parser
from integration.conftest import PG_URL, _pg_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTYBOT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # `partybot` as the image's PATH has it
    return {**env, **extra}


def healthy(port: int, process: subprocess.Popen[str], seconds: float = 90.0) -> dict[str, Any]:
    """Wait until /healthz answers 200; its body."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"exited {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return dict(json.loads(answer.read()))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError("no /healthz in time")


def serve_until_healthy(
    argv: list[str], env: dict[str, str], cwd: Path, port: int
) -> tuple[dict[str, Any], str]:
    """Start ``argv``, wait for /healthz, stop it with SIGTERM (as systemd and docker do): the
    health body and what it logged; it must exit 0."""
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        body = healthy(port, process)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return body, out + err


def wecom_secrets(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "wecom_token").write_text("callback-token-1\n", encoding="utf-8")
    (folder / "wecom_aes_key").write_text(AES + "\n", encoding="utf-8")
    return folder


# --- the systemd unit -------------------------------------------------------------------------


def unit(path: Path) -> dict[str, list[str]]:
    """``Section.Key`` → values, in order (a key may repeat in a unit file)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


def test_the_systemd_unit_starts_the_bot_it_names(tmp_path: Path) -> None:
    service = unit(DEPLOY / "partybot.service")
    environment = dict(v.split("=", 1) for v in service["Service.Environment"])
    [exec_start] = service["Service.ExecStart"]
    argv = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: environment[m.group(1)], exec_start))
    assert argv[0] == "/opt/partybot/.venv/bin/partybot" and argv[1] == "--config"
    assert build_parser().parse_args(argv[1:]).command in ("wecom", "telegram")
    assert service["Service.KillSignal"] == ["SIGTERM"] and service["Install.WantedBy"] == [
        "multi-user.target"
    ]

    # as installed: the same words, with this checkout's partybot and a township's config
    secrets, port = wecom_secrets(tmp_path / "secrets"), free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        '[database]\nurl = "sqlite+aiosqlite:///partybot.db"\n\n'
        f'[wecom]\nmode = "callback"\ncorp_id = "ww1"\ntoken_file = "{secrets / "wecom_token"}"\n'
        f'encoding_aes_key_file = "{secrets / "wecom_aes_key"}"\n\n[server]\nport = {port}\n',
        encoding="utf-8",
    )
    argv = [str(BIN / "partybot"), "--config", str(config), *argv[3:]]
    env = clean_env(**{k: v for k, v in environment.items() if k != "PARTYBOT_CHANNEL"})
    body, log = serve_until_healthy(argv, env, tmp_path, port)
    assert body["migrations"] == "ok"  # one process on SQLite migrates itself on start
    assert (tmp_path / "partybot.db").is_file()  # in WorkingDirectory, as the unit runs it
    assert "callback-token-1" not in log and AES not in log


# --- the compose file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def dotenv(path: Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    return {k.strip(): v.strip() for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def dockerfile_env() -> dict[str, str]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    pairs = [p for line in text.splitlines() if line.startswith("ENV ") for p in shlex.split(line[4:])]
    return dict(p.split("=", 1) for p in pairs if "=" in p and not p.startswith("PATH="))


def test_replicas_wait_for_the_one_migration_and_never_migrate_themselves(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "migrate", "telegram", "wecom", "nginx"} <= set(services)
    migrate = services["migrate"]
    assert migrate["command"][:3] == ["partybot", "db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "PARTYBOT_DATABASE__MIGRATE" not in migrate["environment"]
    for name in ("telegram", "wecom"):
        replica = services[name]
        assert replica["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert replica["environment"]["PARTYBOT_DATABASE__MIGRATE"] == "false"
        assert replica["deploy"]["replicas"] >= 2
        assert build_parser().parse_args(replica["command"][1:]).command == name
    assert build_parser().parse_args(migrate["command"][1:]).db_command == "upgrade"


def test_every_secret_is_a_file_the_service_is_given(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    for name, service in compose["services"].items():
        given = set(service.get("secrets", []))
        assert given <= set(declared), name
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("_FILE"):
                assert value.startswith("/run/secrets/") and value.removeprefix("/run/secrets/") in given, key
    assert all(s["file"].startswith("./secrets/") for s in declared.values())
    site = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    assert not any(re.search(r"(TOKEN|SECRET|KEY|PASSWORD)=", line) for line in site)  # no secret in .env


def test_nginx_passes_the_webhook_and_the_callback_to_their_replicas(compose: dict[str, Any]) -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    services, site = compose["services"], dotenv(DEPLOY / ".env.example")
    port = dockerfile_env()["PARTYBOT_SERVER__PORT"]
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*server ([\w.:-]+);", conf))
    locations = dict(re.findall(r"location = (\S+) \{\s*proxy_pass http://(\w+);", conf))
    webhook = urllib.parse.urlparse(site["PARTYBOT_TELEGRAM__WEBHOOK_URL"]).path
    callback = services["wecom"]["environment"]["PARTYBOT_WECOM__CALLBACK_PATH"]
    assert upstreams[locations[webhook]] == f"telegram:{port}"
    assert upstreams[locations[callback]] == f"wecom:{port}"
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert "listen 443 ssl" in conf


def service_env(compose: dict[str, Any], name: str, secrets: Path, url: str) -> dict[str, str]:
    """The environment a container of ``name`` gets (image, .env, service), with its secrets as
    local files and the database here."""
    env = {**dockerfile_env(), **dotenv(DEPLOY / ".env.example"), **compose["services"][name]["environment"]}
    env = {k: str(v).replace("/run/secrets/", f"{secrets}/") for k, v in env.items()}
    env["PARTYBOT_DATABASE__URL"] = url
    if url.startswith("sqlite"):
        del env["PARTYBOT_DATABASE__PASSWORD_FILE"]  # no password on a file
    env["PARTYBOT_SERVER__HOST"], env["PARTYBOT_SERVER__PORT"] = "127.0.0.1", str(free_port())
    return clean_env(**env)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database, as the compose file's PostgreSQL (or SQLite, when no PostgreSQL is here)."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'compose.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_database(name, create=True))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_database(name, create=False))


def test_the_compose_services_run_as_written(
    compose: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    secrets = wecom_secrets(tmp_path / "secrets")
    (secrets / "db_password").write_text("not-used-by-trust\n", encoding="utf-8")
    (secrets / "telegram_token").write_text("123456:compose-token\n", encoding="utf-8")
    (secrets / "telegram_webhook_secret").write_text("compose-webhook-secret\n", encoding="utf-8")
    services = compose["services"]
    wecom = service_env(compose, "wecom", secrets, database_url)
    port = int(wecom["PARTYBOT_SERVER__PORT"])

    # a replica started before the migration refuses, and says what to run
    early = subprocess.run(
        services["wecom"]["command"], env=wecom, cwd=tmp_path, capture_output=True, text=True
    )
    assert early.returncode == 1 and "partybot db upgrade" in early.stderr

    migrate = subprocess.run(
        services["migrate"]["command"], env=service_env(compose, "migrate", secrets, database_url),
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr

    body, log = serve_until_healthy(services["wecom"]["command"], wecom, tmp_path, port)
    assert body["migrations"] == "ok"
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines and all({"ts", "level", "logger", "msg"} <= set(line) for line in lines)  # --log-format json
    assert AES not in log and "callback-token-1" not in log

    for name in ("telegram", "wecom"):  # each replica's settings are complete for its platform
        check = [*services[name]["command"][:1], "config", "check", "--channels", name]
        env = service_env(compose, name, secrets, database_url)
        done = subprocess.run(check, env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "compose-token" not in done.stdout and "已设置 (来自 文件" in done.stdout


def test_two_migrations_at_once_both_succeed(
    compose: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    """The one-shot service started twice (or by hand beside it): they take turns."""
    env = service_env(compose, "migrate", tmp_path, database_url)
    command = compose["services"]["migrate"]["command"]
    (tmp_path / "db_password").write_text("x\n", encoding="utf-8")
    runs = [
        subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors


class FakeBotApi(ThreadingHTTPServer):
    """Telegram's Bot API on loopback, as much of it as a replica uses to start in webhook mode."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _BotApiHandler)
        self.calls: list[tuple[str, str, dict[str, str]]] = []  # (token, method, parameters)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bot"


class _BotApiHandler(BaseHTTPRequestHandler):
    server: FakeBotApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        token, _, method = self.path.removeprefix("/bot").partition("/")
        params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        self.server.calls.append((token, method, params))
        result: Any = BOT_USER if method == "getMe" else True
        answer = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: Any) -> None:
        return None


def test_a_telegram_replica_registers_its_webhook_and_serves(
    compose: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name, value in (
        ("db_password", "x"),
        ("telegram_token", "123456:compose-token"),
        ("telegram_webhook_secret", "hook-77"),
    ):
        (secrets / name).write_text(value + "\n", encoding="utf-8")
    command = compose["services"]["telegram"]["command"]
    env = service_env(compose, "telegram", secrets, database_url)
    migrate = service_env(compose, "migrate", secrets, database_url)
    assert (
        subprocess.run(compose["services"]["migrate"]["command"], env=migrate, cwd=tmp_path).returncode == 0
    )
    api = FakeBotApi()
    try:
        env["PARTYBOT_TELEGRAM__BASE_URL"] = api.url  # instead of api.telegram.org
        body, log = serve_until_healthy(command, env, tmp_path, int(env["PARTYBOT_SERVER__PORT"]))
    finally:
        api.shutdown()
        api.server_close()
    assert body["migrations"] == "ok"
    hooks = [params for token, method, params in api.calls if method == "setWebhook"]
    assert hooks == [{**hooks[0], "url": env["PARTYBOT_TELEGRAM__WEBHOOK_URL"], "secret_token": "hook-77"}]
    assert {token for token, _, _ in api.calls} == {"123456:compose-token"}  # read from its secret file
    assert "compose-token" not in log and "hook-77" not in log
    assert any('"logger": "httpx"' in line and "bot***/setWebhook" in line for line in log.splitlines())


# --- the image and CI -------------------------------------------------------------------------


def instructions(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(word.upper(), rest.strip()) for word, _, rest in (line.partition(" ") for line in lines)]


def test_the_image_installs_with_the_step_ci_runs_and_has_a_cjk_font(compose: dict[str, Any]) -> None:
    steps = instructions(DEPLOY / "Dockerfile")
    runs = [rest for word, rest in steps if word == "RUN"]
    assert ".ci/install" in runs  # the very script, nothing beside it
    assert steps.index(("COPY", ". /app")) < steps.index(("RUN", ".ci/install"))
    assert any(re.search(r"apt-get install .*\bfonts-(noto-cjk|wqy-microhei)\b", run) for run in runs)
    [cmd] = [json.loads(rest) for word, rest in steps if word == "CMD"]
    assert cmd[0] == "partybot" and build_parser().parse_args(cmd[1:]).command in ("telegram", "wecom")
    build = compose["services"]["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"

    ci = [
        line
        for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
        if line and line[0] != "#"
    ]
    assert ci[-2:] == [".ci/install", "make test"]  # the README's test command, after the shared install
    install = (ROOT / ".ci/install").read_text(encoding="utf-8")
    assert os.access(ROOT / ".ci/install", os.X_OK) and "make install" in install
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")
