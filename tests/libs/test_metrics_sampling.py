"""The sampled gauges' machinery (hub.metrics_sampling): a scrape serves what the samplers last read, labelled with
the service, never waits on a sampler, and a failing or hanging sampler's series vanish while it reports down."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY, generate_latest

from hub import metrics_sampling
from hub.metrics_sampling import Reading, SampledGauge, Sampler
from hub.metrics_sampling import metrics_sampling as sampling_of
from hub.settings import HubSettings

WIDGETS = SampledGauge("hub_test_widgets", "Widgets counted by a test sampler.", ("colour",))


def service_app(name: str) -> FastAPI:
    app = FastAPI()
    app.state.settings = HubSettings(service_name=name, log_json=False, metrics_sample_seconds=3600)
    return app


def value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def fixed(name: str, *readings: Reading) -> Sampler:
    """A sampler reading the same values every round."""

    async def sample(app: FastAPI) -> list[Reading]:
        return list(readings)

    return Sampler(name, sample)


@pytest.fixture
def service() -> str:
    """A service name no other test samples under (the registry is the process's)."""
    return f"svc-{uuid.uuid4().hex[:8]}"


def sampling(app: FastAPI, *samplers: Sampler) -> AbstractAsyncContextManager[None]:
    return sampling_of(app, samplers)


async def test_a_scrape_serves_the_last_readings_labelled_with_the_service(service: str) -> None:
    counts = {"red": 3}

    async def widgets(app: FastAPI) -> Iterable[Reading]:
        return [WIDGETS.reading(n, colour) for colour, n in counts.items()]

    app = service_app(service)
    async with sampling(app, Sampler("widgets", widgets)):
        await app.state.metrics_sampling.refresh()
        assert value("hub_test_widgets", service=service, colour="red") == 3
        counts.update(red=5, blue=1)
        assert value("hub_test_widgets", service=service, colour="red") == 3  # kept until the next round
        await app.state.metrics_sampling.refresh()
        assert value("hub_test_widgets", service=service, colour="red") == 5
        assert value("hub_test_widgets", service=service, colour="blue") == 1
        assert value("hub_metrics_sampler_up", service=service, sampler="widgets") == 1
        age = value("hub_metrics_sample_age_seconds", service=service, sampler="widgets")
        assert age is not None
        assert 0 <= age < 5
    # A stopped service's series leave with it.
    assert value("hub_test_widgets", service=service, colour="red") is None
    assert value("hub_metrics_sampler_up", service=service, sampler="widgets") is None


async def test_the_loop_samples_every_interval_while_scraped_and_not_at_all_unscraped(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics_sampling, "IDLE_AFTER_SECONDS", 0.6)
    rounds: list[float] = []

    async def widgets(app: FastAPI) -> list[Reading]:
        rounds.append(time.monotonic())
        return [WIDGETS.reading(len(rounds), "red")]

    app = FastAPI()
    app.state.settings = HubSettings(service_name=service, log_json=False, metrics_sample_seconds=0.2)
    async with sampling(app, Sampler("widgets", widgets)):
        await asyncio.sleep(0.5)
        assert rounds == []  # nobody scrapes: no load on the database
        first = generate_latest(REGISTRY).decode()
        assert f'service="{service}"' not in first  # nothing sampled yet, not even a sampler reported down
        for _ in range(5):  # scraped every 0.2 s for a second
            await asyncio.sleep(0.2)
            generate_latest(REGISTRY)
        scraped = len(rounds)
        assert 3 <= scraped <= 7
        assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(rounds))
        assert value("hub_test_widgets", service=service, colour="red") == len(rounds)
        await asyncio.sleep(1.5)  # scrapes stopped: sampling stops once they are 0.6 s old
        assert len(rounds) <= scraped + 4
        stopped = len(rounds)
        await asyncio.sleep(0.6)
        assert len(rounds) == stopped


async def test_a_failing_sampler_loses_its_series_and_reports_down_while_the_others_keep_theirs(
    service: str,
) -> None:
    broken = False

    async def flaky(app: FastAPI) -> list[Reading]:
        if broken:
            raise ConnectionRefusedError("the database does not answer")
        return [WIDGETS.reading(7, "green")]

    app = service_app(service)
    async with sampling(app, Sampler("flaky", flaky), fixed("steady", WIDGETS.reading(1, "grey"))):
        await app.state.metrics_sampling.refresh()
        assert value("hub_test_widgets", service=service, colour="green") == 7
        broken = True
        await app.state.metrics_sampling.refresh()
        # Vanished, not stale: an alert on a stale value would keep firing (or stay quiet) on old news.
        assert value("hub_test_widgets", service=service, colour="green") is None
        assert value("hub_metrics_sampler_up", service=service, sampler="flaky") == 0
        assert value("hub_test_widgets", service=service, colour="grey") == 1
        assert value("hub_metrics_sampler_up", service=service, sampler="steady") == 1
        broken = False
        await app.state.metrics_sampling.refresh()
        assert value("hub_test_widgets", service=service, colour="green") == 7
        assert value("hub_metrics_sampler_up", service=service, sampler="flaky") == 1


async def test_a_hanging_sampler_is_given_up_after_the_timeout(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_sampling, "SAMPLE_TIMEOUT_SECONDS", 0.2)

    async def hangs(app: FastAPI) -> list[Reading]:
        await asyncio.Event().wait()
        return []

    app = service_app(service)
    async with sampling(app, Sampler("hangs", hangs)):
        started = time.monotonic()
        await app.state.metrics_sampling.refresh()
        assert time.monotonic() - started < 2
        assert value("hub_metrics_sampler_up", service=service, sampler="hangs") == 0
        assert value("hub_metrics_sample_age_seconds", service=service, sampler="hangs") is None  # never succeeded


async def test_a_scrape_never_waits_on_a_sampler_in_progress(service: str) -> None:
    release = asyncio.Event()
    release.set()
    widgets = 1

    async def slow(app: FastAPI) -> list[Reading]:
        await release.wait()  # a query that takes its time, once the test says so
        return [WIDGETS.reading(widgets, "red")]

    app = service_app(service)
    async with sampling(app, Sampler("slow", slow)):
        await app.state.metrics_sampling.refresh()
        release.clear()
        widgets = 2
        round_in_progress = asyncio.create_task(app.state.metrics_sampling.refresh())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        exposition = generate_latest(REGISTRY).decode()
        assert time.monotonic() - started < 1
        assert f'hub_test_widgets{{colour="red",service="{service}"}} 1.0' in exposition
        release.set()
        await round_in_progress
        assert value("hub_test_widgets", service=service, colour="red") == 2


async def test_two_services_in_one_process_serve_their_own_readings(service: str) -> None:
    first, second = service_app(service), service_app(service + "-b")
    async with (
        sampling(first, fixed("widgets", WIDGETS.reading(1, "red"))),
        sampling(second, fixed("widgets", WIDGETS.reading(2, "red"))),
    ):
        await first.state.metrics_sampling.refresh()
        await second.state.metrics_sampling.refresh()
        assert value("hub_test_widgets", service=service, colour="red") == 1
        assert value("hub_test_widgets", service=service + "-b", colour="red") == 2


def test_a_reading_needs_a_value_for_each_label() -> None:
    assert WIDGETS.reading(1, "red") == Reading(WIDGETS, ("red",), 1.0)
    with pytest.raises(ValueError, match="colour"):
        WIDGETS.reading(1)
    with pytest.raises(ValueError, match="colour"):
        WIDGETS.reading(1, "red", "large")


async def test_a_sampler_closes_what_its_rounds_keep_open_when_the_service_stops(service: str) -> None:
    closed: list[str] = []

    async def keeping(app: FastAPI) -> list[Reading]:
        return []

    async def close(app: FastAPI) -> None:
        closed.append(app.state.settings.service_name)

    app = service_app(service)
    async with sampling(app, Sampler("keeping", keeping, close=close), fixed("plain")):
        await app.state.metrics_sampling.refresh()
        assert closed == []
    assert closed == [service]
