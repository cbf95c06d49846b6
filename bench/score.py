"""Score a large synthetic branch year through the pure engine; print entries/s and peak memory.

    python bench/score.py            # 100,000 members, 5,000,000 entries
    python bench/score.py --quick    # 10,000 members, 500,000 entries (under 30 s)

Last line: RESULT entries_per_s=... peak_mb=...
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.scoring.engine import score
from bot.scoring.loader import load_preset
from bot.scoring.model import Scheme
from bot.scoring.records import Attendance, Entry, Member, ScoringInput


def synthesize(scheme: Scheme, members: int, entries: int, year: int, seed: int) -> ScoringInput:
    rng = random.Random(seed)
    items = [i for i in scheme.items if i.enterable and i.kind != "veto" and not i.categories]
    data = ScoringInput(year=year)
    data.members = [
        Member(f"m{n}", f"党员{n}", migrant=n % 20 == 0, exempt=n % 97 == 0) for n in range(members)
    ]
    start = date(year, 1, 1)
    days = [start + timedelta(days=d) for d in range(365)]
    picks = rng.choices(items, k=entries)
    who = rng.choices(range(members), k=entries)
    when = rng.choices(days, k=entries)
    data.entries = [
        Entry(
            f"m{m}",
            item.code,
            d,
            None if item.points is not None else item.default_points,
            lead=(m + d.day) % 7 == 0,
        )
        for item, m, d in zip(picks, who, when, strict=True)
    ]
    data.attendance = [
        Attendance(
            f"m{m}", "theme_day", date(year, month, 5), rng.choice(("present", "present", "leave", "absent"))
        )
        for m in range(0, members, 4)
        for month in range(1, 13)
    ]
    return data


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 members and 500,000 entries")
    parser.add_argument("--scheme", default="base-incentive", help="preset id (default base-incentive)")
    parser.add_argument("--members", type=int)
    parser.add_argument("--entries", type=int)
    args = parser.parse_args()
    members = args.members or (10_000 if args.quick else 100_000)
    entries = args.entries or (500_000 if args.quick else 5_000_000)
    scheme = load_preset(args.scheme)
    t0 = time.perf_counter()
    data = synthesize(scheme, members, entries, 2026, seed=7)
    built = time.perf_counter() - t0
    before = peak_mb()
    t1 = time.perf_counter()
    report = score(scheme, data)
    elapsed = time.perf_counter() - t1
    scored = sum(1 for r in report.members if r.score is not None)
    rate = entries / elapsed
    print(f"scheme {scheme.id}: {members:,} members, {entries:,} entries, {len(data.attendance):,} sign-ins")
    print(f"synthesized in {built:.1f} s (peak {before:.0f} MB)")
    print(
        f"scored {scored:,} members in {elapsed:.2f} s: {rate:,.0f} entries/s, {elapsed / members * 1e6:.1f} us/member"
    )
    print(f"peak memory {peak_mb():.0f} MB")
    print(f"RESULT entries_per_s={rate:.0f} peak_mb={peak_mb():.0f}")


if __name__ == "__main__":
    main()
