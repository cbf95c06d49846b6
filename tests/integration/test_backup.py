"""``partybot db backup`` while the bot writes, and ``partybot db restore``: every approval
acknowledged before the backup began is in the restored database; a restore never loses the
database it replaces and takes nothing but a partybot database at a known migration."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.i18n import set_locale
from bot.services.claims import SubmitClaim
from bot.storage import open_database
from bot.storage.schema import ClaimRow, LedgerEntry
from integration.world import make_world

PARTYBOT = [sys.executable, "-m", "bot"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PARTYBOT_"):
            monkeypatch.delenv(name)
    set_locale("zh-CN")


def config_for(folder: Path, db: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n', encoding="utf-8")
    return path


async def test_a_backup_during_writes_holds_every_acknowledged_approval(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    db = await open_database(f"sqlite+aiosqlite:///{live}")
    world = await make_world(db)
    claims = []
    for n in range(240):  # one claim a day, for two members
        member = world.alice if n % 2 else world.bob
        cmd = SubmitClaim(
            world.branch_id, member.member_id or 0, "key_work", date(2026, 1, 1) + timedelta(n // 2)
        )
        claims.append((await world.claims.submit(cmd)).claim_id)
    acknowledged: list[int] = []
    backup_done = asyncio.Event()

    async def writer() -> None:  # the secretary pressing 通过, one claim after another
        for claim_id in claims:
            if backup_done.is_set():
                return
            await world.claims.approve(claim_id, world.secretary)
            acknowledged.append(claim_id)  # committed: the approver has been told
            await asyncio.sleep(0)

    writing = asyncio.create_task(writer())
    while len(acknowledged) < 20:
        await asyncio.sleep(0.001)
    before = set(acknowledged)  # committed before the backup starts
    backup = tmp_path / "backup.db"
    config = config_for(tmp_path / "live", live)
    process = await asyncio.create_subprocess_exec(
        *PARTYBOT, "--config", str(config), "db", "backup", str(backup),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    backup_done.set()
    await writing
    await db.close()
    assert process.returncode == 0, err.decode()
    assert f"已备份到 {backup}" in out.decode()
    assert len(acknowledged) > len(before)  # the bot went on approving while the backup ran

    restored = tmp_path / "restored" / "partybot.db"
    assert (
        main(["--config", str(config_for(tmp_path / "restored", restored)), "db", "restore", str(backup)])
        == 0
    )
    copy = await open_database(f"sqlite+aiosqlite:///{restored}", upgrade=False)
    try:
        async with copy.uow(read_only=True) as uow:
            rows = (await uow.session.execute(select(ClaimRow.id, ClaimRow.status))).all()
            entries = set((await uow.session.scalars(select(LedgerEntry.claim_id))).all())
        current, head = await copy.revision()
    finally:
        await copy.close()
    approved = {claim_id for claim_id, status in rows if status == "approved"}
    assert before <= approved and before <= entries  # every acknowledged approval, with its entry
    assert approved <= set(acknowledged)  # and nothing that was not approved
    assert {claim_id for claim_id, _ in rows} == set(claims)  # every claim, approved or still pending
    assert current == head


def make_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    live = tmp_path / "live.db"
    config = config_for(tmp_path / "live", live)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    backup = tmp_path / "nightly.db"
    assert main(["--config", str(config), "db", "backup", str(backup)]) == 0
    capsys.readouterr()
    return live, backup


def test_a_backup_never_overwrites_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _live, backup = make_backup(tmp_path, capsys)
    size = backup.stat().st_size
    assert main(["--config", str(tmp_path / "live" / "config.toml"), "db", "backup", str(backup)]) == 1
    assert "已经存在: 请换一个文件名" in capsys.readouterr().err
    assert backup.stat().st_size == size and not backup.with_name("nightly.db.partial").exists()


def test_restore_replaces_a_database_only_when_forced_and_keeps_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live, backup = make_backup(tmp_path, capsys)
    config = str(tmp_path / "live" / "config.toml")
    assert main(["--config", config, "db", "restore", str(backup)]) == 1
    err = capsys.readouterr().err
    assert "已经存在, 没有替换" in err and "请加 --force" in err
    old = live.read_bytes()
    assert main(["--config", config, "db", "restore", str(backup), "--force"]) == 0
    out = capsys.readouterr().out
    [aside] = list(live.parent.glob("live.db.before-restore-*"))
    assert aside.read_bytes() == old and f"原数据库已改名保留为 {aside}" in out


def test_restore_refuses_a_database_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live, backup = make_backup(tmp_path, capsys)
    bot = sqlite3.connect(live)  # the bot holds it open: WAL mode keeps a -wal file beside it
    bot.execute("PRAGMA journal_mode=WAL")
    bot.execute("CREATE TABLE IF NOT EXISTS probe (n)")
    try:
        assert main(["--config", str(tmp_path / "live" / "config.toml"), "db", "restore", str(backup)]) == 1
        assert "似乎正在使用" in capsys.readouterr().err
    finally:
        bot.close()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"name,phone\n", "不是 SQLite 数据库文件"),
        ("empty-sqlite", "不是 partybot 的数据库"),
        ("future", "本程序不认识"),
    ],
)
def test_restore_takes_only_a_partybot_database_at_a_known_migration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str, says: str
) -> None:
    source = tmp_path / "other.db"
    if content == "empty-sqlite":
        sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.close()
    elif content == "future":
        _live, backup = make_backup(tmp_path, capsys)
        source = backup
        with sqlite3.connect(source) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999'")
    else:
        source.write_bytes(content)  # type: ignore[arg-type]
    target = tmp_path / "fresh" / "partybot.db"
    assert main(["--config", str(config_for(tmp_path / "fresh", target)), "db", "restore", str(source)]) == 1
    assert says in capsys.readouterr().err
    assert not target.exists()


def test_postgresql_gets_the_pg_dump_recipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[database]\nurl = "postgresql+asyncpg://bot:pw-77@db:5432/partybot"\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "db", "backup", "x.dump"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump -Fc" in err and "x.dump" in err and "pw-77" not in err
    assert main(["--config", str(config), "db", "restore", "x.dump"]) == 2
    assert "pg_restore --clean" in capsys.readouterr().err
