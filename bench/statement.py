"""What one SQL statement costs through each layer of the stack, on the bot's SQLite file.

The same primary-key look-up (``SELECT name FROM members WHERE id = ?``) is run N times:
through an ``AsyncSession`` (how every use case runs its statements, with the inline SQLite
connection), as ``text()`` through the session, through the session's ``AsyncConnection``
(Core), and in plain ``sqlite3``. It explains ``bench/updates.py``: a claim and its approval
run about 34 statements, and the session's cost per statement, times that, is already more
than the floor's whole pair.

    python bench/statement.py [--n 5000]

Last line: RESULT session_us=... text_us=... connection_us=... sqlite3_us=... session_vs_sqlite3=...
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, select, text

from bot.storage import open_database
from bot.storage.schema import MemberRow


async def measure(n: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    db = await open_database(f"sqlite+aiosqlite:///{folder / 'statement.db'}")
    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "twelve-point")
        await uow.members.add(MemberRow(branch_id=branch.id, name="张三"))
        await uow.commit()
    core = select(MemberRow.name).where(MemberRow.id == bindparam("id"))
    raw = text("SELECT name FROM members WHERE id = :id")
    out: dict[str, float] = {}
    async with db.uow() as uow:
        for label, stmt in (("session", core), ("text", raw)):
            await uow.session.execute(stmt, {"id": 1})  # compiled and cached once
            began = time.perf_counter()
            for _ in range(n):
                (await uow.session.execute(stmt, {"id": 1})).scalar()
            out[label] = (time.perf_counter() - began) / n * 1e6
        conn = await uow.session.connection()
        began = time.perf_counter()
        for _ in range(n):
            (await conn.execute(core, {"id": 1})).scalar()
        out["connection"] = (time.perf_counter() - began) / n * 1e6
    await db.close()
    plain = sqlite3.connect(folder / "statement.db")
    began = time.perf_counter()
    for _ in range(n):
        plain.execute("SELECT name FROM members WHERE id = ?", (1,)).fetchone()
    out["sqlite3"] = (time.perf_counter() - began) / n * 1e6
    plain.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="statements per layer")
    args = parser.parse_args()
    us = asyncio.run(measure(args.n))
    for label, value in us.items():
        print(f"{label:>10}: {value:7.1f} µs per statement")
    print(
        f"RESULT session_us={us['session']:.1f} text_us={us['text']:.1f} connection_us={us['connection']:.1f}"
        f" sqlite3_us={us['sqlite3']:.1f} session_vs_sqlite3={us['session'] / us['sqlite3']:.0f}"
    )


if __name__ == "__main__":
    main()
