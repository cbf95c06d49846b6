"""SIGKILL in the middle of an update, in a real child process on a SQLite file, then a restart
(a second child) that gets the same updates again from Telegram and runs one background pass
of the sender once the grace has passed.

Whatever the point of the crash: exactly one claim, exactly one ledger entry for its approval,
every outbox row sent, and each reply delivered exactly once across both children; except a
crash after a message was delivered but before it was recorded as sent, which sends that
message once more (at least once: the Bot API cannot be asked whether it got it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from handlers.chatworld import ALICE, GROUP, SECRETARY, make_chat_world
from sqlalchemy import func, select

from bot.services.outbox import GRACE, LEASE
from bot.storage import open_database
from bot.storage.schema import ClaimRow, LedgerEntry, OutboxRow

CHILD = Path(__file__).with_name("crash_child.py")
TESTS = Path(__file__).resolve().parents[1]
#: The Telegram date of the updates (2026-03-02).
DATE = 1772400000
CARD_MESSAGE = 1000  # the offline API's first message id: the card's, in either child


def updates() -> list[dict[str, Any]]:
    """Alice's claim in the group, then the secretary's press of 通过 on its card (claim 1)."""
    user = {"id": int(ALICE), "is_bot": False, "first_name": "张三"}
    secretary = {"id": int(SECRETARY), "is_bot": False, "first_name": "王书记"}
    group = {"id": int(GROUP), "type": "supergroup", "title": "第一党支部群"}
    bot = {"id": 42, "is_bot": True, "first_name": "积分助手", "username": "PartyBot"}
    claim = {"message_id": 7, "date": DATE, "chat": group, "from": user, "text": "申报 志愿服务 3月5日"}
    card = {"message_id": CARD_MESSAGE, "date": DATE, "chat": group, "from": bot, "text": "📝"}
    query = {"id": "q-1", "from": secretary, "chat_instance": "ci", "data": "a:1", "message": card}
    return [{"update_id": 501, "message": claim}, {"update_id": 502, "callback_query": query}]


def child(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.getcwd()]), **env}
    for name in ("CRASH_AT", "CRASH_ON", "POLL_AHEAD", "INSTANCE"):
        if name not in env:
            environ.pop(name, None)
    args = [
        sys.executable,
        str(CHILD),
        str(folder / "bot.db"),
        str(folder / "updates.jsonl"),
        str(folder / "calls.jsonl"),
    ]
    return subprocess.run(args, env=environ, capture_output=True, text=True, timeout=120)


def calls(folder: Path) -> list[dict[str, Any]]:
    path = folder / "calls.jsonl"
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


def delivered(folder: Path) -> Counter[tuple[str, int | None]]:
    """(method, chat) of each call that reached the Bot API, counted."""
    return Counter((c["method"], c["params"].get("chat_id")) for c in calls(folder))


@pytest.fixture
async def folder(tmp_path: Path) -> Path:
    """A SQLite file with the chat world in it (made here, used by the children), and the updates."""
    db = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await make_chat_world(db)
    await db.close()
    (tmp_path / "updates.jsonl").write_text(
        "".join(json.dumps(u) + "\n" for u in updates()), encoding="utf-8"
    )
    return tmp_path


async def facts(folder: Path) -> tuple[int, int, Counter[str]]:
    """(claims, ledger entries of claim 1, outbox rows by state)."""
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'bot.db'}", upgrade=False)
    async with db.uow(read_only=True) as uow:
        claims = (await uow.session.execute(select(func.count()).select_from(ClaimRow))).scalar_one()
        entries = (
            await uow.session.execute(
                select(func.count()).select_from(LedgerEntry).where(LedgerEntry.claim_id == 1)
            )
        ).scalar_one()
        states = Counter((await uow.session.scalars(select(OutboxRow.state))).all())
    await db.close()
    return claims, entries, states


def crash(folder: Path, point: str, on: int) -> None:
    run = child(folder, CRASH_AT=point, CRASH_ON=str(on))
    assert run.returncode == -signal.SIGKILL, run.stderr


def restart(folder: Path, ahead: float, instance: str = "crash") -> str:
    run = child(folder, POLL_AHEAD=str(ahead), INSTANCE=instance)
    assert run.returncode == 0, run.stderr
    return run.stdout


AFTER_GRACE = GRACE.total_seconds() + 1


@pytest.mark.parametrize("on", [0, 1], ids=["claim", "approval"])
@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
async def test_a_crash_loses_nothing_and_repeats_nothing(folder: Path, point: str, on: int) -> None:
    crash(folder, point, on)
    claims, entries, states = await facts(folder)
    if point == "before-commit":  # the update's unit of work left nothing behind
        assert (claims, entries) == ((0, 0) if on == 0 else (1, 0))
    else:  # committed whole, its rows waiting to be sent
        assert (claims, entries) == (1, on)
        assert states["pending"] >= 1
    restart(folder, AFTER_GRACE)
    claims, entries, states = await facts(folder)
    assert (claims, entries, set(states)) == (1, 1, {"sent"})
    sent = delivered(folder)
    card = [c for c in calls(folder) if c["method"] == "sendMessage" and c["params"]["chat_id"] == int(GROUP)]
    assert len(card) == 1  # the card, posted once
    assert sent[("answerCallbackQuery", None)] == 1  # the press answered once
    assert sent[("sendMessage", int(ALICE))] == 1  # Alice told once
    # The card shows the approval exactly once: edited in place if it was posted before the
    # approval, or posted in its approved state when its send was left to the restart.
    posted_late = point == "after-commit" and on == 0
    assert sent[("editMessageText", int(GROUP))] == (0 if posted_late else 1)
    shown = [c["params"]["text"] for c in calls(folder) if c["params"].get("chat_id") == int(GROUP)][-1]
    assert "已通过" in shown
    assert sum(sent.values()) == 4 - posted_late


async def test_unsent_rows_wait_for_the_grace_then_are_sent_by_the_restarted_process(folder: Path) -> None:
    crash(folder, "after-commit", 0)
    assert "polled 0" in restart(folder, 0)  # within the grace: the row is left for its sender
    assert not any(
        c["params"].get("chat_id") == int(GROUP) and c["method"] == "sendMessage" for c in calls(folder)
    )
    assert "polled 1" in restart(folder, AFTER_GRACE)
    assert delivered(folder)[("sendMessage", int(GROUP))] == 1


async def test_another_process_takes_the_rows_over_only_when_the_lease_ran_out(folder: Path) -> None:
    crash(folder, "after-commit", 0)
    assert "polled 0" in restart(folder, AFTER_GRACE, instance="other")
    assert "polled 1" in restart(folder, LEASE.total_seconds() + 1, instance="other")
    assert delivered(folder)[("sendMessage", int(GROUP))] == 1
    claims, entries, states = await facts(folder)
    assert (claims, entries, set(states)) == (1, 1, {"sent"})


async def test_a_crash_after_delivering_sends_once_more_and_loses_nothing(folder: Path) -> None:
    crash(folder, "after-send", 0)
    assert delivered(folder)[("sendMessage", int(GROUP))] == 1  # it reached Telegram
    restart(folder, AFTER_GRACE)
    claims, entries, states = await facts(folder)
    assert (claims, entries, set(states)) == (1, 1, {"sent"})
    assert delivered(folder)[("sendMessage", int(GROUP))] == 2  # at least once: sent again
