"""What ``/metrics`` shows (prometheus-client): the registry, the metric objects, and the small
functions the code that counts calls.

Counted in this process, as things happen: updates handled per channel and outcome, the handler's
latency, send failures per platform and code, scheduled runs per job and state. Read from the
database when ``/metrics`` is scraped (``State``, from ``HealthQueries``): the outbox's
depth per platform and how long its oldest due row has waited, and the claims per state; these are
the same for every replica, since they share the database.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = ["CONTENT_TYPE_LATEST", "State", "exposition", "handling", "outcome", "run", "send_failed"]

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # process_cpu_seconds_total, process_resident_memory_bytes, ...
PlatformCollector(registry=REGISTRY)

UPDATES = Counter(
    "partybot_updates",
    "Updates handled, by channel and outcome (handled, refused, duplicate, failed).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "partybot_handler_seconds",
    "Seconds from an update's arrival to its replies delivered (or left in the outbox).",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SEND_FAILURES = Counter(
    "partybot_send_failures",
    "Failed attempts to deliver an outbox row, by platform and code (HTTP status, WeCom errcode, network).",
    ["platform", "code"],
    registry=REGISTRY,
)
RUNS = Counter(
    "partybot_scheduled_runs",
    "Runs of the bot's clock, by job and state (done, failed, skipped: done already or claimed elsewhere).",
    ["job", "state"],
    registry=REGISTRY,
)

#: The outcome of the update being handled in this task (``handling`` sets it up).
_outcome: ContextVar[list[str] | None] = ContextVar("partybot_update_outcome", default=None)


@contextmanager
def handling(channel: str) -> Iterator[None]:
    """Count one update of ``channel`` and time it: "handled" unless ``outcome`` says otherwise,
    "failed" when it raises."""
    began, said = time.perf_counter(), ["handled"]
    token = _outcome.set(said)
    try:
        yield
    except BaseException:
        said[0] = "failed"
        raise
    finally:
        _outcome.reset(token)
        UPDATES.labels(channel, said[0]).inc()
        LATENCY.labels(channel).observe(time.perf_counter() - began)


def outcome(name: str) -> None:
    """The update being handled was ``name`` ("refused", "duplicate") rather than handled."""
    said = _outcome.get()
    if said is not None:
        said[0] = name


#: The code in a sender's reason: ``429 Too Many Requests``, ``HTTP 502 from ...``,
#: ``errcode=45009 ...``, ``network: ...``, ``TimeoutError: ...``.
_CODE = re.compile(r"^(?:HTTP )?(\d{3})\b|errcode=(-?\d+)|^(network)\b|^([A-Z]\w*(?:Error|Exception)):")


def code_of(reason: str) -> str:
    found = _CODE.search(reason)
    return next((g for g in found.groups() if g), "other") if found else "other"


def send_failed(platform: str, reason: str) -> None:
    """One failed attempt to deliver a row (retried or refused for good)."""
    SEND_FAILURES.labels(platform, code_of(reason)).inc()


def run(job: str, state: str) -> None:
    """One run of the clock's ``job``: "done", "failed" or "skipped"."""
    RUNS.labels(job, state).inc()


@dataclass
class State:
    """What the database says at a scrape: per platform, rows waiting and the seconds the oldest
    due one has waited; claims per state."""

    outbox: dict[str, tuple[int, float]] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)

    def families(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "partybot_outbox_depth", "Outbox rows waiting to be sent, by platform.", labels=["platform"]
        )
        waited = GaugeMetricFamily(
            "partybot_outbox_oldest_due_seconds",
            "Seconds the oldest outbox row due for sending has waited, by platform (0: none due).",
            labels=["platform"],
        )
        for platform, (rows, seconds) in sorted(self.outbox.items()):
            depth.add_metric([platform], rows)
            waited.add_metric([platform], seconds)
        claims = GaugeMetricFamily("partybot_claims", "Claims by state.", labels=["state"])
        for state, n in sorted(self.claims.items()):
            claims.add_metric([state], n)
        return [depth, waited, claims]


class _Scrape:
    """This process's metrics and the database's, as one collection for ``generate_latest``."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from self.state.families()


def exposition(state: State) -> bytes:
    """The text ``/metrics`` answers (Prometheus' exposition format)."""
    return generate_latest(_Scrape(state))
