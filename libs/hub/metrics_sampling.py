"""Gauges sampled in the background: figures that take a query to know (the outbox's backlog, a consumer group's lag,
jobs, applications by state, overdue deadlines) are read by one loop per service every `metrics_sample_seconds`
and kept; a scrape of /metrics only reads what was kept, so it never waits on a database or a broker.

- A service's samplers are the shared ones (`hub.metrics_shared`) and its own (`ServiceSpec.samplers`, declared in
  the service's `metrics.py`); `create_service_app` runs them all with `metrics_sampling`.
- Sampling is wanted by scrapes: it starts with a service's first scrape (which finds no sampled series yet) and
  stops `IDLE_AFTER_SECONDS` after the last one, so a service nobody scrapes (a test, a replica left out of the
  scrape configuration) puts no load on its database or the broker.
- Samplers run side by side, each within `SAMPLE_TIMEOUT_SECONDS`. One that fails or times out loses its readings
  (its series vanish rather than go stale) and reports `hub_metrics_sampler_up` 0 until it succeeds again;
  `hub_metrics_sample_age_seconds` says how old each sampler's readings are.
- Every series carries the service's name, like every hub series. One process may run several services (the tests
  do): each keeps its own readings, and one collector in the process-wide registry serves them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.background import BackgroundWork

log = structlog.get_logger(__name__)

# A sampler slower than this is given up for the round (a broker or database that does not answer).
SAMPLE_TIMEOUT_SECONDS = 10.0
# Sampling stops this long after the last scrape (longer than any scrape interval in use).
IDLE_AFTER_SECONDS = 600.0
# How often the loop looks whether a round is due.
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class SampledGauge:
    """A gauge whose values samplers read; `service` is added to its labels."""

    name: str
    documentation: str
    labelnames: tuple[str, ...] = ()

    def reading(self, value: float, *labelvalues: str) -> Reading:
        """One value of the gauge, with a value for each of its labels (but `service`)."""
        if len(labelvalues) != len(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, not {labelvalues}")
        return Reading(self, tuple(labelvalues), float(value))


@dataclass(frozen=True)
class Reading:
    gauge: SampledGauge
    labelvalues: tuple[str, ...]
    value: float


@dataclass(frozen=True)
class Sampler:
    """A named reading of some gauges from a running service (its `app.state`: engine, settings, handlers…)."""

    name: str
    sample: Callable[[FastAPI], Awaitable[Iterable[Reading]]]
    # Releases what the samples keep open between rounds (clients), when the service stops.
    close: Callable[[FastAPI], Awaitable[None]] | None = None


SAMPLER_UP = SampledGauge(
    "hub_metrics_sampler_up", "1 if the sampler's last round succeeded, 0 if it failed or timed out.", ("sampler",)
)
SAMPLE_AGE = SampledGauge("hub_metrics_sample_age_seconds", "Seconds since the sampler last succeeded.", ("sampler",))


@dataclass
class _Kept:
    readings: tuple[Reading, ...] = ()
    ok: bool | None = None  # None: not tried yet
    sampled_at: float | None = None


class MetricsSampling(BackgroundWork):
    """One service's samplers, run every `interval_seconds` while scraped; what they read is kept for the collector."""

    def __init__(self, app: FastAPI, samplers: Sequence[Sampler], interval_seconds: float) -> None:
        service = app.state.settings.service_name
        super().__init__(f"metrics-sampling-{service}")
        self.app = app
        self.service = service
        self.samplers = list(samplers)
        self.interval_seconds = interval_seconds
        self._kept: dict[str, _Kept] = {sampler.name: _Kept() for sampler in self.samplers}
        self._wanted_at: float | None = None
        self._round_at: float | None = None

    def want(self) -> None:
        """A scrape read the readings: keep them current (see the module's docstring)."""
        self._wanted_at = time.monotonic()

    async def run(self) -> None:
        while True:
            now = time.monotonic()
            wanted = self._wanted_at is not None and now - self._wanted_at <= IDLE_AFTER_SECONDS
            if wanted and (self._round_at is None or now - self._round_at >= self.interval_seconds):
                self._round_at = now
                await self.refresh()
            await asyncio.sleep(min(self.interval_seconds, TICK_SECONDS))

    async def cleanup(self) -> None:
        for sampler in self.samplers:
            if sampler.close is not None:
                with contextlib.suppress(Exception):
                    await sampler.close(self.app)

    async def refresh(self) -> None:
        """Run every sampler once, side by side, and keep what each read."""
        await asyncio.gather(*(self._refresh(sampler) for sampler in self.samplers))

    async def _refresh(self, sampler: Sampler) -> None:
        kept = self._kept[sampler.name]
        try:
            async with asyncio.timeout(SAMPLE_TIMEOUT_SECONDS):
                readings = tuple(await sampler.sample(self.app))
        except Exception as exc:
            if kept.ok is not False:  # once per failing streak, not every round
                log.warning("metrics sampler failed", sampler=sampler.name, error=f"{type(exc).__name__}: {exc}")
            self._kept[sampler.name] = _Kept(ok=False, sampled_at=kept.sampled_at)
            return
        self._kept[sampler.name] = _Kept(readings, ok=True, sampled_at=time.time())

    def readings(self) -> Iterator[Reading]:
        """What the samplers last read, and how each sampler fares."""
        now = time.time()
        for name, kept in self._kept.items():
            if kept.ok is None:
                continue
            yield from kept.readings
            yield SAMPLER_UP.reading(1 if kept.ok else 0, name)
            if kept.sampled_at is not None:
                yield SAMPLE_AGE.reading(max(now - kept.sampled_at, 0.0), name)


class SampledCollector(Collector):
    """Serves the kept readings of every service sampling in this process (see the module's docstring)."""

    def __init__(self) -> None:
        self._sampling: dict[int, MetricsSampling] = {}

    def add(self, sampling: MetricsSampling) -> None:
        self._sampling[id(sampling)] = sampling

    def remove(self, sampling: MetricsSampling) -> None:
        self._sampling.pop(id(sampling), None)

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # No fixed names: which gauges exist depends on the services sampling.
        return []

    def collect(self) -> Iterable[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for sampling in list(self._sampling.values()):
            sampling.want()
            for reading in sampling.readings():
                gauge = reading.gauge
                # Two replicas of a service in one process (a test) would repeat a series: the first one stands.
                key = (gauge.name, sampling.service, reading.labelvalues)
                if key in seen:
                    continue
                seen.add(key)
                family = families.get(gauge.name)
                if family is None:
                    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=("service", *gauge.labelnames))
                    families[gauge.name] = family
                family.add_metric([sampling.service, *reading.labelvalues], reading.value)
        return families.values()


COLLECTOR = SampledCollector()
REGISTRY.register(COLLECTOR)


@contextlib.asynccontextmanager
async def metrics_sampling(app: FastAPI, samplers: Sequence[Sampler]) -> AsyncIterator[None]:
    """A lifespan part sampling the service's gauges in the background while it is scraped;
    `app.state.metrics_sampling.refresh()` samples at once (tests)."""
    sampling = MetricsSampling(app, samplers, app.state.settings.metrics_sample_seconds)
    app.state.metrics_sampling = sampling
    COLLECTOR.add(sampling)
    sampling.start()
    try:
        yield
    finally:
        await sampling.stop()
        COLLECTOR.remove(sampling)
