"""Request rates, latencies and errors per route (hub_http_request_duration_seconds, hub.probes): every answer is
counted under its route template, never the raw path, with its status, so refusals and failures show per route."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY

from hub.errors import NotFound

SERIES = "hub_http_request_duration_seconds"


def widgets_app(make_service_app: Callable[..., FastAPI]) -> FastAPI:
    router = APIRouter()

    @router.get("/widgets/{widget_id}")
    async def widget(widget_id: str) -> dict[str, str]:
        if widget_id != "known":
            raise NotFound(f"No widget {widget_id}.")
        await asyncio.sleep(0.05)  # a measurable answer
        return {"id": widget_id}

    @router.post("/widgets/{widget_id}/breakage")
    async def breakage(widget_id: str) -> None:
        raise RuntimeError("a bug")

    return make_service_app(router)


def count(method: str, route: str, status: int) -> float:
    labels = {"service": "tiny", "method": method, "route": route, "status": str(status)}
    return REGISTRY.get_sample_value(f"{SERIES}_count", labels) or 0.0


def routes_seen() -> set[str]:
    return {
        sample.labels["route"]
        for family in REGISTRY.collect()
        if family.name == SERIES
        for sample in family.samples
        if sample.labels.get("service") == "tiny"
    }


async def test_answers_are_counted_by_route_template_and_status_with_their_latency(
    make_service_app: Callable[..., FastAPI],
) -> None:
    app = widgets_app(make_service_app)
    template = "/widgets/{widget_id}"
    before = {status: count("GET", template, status) for status in (200, 404)}
    failures_before = count("POST", "/widgets/{widget_id}/breakage", 500)
    unmatched_before = count("GET", "unmatched", 404)
    slow_before = REGISTRY.get_sample_value(f"{SERIES}_sum", {"service": "tiny", "method": "GET", "route": template,
                                                              "status": "200"}) or 0.0  # fmt: skip
    stranger = uuid.uuid4().hex
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        assert (await http.get("/widgets/known")).status_code == 200
        assert (await http.get("/widgets/known")).status_code == 200
        assert (await http.get(f"/widgets/{stranger}")).status_code == 404
        assert (await http.post(f"/widgets/{stranger}/breakage")).status_code == 500
        assert (await http.get(f"/nowhere/{stranger}")).status_code == 404
    assert count("GET", template, 200) - before[200] == 2
    assert count("GET", template, 404) - before[404] == 1
    assert count("POST", "/widgets/{widget_id}/breakage", 500) - failures_before == 1
    # A path no route matches is one series, whatever the path: a scanner cannot explode the series.
    assert count("GET", "unmatched", 404) - unmatched_before == 1
    assert not any(stranger in route for route in routes_seen())
    slow_after = REGISTRY.get_sample_value(f"{SERIES}_sum", {"service": "tiny", "method": "GET", "route": template,
                                                             "status": "200"}) or 0.0  # fmt: skip
    assert slow_after - slow_before >= 2 * 0.05
