"""Traces in the UI operators already know: Zipkin's own server (deploy/zipkin.sh, on the jar `make test` resolves),
fed by the services through the standard OpenTelemetry configuration as `make up` sets it (OTEL_TRACES_EXPORTER,
OTEL_EXPORTER_ZIPKIN_ENDPOINT), and read back through Zipkin's HTTP API and its UI in Debian's Chromium.

One delivery through the gateway (tests/ops/exchange.py): the water bureau's application crosses gateway → share-svc
→ Kafka (share.events) → the big data centre consuming the grant, in one trace, every span naming the caller and the
application, grant and entry it is about (A12.1, A21.1, A36.1); the read under the grant is found by the grant's id.
The trace page is written to .run/screenshots/zipkin-trace.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from aggregation.centre import centre_world, person
from ops.exchange import Delivered, deliver_under_grant, subject_of
from playwright.async_api import async_playwright

from harness import Infra, Keys, eventually, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ZIPKIN_SH = REPO / "deploy" / "zipkin.sh"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = REPO / ".run" / "screenshots" / "zipkin-trace.png"
SERVICES = ("catalog", "share", "aggregation", "gateway")
GRANTED = ["id_number", "age"]
ISSUED = "share.grant.issued"

Span = dict[str, Any]


@dataclass(frozen=True)
class Zipkin:
    """A Zipkin server of this module alone, run by the same script as `make up`'s."""

    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['ZIPKIN_PORT']}"

    async def run(self, command: str) -> None:
        # Not subprocess.run: the services run on this event loop and must keep running while the script waits.
        process = await asyncio.create_subprocess_exec(
            str(ZIPKIN_SH), command, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise AssertionError(f"deploy/zipkin.sh {command} failed ({process.returncode}):\n{output.decode()}")

    async def traces(self, **query: str) -> list[list[Span]]:
        """Traces the API finds (GET /api/v2/traces), each a list of Zipkin v2 spans."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10.0) as client:
            response = await client.get("/api/v2/traces", params={"limit": "20", **query})
        assert response.status_code == 200, response.text
        found: list[list[Span]] = response.json()
        return found


@dataclass(frozen=True)
class Traced:
    zipkin: Zipkin
    delivered: Delivered
    caller: str  # the water bureau's system, as its token names it


@pytest.fixture(scope="module")
async def traced(infra: Infra, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Traced]:
    env = {**os.environ, "ZIPKIN_DIR": str(tmp_path_factory.mktemp("zipkin")), "ZIPKIN_PORT": str(free_port()),
           "ZIPKIN_JARS": os.environ.get("HUB_TEST_ZIPKIN_JARS") or str(REPO / ".run" / "zipkin-jars")}  # fmt: skip
    # With ZIPKIN_URL set, the script would use that server and start nothing.
    env.pop("ZIPKIN_URL", None)
    zipkin = Zipkin(env)
    # Zipkin takes some ten seconds to start: the hub starts meanwhile.
    starting = asyncio.create_task(zipkin.run("start"))
    try:
        with pytest.MonkeyPatch.context() as patch:
            # What `make up` gives the services: the SDK's Zipkin exporter, pointed at this server.
            patch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
            patch.setenv("OTEL_EXPORTER_ZIPKIN_ENDPOINT", f"{zipkin.url}/api/v2/spans")
            async with centre_world(infra, keys, SERVICES) as world:
                await starting
                records = [person(n) for n in range(20)]
                delivered = await deliver_under_grant(world, records, GRANTED)
                providers = [service.app.state.tracer_provider for service in world.mesh.services.values()]
                for provider in providers:
                    provider.force_flush()
                yield Traced(zipkin, delivered, subject_of(world.water.system))
            # Their exporters' threads would go on sending to a Zipkin that is gone.
            for provider in providers:
                provider.shutdown()
    finally:
        with contextlib.suppress(Exception):
            await starting
        await zipkin.run("stop")


def by_id(trace: list[Span]) -> dict[str, Span]:
    return {span["id"]: span for span in trace}


def where(trace: list[Span], service: str, kind: str) -> list[Span]:
    return [s for s in trace if s["localEndpoint"]["serviceName"] == service and s.get("kind") == kind]


def ancestry(trace: list[Span], span: Span) -> list[Span]:
    """The span and its ancestors up to the trace's root, nearest first."""
    spans, chain = by_id(trace), [span]
    while "parentId" in chain[-1]:
        chain.append(spans[chain[-1]["parentId"]])
    return chain


async def found_once(zipkin: Zipkin, complete: Any, **query: str) -> list[Span]:
    """The one trace the query finds, once Zipkin holds all of it (spans of one trace arrive service by service)."""

    async def check() -> list[list[Span]] | None:
        traces = await zipkin.traces(**query)
        return traces if traces and all(complete(t) for t in traces) else None

    traces: list[list[Span]] = await eventually(check, within=30, every=0.5)
    assert len(traces) == 1, [[s["name"] for s in t] for t in traces]
    return traces[0]


def _consumed(trace: list[Span]) -> bool:
    return bool(where(trace, "aggregation", "CONSUMER"))


async def test_one_trace_runs_from_the_gateway_through_kafka_to_the_consuming_service_A12_1(traced: Traced) -> None:
    delivered = traced.delivered
    trace = await found_once(traced.zipkin, _consumed, annotationQuery=f"hub.application.id={delivered.application_id}")

    # The grant reaches the big data centre: its consumer's span continues the trace the gateway's request began.
    consumed = [s for s in where(trace, "aggregation", "CONSUMER") if s["tags"]["cloudevents.event_type"] == ISSUED]
    assert consumed, [s["name"] for s in trace]
    assert consumed[0]["name"].endswith("share.events process")
    chain = ancestry(trace, consumed[0])
    hops = [(s["localEndpoint"]["serviceName"], s.get("kind")) for s in chain]
    # Nearest first: the centre's processing, the share relay's publish to Kafka, share-svc's request, the gateway's.
    expected = [("aggregation", "CONSUMER"), ("share", "PRODUCER"), ("share", "SERVER"), ("gateway", "SERVER")]
    assert [hop for hop in hops if hop in expected] == expected, hops
    assert chain[1]["name"].endswith("share.events publish")
    root = chain[-1]
    assert (root["localEndpoint"]["serviceName"], root["kind"], "parentId" in root) == ("gateway", "SERVER", False)

    # Who and what, on the gateway's, the service's and the Kafka spans (ids only).
    assert root["tags"]["hub.caller.subject"] == traced.caller
    assert root["tags"]["hub.caller.kind"] == "agency_system"
    assert root["tags"]["hub.agency.id"] == delivered.consumer.id
    (served,) = where(trace, "share", "SERVER")
    assert served["tags"]["hub.caller.subject"] == traced.caller
    assert served["tags"]["hub.application.id"] == delivered.application_id
    assert served["tags"]["hub.grant.id"] == delivered.grant_id
    for kafka_span in (chain[0], chain[1]):
        assert kafka_span["tags"]["hub.grant.id"] == delivered.grant_id
        assert kafka_span["tags"]["hub.entry.id"] == delivered.entry_id
        assert kafka_span["tags"]["hub.application.id"] == delivered.application_id


def _delivery(trace: list[Span]) -> bool:
    return bool(where(trace, "gateway", "SERVER")) and any(
        s["name"].endswith("/records") for s in where(trace, "aggregation", "SERVER")
    )


async def test_the_delivery_under_a_grant_is_found_by_the_grants_id_A21_1(traced: Traced) -> None:
    delivered = traced.delivered

    async def deliveries() -> list[list[Span]] | None:
        # Found by the grant: the application that issued it and the read made under it.
        traces = await traced.zipkin.traces(annotationQuery=f"hub.grant.id={delivered.grant_id}")
        reads = [t for t in traces if _delivery(t)]
        return reads if len(traces) == 2 and reads else None

    (trace,) = await eventually(deliveries, within=30, every=0.5)
    (gateway,) = where(trace, "gateway", "SERVER")
    (centre,) = where(trace, "aggregation", "SERVER")
    for span in (gateway, centre):
        assert span["tags"]["hub.grant.id"] == delivered.grant_id
        assert span["tags"]["hub.entry.id"] == delivered.entry_id
        assert span["tags"]["hub.caller.subject"] == traced.caller
        assert span["tags"]["hub.agency.id"] == delivered.consumer.id


async def test_the_zipkin_ui_finds_the_trace_and_shows_its_spans_in_chromium(traced: Traced) -> None:
    delivered = traced.delivered
    trace = await found_once(traced.zipkin, _consumed, annotationQuery=f"hub.application.id={delivered.application_id}")
    trace_id = trace[0]["traceId"]
    query = quote(f"hub.application.id={delivered.application_id}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = await browser.new_page(base_url=traced.zipkin.url, viewport={"width": 1400, "height": 1000})
            # The search an operator runs: every trace whose spans carry the application's id.
            await page.goto(f"/zipkin/?annotationQuery={query}&lookback=1h&limit=10")
            await page.get_by_role("button", name="Run query").click()
            await page.get_by_text("1 Result").wait_for()
            found = page.locator('a[href*="/zipkin/traces/"]')
            assert await found.count() == 1
            assert await found.get_attribute("href") == f"/zipkin/traces/{trace_id}"
            await found.click()
            await page.get_by_text(trace_id, exact=True).wait_for()
            text = await page.locator("body").inner_text()
            # The centre's processing of the grant, selected: the span's details list its tags.
            for processing in await page.get_by_text(re.compile(r"share\.events process$")).all():
                await processing.click()
                details = await page.locator("body").inner_text()
                if ISSUED in details:
                    break
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            await browser.close()
    # Each row is "<service>: <span name>": the gateway's request, share-svc's, its publish, the centre's processing.
    for row in ("gateway: post", "share: post /applications", "share.events publish", "aggregation:",
                "share.events process"):  # fmt: skip
        assert row in text, text
    for tag in (ISSUED, f"hub.grant.id\t{delivered.grant_id}", f"hub.entry.id\t{delivered.entry_id}"):
        assert tag in details, details
