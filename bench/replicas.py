"""Updates per second with one and with two replicas on PostgreSQL, in the same run.

The set-up of the scale-out test (``tests/faults/replicas.py``) without the test harness: real
``partybot telegram`` processes in webhook mode (the published rate limits lifted, as in
``bench/updates.py``), a round-robin in front of them on loopback with the webhook secret header,
and a fake Bot API on loopback. Each run gets a fresh database with the same branch (60 members
in its group and the secretary), then the same burst: claims (申报 志愿服务 <day>) and, as soon
as each card is posted, the secretary's press of its 通过, ``--in-flight`` pairs at a time (as
Telegram posts to a webhook over several connections). A warm-up of 20 pairs is not timed.

For each run: updates per second, and the CPU each process used (``/proc/<pid>/stat``): every
replica, this process (the round-robin and the fake Bot API), PostgreSQL's processes, and how busy
the machine's cores were altogether (``/proc/stat``, other users included) — when the cores are
full, a second replica cannot add throughput, and the figures say so. ``--profile`` writes each
replica's cProfile statistics and prints the functions that took the most time.

    python bench/replicas.py            # 1,000 pairs (2,000 updates) per run
    python bench/replicas.py --quick    # 200 pairs
    PARTYBOT_TEST_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test  (the server to use)

Last line: RESULT one=<updates/s> two=<updates/s> ratio=<two/one>
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faults.replicas import BotApi, Burst, Replica, RoundRobin, cpu_seconds, make_world, pg_database

WARM_UP = 20


def machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores so far, everyone's (``/proc/stat``)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def postgres_cpu() -> float:
    total = 0.0
    for pid in postgres_pids():
        try:
            total += cpu_seconds(pid)
        except (OSError, IndexError):
            continue  # a backend that ended meanwhile
    return total


@dataclass
class Run:
    replicas: int
    updates: int
    seconds: float
    cpu: dict[str, float]
    busy: float  # the machine's cores in use, on average (everyone's)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def lines(self) -> list[str]:
        cores = os.cpu_count() or 1
        shares = " ".join(f"{k}={v:.1f}s ({v / self.seconds:.0%} of a core)" for k, v in self.cpu.items())
        return [
            f"replicas={self.replicas} updates={self.updates} seconds={self.seconds:.1f} "
            f"updates/s={self.rate:.0f}",
            f"  cpu: {shares}",
            f"  machine: {self.busy:.2f} of {cores} cores busy (everyone's); ours "
            f"{sum(self.cpu.values()) / self.seconds:.2f}; per update {sum(self.cpu.values()) / self.updates * 1000:.1f} ms",
        ]


async def run(
    n: int, pairs: int, in_flight: int, api: BotApi, url: str, folder: Path, profile: bool
) -> tuple[Run, list[Path]]:
    api.reset()
    async with pg_database(url) as database:
        await make_world(database)
        names = ["one", "two"][:n]
        profiles = [folder / f"{n}-{name}.prof" for name in names]
        replicas = [
            Replica.start(name, database, api, folder, profile=p if profile else None)
            for name, p in zip(names, profiles, strict=True)
        ]
        try:
            await asyncio.gather(*(r.ready() for r in replicas))
            balancer = RoundRobin(replicas)
            await Burst(balancer, api, 0, WARM_UP, in_flight).run()
            cpu = [r.cpu_seconds() for r in replicas]
            ours, pg, (busy, total) = time.process_time(), postgres_cpu(), machine()
            began = time.monotonic()
            await Burst(balancer, api, WARM_UP, pairs, in_flight).run()
            seconds = time.monotonic() - began
            used = {r.name: r.cpu_seconds() - c for r, c in zip(replicas, cpu, strict=True)}
            used["bench"] = time.process_time() - ours
            used["postgres"] = postgres_cpu() - pg
            busy2, total2 = machine()
            cores = (busy2 - busy) / (total2 - total) * (os.cpu_count() or 1)
            balancer.close()
        finally:
            for r in replicas:
                r.stop()
    return Run(n, 2 * pairs, seconds, used, cores), [p for p in profiles if p.exists()]


def top(profiles: list[Path], count: int = 12) -> list[str]:
    out = io.StringIO()
    pstats.Stats(*map(str, profiles), stream=out).sort_stats("tottime").print_stats(count)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return lines[start : start + count + 1]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 pairs per run")
    parser.add_argument("--pairs", type=int, help="claims (each approved) per run; default 1,000")
    parser.add_argument("--in-flight", type=int, default=16, help="pairs in flight at once (default 16)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each replica, print the top functions"
    )
    args = parser.parse_args()
    url = os.environ.get("PARTYBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    pairs = args.pairs or (200 if args.quick else 1_000)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    api = await BotApi().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            runs = []
            for n in (1, 2):
                result, profiles = await run(n, pairs, args.in_flight, api, url, Path(folder), args.profile)
                runs.append(result)
                print("\n".join(result.lines()))
                if profiles:
                    print(f"  cProfile of the {n}-replica run (tottime):")
                    print("\n".join(f"    {line}" for line in top(profiles)))
    finally:
        await api.close()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    one, two = runs
    print(f"RESULT one={one.rate:.0f} two={two.rate:.0f} ratio={two.rate / one.rate:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
