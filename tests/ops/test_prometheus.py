"""A real Prometheus (Debian's `prometheus` package, started by deploy/prometheus.sh as `make up` starts it) scraping a
running mesh: every service's /metrics is scraped, the series the issue requires are read back through the HTTP
query API with the values the traffic implies, the alert rules evaluate on them (an overdue review is pending,
A20.2), and every panel of the Grafana dashboards in deploy/grafana returns series.

The hub's world is the fuzzing suite's seed (tests/fuzz/seed.py): agencies, published entries, records pushed to
the big data centre, share applications under review, disputed and granted, an agreed open application. Added
here: a refused token (a security event), a request for an entry that does not exist (a 404 on a route template),
and a message no consumer can read on catalog.events and aggregation.ingest (dead letters).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fuzz.seed import seed

from harness import Infra, Keys, LocalMesh, eventually, free_port, hub_on_fresh_databases, rows
from hub.mesh import load_mesh

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_SH = REPO / "deploy" / "prometheus.sh"
DASHBOARDS = sorted((REPO / "deploy" / "grafana").glob("*.json"))
SERVICES = ("catalog", "share", "open", "aggregation", "gateway")
UNLIMITED = {kind: "100000/second" for kind in ("anonymous", "portal_user", "agency_system", "ingest_job",
                                                 "agency_person", "operator")}  # fmt: skip
# The share-svc clock, moved past every review's due date (5 working days, A20.2).
LATER = timedelta(days=30)

Vector = list[dict[str, Any]]


def series(name: str, **labels: str) -> str:
    """A PromQL selector: `series("up", job="share")` is `up{job="share"}`."""
    return name + "{" + ", ".join(f'{label}="{value}"' for label, value in labels.items()) + "}"


def of(service: str, **labels: str) -> dict[str, str]:
    """The labels of a service's own series as its own target exposes them."""
    return {"job": service, "service": service, **labels}


@dataclass
class Observed:
    """The mesh, the Prometheus scraping it, and what the test knows of the traffic."""

    mesh: LocalMesh
    prometheus: httpx.AsyncClient
    topic_prefix: str

    async def query(self, expr: str) -> Vector:
        """The instant vector (or scalar, as one sample) of a PromQL expression; a refused query fails the test."""
        answer = await self.prometheus.get("/api/v1/query", params={"query": expr})
        body = answer.json()
        assert answer.status_code == 200, f"{expr}: {answer.text}"
        assert body["status"] == "success", f"{expr}: {answer.text}"
        result = body["data"]["result"]
        return [{"metric": {}, "value": result}] if body["data"]["resultType"] == "scalar" else list(result)

    async def settles(self, expr: str, condition: str, within: float = 60) -> None:
        """Wait until `expr condition` holds (a comparison such as `== 4`): the samplers, the scrapes and a rate's
        window each take their time. Fails showing what `expr` is."""
        try:
            await eventually(lambda: self.query(f"{expr} {condition}"), within=within, every=0.5)
        except AssertionError:
            pytest.fail(f"{expr} is not {condition}: {await self.query(expr)}")

    async def value(self, expr: str) -> float:
        """The one value of an expression that must select exactly one series."""
        vector = await self.query(expr)
        assert len(vector) == 1, f"{expr} selects {vector}"
        return float(vector[0]["value"][1])


async def prometheus_sh(command: str, env: dict[str, str]) -> None:
    """deploy/prometheus.sh, without blocking the loop the mesh serves on."""
    process = await asyncio.create_subprocess_exec(
        str(PROMETHEUS_SH), command, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output.decode()


async def unreadable_message(bootstrap: str, topic: str) -> None:
    """A message that is no CloudEvent: every consumer of the topic dead-letters it."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=b"not a cloudevent", key=b"garbage")
    finally:
        await producer.stop()


async def traffic(mesh: LocalMesh, gateway: httpx.AsyncClient) -> None:
    """The seeded world, a refused token and a missing entry."""
    callers = (await seed(mesh, gateway)).callers
    refused = await gateway.get("/api/catalog/catalogue", headers={"authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    missing = await gateway.get(f"/api/catalog/entries/{uuid.uuid4()}", headers=callers["agency"])
    assert missing.status_code == 404


@contextlib.asynccontextmanager
async def running_prometheus(mesh: LocalMesh) -> AsyncIterator[httpx.AsyncClient]:
    """A Prometheus of this module alone, started by deploy/prometheus.sh on the mesh's ports, scraping every second;
    a client of its HTTP API."""
    folder = tempfile.mkdtemp(prefix="hub-prometheus-")
    env = {
        "PROMETHEUS_DIR": folder,
        "PROMETHEUS_PORT": str(free_port()),
        "PROMETHEUS_SCRAPE_INTERVAL": "1s",
        "PROMETHEUS_ARGS": "--scrape.discovery-reload-interval=500ms",
        "PROMETHEUS_TARGETS": ",".join(f"{name}={mesh.url(name).removeprefix('http://')}" for name in SERVICES),
    }
    await prometheus_sh("start", env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{env['PROMETHEUS_PORT']}") as client:
            yield client
    finally:
        await prometheus_sh("stop", env)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
async def observed(infra: Infra, keys: Keys) -> AsyncIterator[Observed]:
    if shutil.which("prometheus") is None:
        pytest.fail("prometheus is not installed: `make prometheus` installs Debian's prometheus package")
    overrides: dict[str, dict[str, Any]] = {"gateway": {"HUB_RATE_LIMITS": UNLIMITED}}
    async with (
        hub_on_fresh_databases(
            infra, keys, SERVICES,
            settings_overrides=lambda name: {"metrics_sample_seconds": 1.0, **overrides.get(name, {})},
        ) as (mesh, gateway),
        running_prometheus(mesh) as prometheus,
    ):  # fmt: skip
        prefix = mesh.topic_prefix
        seen = Observed(mesh, prometheus, prefix)
        await traffic(mesh, gateway)
        mesh.services["share"].app.state.clock = lambda: datetime.now(UTC) + LATER
        # The dead-letter counters are scraped at 0 first, so the dead letters below are an increase.
        counter = series("hub_events_dead_lettered_total", **of("share", topic=f"{prefix}catalog.events"))
        await eventually(lambda: seen.query(f"{counter} == 0"), within=30)
        for topic in ("catalog.events", "aggregation.ingest"):
            await unreadable_message(infra.kafka_bootstrap, prefix + topic)
        await eventually(lambda: seen.query(f"{counter} == 1"), within=30)
        yield seen


async def test_prometheus_scrapes_every_service_of_the_mesh(observed: Observed) -> None:
    async def healthy() -> dict[str, str]:
        answer = (await observed.prometheus.get("/api/v1/targets")).json()["data"]["activeTargets"]
        health = {target["labels"]["job"]: target["health"] for target in answer}
        return health if set(health.values()) == {"up"} else {}

    health = await eventually(healthy, within=20)
    assert set(health) == set(SERVICES)
    assert await observed.value("count(up == 1)") == len(SERVICES)


async def test_request_rates_latencies_and_errors_are_read_back_per_route_template(observed: Observed) -> None:
    requests = "hub_http_request_duration_seconds"
    missing = series(f"{requests}_count", **of("catalog", method="GET", route="/entries/{entry_id}", status="404"))
    await observed.settles(missing, ">= 1")
    await observed.settles(series(f"{requests}_count", **of("gateway", status="401")), ">= 1")
    # Prometheus's own scrapes are requests too: the gateway is never idle.
    await observed.settles(f"sum(rate({series(f'{requests}_count', **of('gateway'))}[1m]))", "> 0")
    buckets = series(f"{requests}_bucket", **of("gateway"))
    await observed.settles(f"histogram_quantile(0.95, sum by (le) (rate({buckets}[1m])))", "> 0")


async def test_consumer_lag_outbox_and_dead_letters_are_read_back(observed: Observed) -> None:
    prefix = observed.topic_prefix
    topic = f"{prefix}catalog.events"
    consumers = [name for name in SERVICES if "catalog.events" in load_mesh().service(name).consumes]
    for name in consumers:
        await observed.settles(series("hub_consumer_lag", **of(name, group=f"{prefix}{name}", topic=topic)), "== 0")
        await observed.settles(series("hub_events_dead_lettered_total", **of(name, topic=topic)), "== 1")
    # Every consumer of catalog.events wrote the unreadable message to catalog.events.dlq once.
    await observed.settles(series("hub_dead_letter_messages", **of("share", topic=topic)), f"== {len(consumers)}")
    for name in SERVICES:
        await observed.settles(series("hub_outbox_backlog", **of(name)), ">= 0")
        await observed.settles(series("hub_outbox_oldest_age_seconds", **of(name)), "< 60")
    await observed.settles(series("hub_consumer_lag", **of("open", group=f"{prefix}open-replica")), "== 0")
    ingest = of("aggregation", topic=f"{prefix}aggregation.ingest", outcome="dead-lettered")
    await observed.settles(series("hub_events_consumed_total", **ingest), "== 1")


async def test_jobs_applications_deadlines_audit_and_security_are_read_back(observed: Observed) -> None:
    jobs = await observed.query(series("hub_jobs", **of("catalog", kind="catalogue-import")))
    assert {found["metric"]["state"] for found in jobs} == {"queued", "running", "succeeded", "failed"}
    await observed.settles(series("hub_job_units_done", **of("aggregation", kind="backup")), "== 0")
    # The seed: an application under review, one refused and disputed, one granted at once (A20.1–A20.3); an open
    # application approved and agreed (A24.2, A24.3). Every other state counts none.
    for service, states in (("share", ("requested", "disputed", "granted")), ("open", ("agreed",))):
        for state in states:
            await observed.settles(series("hub_applications", **of(service, state=state)), "== 1")
        await observed.settles(f"sum({series('hub_applications', **of(service))})", f"== {len(states)}")
    # share-svc's clock is 30 days ahead: every running review is past its 5 working days (A20.2).
    [(running,)] = await rows(observed.mesh.databases["share"], "SELECT count(*) FROM reviews WHERE closed_on IS NULL")
    assert running >= 2  # the application under review awaits its provider and the bureau
    await observed.settles(series("hub_deadlines_running", **of("share", deadline="share_review")), f"== {running}")
    await observed.settles(series("hub_deadlines_overdue", **of("share", deadline="share_review")), f"== {running}")
    await observed.settles(series("hub_deadlines_overdue", **of("open", deadline="open_application")), "== 0")
    await observed.settles(series("hub_deadlines_overdue", **of("catalog", deadline="change_notice")), "== 0")
    await observed.settles(series("hub_audit_records_total", job="gateway"), "> 0")
    await observed.settles(series("hub_audit_pending_records", **of("gateway")), "== 0")
    await observed.settles(series("hub_security_events_total", job="gateway", event="auth.failed"), ">= 1")
    await observed.settles(f"min({series('hub_metrics_sampler_up', job='share')})", "== 1")


async def test_the_alert_rules_evaluate_and_the_overdue_reviews_and_dead_letters_alert_A20_2(
    observed: Observed,
) -> None:
    groups = (await observed.prometheus.get("/api/v1/rules")).json()["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) >= 12
    assert [rule["name"] for rule in rules if rule["health"] != "ok"] == []

    async def alerting(name: str) -> list[dict[str, Any]]:
        alerts = (await observed.prometheus.get("/api/v1/alerts")).json()["data"]["alerts"]
        return [
            alert for alert in alerts if alert["labels"]["alertname"] == name and alert["labels"].get("job") == "share"
        ]

    [overdue] = await eventually(lambda: alerting("HubShareReviewsOverdue"), within=20)
    assert overdue["state"] == "pending"  # for 15 minutes before it fires
    assert overdue["labels"]["requirement"] == "A20.2"
    dead = await eventually(lambda: alerting("HubDeadLettersGrowing"), within=20)
    assert {alert["state"] for alert in dead} == {"firing"}


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel, expression) of every query of every panel."""
    found = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text(encoding="utf-8"))
        for panel in board["panels"]:
            found += [(path.name, panel["title"], target["expr"]) for target in panel["targets"]]
    return found


def test_the_dashboards_are_grafana_dashboards_on_a_prometheus_datasource() -> None:
    assert {path.name for path in DASHBOARDS} == {"hub-mesh-health.json", "hub-exchanges.json", "hub-ingest.json",
                                                  "hub-deadlines.json"}  # fmt: skip
    uids = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text(encoding="utf-8"))
        uids.append(board["uid"])
        assert isinstance(board["schemaVersion"], int)
        assert board["schemaVersion"] >= 36
        assert board["title"]
        assert board["panels"]
        [variable] = board["templating"]["list"]
        assert (variable["type"], variable["query"], variable["name"]) == ("datasource", "prometheus", "datasource")
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids))
        for panel in board["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
            refs = [target["refId"] for target in panel["targets"]]
            assert refs
            assert len(refs) == len(set(refs))
            assert all(target["expr"].strip() for target in panel["targets"])
    assert len(uids) == len(set(uids))


async def test_every_dashboard_panel_query_parses_and_returns_series(observed: Observed) -> None:
    queries = panel_queries()
    assert len(queries) >= 30

    async def empty() -> list[tuple[str, str, str]]:
        return [query for query in queries if not await observed.query(query[2])]

    # Rates need two scrapes within their window: wait for the young series to have them.
    async def none_empty() -> bool:
        return not await empty()

    try:
        await eventually(none_empty, within=30, every=1.0)
    except AssertionError:
        pytest.fail(f"panels without series: {await empty()}")


async def test_every_services_exposition_passes_promtools_metric_lint(observed: Observed) -> None:
    """`promtool check metrics`: names, types, units and help text as Prometheus's conventions have them."""
    problems = {}
    for name in SERVICES:
        async with observed.mesh.client(name) as client:
            exposition = (await client.get("/metrics")).content
        checked = await asyncio.create_subprocess_exec(
            "promtool", "check", "metrics", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await checked.communicate(exposition)
        problems[name] = [
            line
            for line in output.decode().splitlines()
            # hub_calendar_covered_days (hub.deadlines) counts days, as operators and the README read it.
            if line.startswith("hub_") and not line.startswith("hub_calendar_covered_days ")
        ]
    assert problems == {name: [] for name in SERVICES}
