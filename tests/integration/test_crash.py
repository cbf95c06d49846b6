"""Kill a writer with SIGKILL mid-stream: every approval it reported is in the ledger, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.storage import open_database
from bot.storage.schema import ClaimRow, LedgerEntry
from integration.world import Target

ENOUGH = 40  # approvals reported before the kill


def run_and_kill(target: Target) -> list[int]:
    schema = target.connect_args.get("server_settings", {}).get("search_path")  # type: ignore[attr-defined]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.getcwd()])}
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("crash_child.py")),
            target.url,
            *([schema] if schema else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdout.readline().startswith("ready")
    reported = [int(child.stdout.readline()) for _ in range(ENOUGH)]
    child.send_signal(signal.SIGKILL)
    reported += [int(line) for line in child.stdout.read().split() if line.isdigit()]
    child.stdout.close()
    child.wait()
    assert child.returncode == -signal.SIGKILL
    return reported


async def test_every_reported_approval_survives_sigkill(target: Target) -> None:
    reported = run_and_kill(target)
    db = await open_database(target.url, connect_args=target.connect_args)
    async with db.uow() as uow:
        entries = dict(
            (
                await uow.session.execute(
                    select(LedgerEntry.claim_id, func.count()).group_by(LedgerEntry.claim_id)
                )
            )
            .tuples()
            .all()
        )
        claims = dict((await uow.session.execute(select(ClaimRow.id, ClaimRow.status))).tuples().all())
    await db.close()
    assert all(claims[c] == "approved" and entries.get(c) == 1 for c in reported)
    # No half-written claim: approved <=> exactly one entry; a pending claim has none.
    assert all((status == "approved") == (entries.get(cid) == 1) for cid, status in claims.items())
    assert set(entries) <= set(claims)
