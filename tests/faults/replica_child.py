"""One replica of the scale-out test and ``bench/replicas.py``: ``partybot telegram`` in webhook
mode (``bot.cli.telegram.serve``, the config file given), with three changes for a test run:

- the published rate limits are lifted (the transport counts against no bucket, as in
  ``bench/updates.py``): a burst of a thousand cards in one group would otherwise take fifty
  minutes at Telegram's 20 a minute per group;
- the clock ticks every second instead of every 30 s, so that sign-ins closing during a burst
  are closed while it runs;
- the outbox lease is ``REPLICA_LEASE`` seconds instead of a minute, so that the rows of a
  killed replica are taken over by the other within the test's time.

    python replica_child.py CONFIG_FILE

``REPLICA_PROFILE``: a file to write the process's cProfile statistics (CPU time) to when it stops.
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import timedelta

from bot import app as composition
from bot import delivery
from bot.channels.telegram import TelegramTransport
from bot.cli import telegram as runner
from bot.config import load_config
from bot.delivery import Bucket
from bot.services import outbox
from bot.storage.outbox import Outgoing


class Unlimited(TelegramTransport):
    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()


def main(config_file: str) -> int:
    lease = timedelta(seconds=float(os.environ.get("REPLICA_LEASE", "60")))
    outbox.LEASE = delivery.LEASE = lease
    runner.TelegramTransport = Unlimited  # type: ignore[misc]
    # every run mode builds its app through bot.app.start, which calls bot.app.build
    composition.build = functools.partial(composition.build, tick=1.0)  # type: ignore[assignment]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    profile = os.environ.get("REPLICA_PROFILE")
    # CPU time, not wall time: on a busy machine the time a process waits for a core is nobody's
    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler is not None:
        profiler.enable()
    try:
        return 0 if asyncio.run(runner.serve(load_config(config_file))) else 1
    finally:
        if profiler is not None and profile:
            profiler.disable()
            profiler.dump_stats(profile)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
