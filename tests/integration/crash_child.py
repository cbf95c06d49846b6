"""Child of the crash test: submit and approve claims in a loop, print each committed claim id."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta

from bot.services.claims import SubmitClaim
from bot.storage import open_database
from integration.world import make_world


async def main(url: str, schema: str | None) -> None:
    db = await open_database(
        url, connect_args={"server_settings": {"search_path": schema}} if schema else None
    )
    world = await make_world(db)
    print(f"ready {world.branch_id}", flush=True)
    day = date(2026, 1, 1)
    for n in range(100_000):
        cmd = SubmitClaim(
            world.branch_id,
            world.alice.member_id or 0,
            "key_work",
            day + timedelta(days=n % 360),
            note=f"crash {n}",
            evidence=(f"photo-{n}",),
        )
        claim_id = (await world.claims.submit(cmd)).claim_id
        await world.claims.approve(claim_id, world.secretary, points=2)
        print(claim_id, flush=True)
        await world.claims.withdraw(claim_id, world.alice)  # decided already: changes nothing


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
