"""Spans name who and what, never a record's data (A28.1, A36.1, A21.1).

Traces leave the hub for whatever backend the operators run, so no span may hold a value of a record. The records
pushed here carry values found nowhere else (a random token in each) and travel every way records go through the
mesh: pushed to the big data centre through the gateway (A17.1), read by their own agency by key (the value in the
URL's query), delivered to another agency under its grant with a key filter (A21.1), replicated to open-svc over the
open-records changelog and read by the public, and searched for through the CKAN Action API (A24.1); one message on
the ingest topic that cannot be applied, whose error quotes its record, goes to the DLQ. Every span of every service,
in memory: no name, attribute, event or status may contain one of those values. Meanwhile the spans of the same
exchanges carry the caller, agency, entry, grant and application ids (hub.span_attributes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from aggregation.centre import World, centre_world
from aiokafka import AIOKafkaProducer
from open.portal.world import station_entry
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from ops.exchange import Delivered, deliver_under_grant, purpose, subject_of

from harness import Infra, Keys, eventually, records_of
from hub.contracts.aggregation import BatchSubmitted
from hub.events import EventEnvelope
from hub.kafka import DLQ_SUFFIX
from hub.span_attributes import identifier, redact_url, route_parameters

pytestmark = pytest.mark.integration

SERVICES = ("catalog", "share", "aggregation", "open", "gateway")
GRANTED = ["station_no", "station_name"]
RECORDS = 6


def station(token: str, n: int) -> dict[str, Any]:
    """A record whose every text value holds the token (so a span holding any of them is found)."""
    return {"station_no": f"ZX{token}{n}", "station_name": f"观测站{token}{n}号", "district": f"区{token}{n}",
            "docks": 10 + n, "opened_on": "2025-03-01"}  # fmt: skip


@dataclass(frozen=True)
class Travelled:
    delivered: Delivered
    values: list[str]  # every distinctive value that went through the mesh
    spans: list[ReadableSpan]
    water_caller: str


@pytest.fixture(scope="module")
async def travelled(infra: Infra, keys: Keys) -> AsyncIterator[Travelled]:
    exporter = InMemorySpanExporter()
    async with centre_world(infra, keys, SERVICES, span_processors=[SimpleSpanProcessor(exporter)]) as world:
        token = uuid.uuid4().hex[:10]
        records = [station(token, n) for n in range(RECORDS)]
        delivered = await deliver_under_grant(world, records, GRANTED, **station_entry(classification="01-02"))
        values = [value for record in records for value in record.values() if isinstance(value, str) and token in value]
        await _read_every_way(world, delivered.entry_id, records[0])
        values.append(await _poison_dead_lettered(world, delivered.entry_id, token))
        yield Travelled(delivered, values, list(exporter.get_finished_spans()), subject_of(world.water.system))


async def _read_every_way(world: World, entry_id: str, record: dict[str, Any]) -> None:
    """The record read by key by its agency, filtered under the grant, from the open replica and by CKAN search;
    each answer checked to hold the record, so its values did pass through the services whose spans are read."""
    history = await world.history(entry_id, world.police.system, station_no=record["station_no"])
    assert history.status_code == 200, history.text
    filtered = await world.records(
        entry_id, {**world.water.system, **purpose()}, **{"key.station_no": record["station_no"]}
    )
    assert filtered.status_code == 200, filtered.text
    assert [r["station_name"] for r in filtered.json()["records"]] == [record["station_name"]]

    async def replicated() -> bool:
        response = await world.gateway.get(f"/api/open/datasets/{entry_id}")
        return response.status_code == 200 and response.json()["records"] == RECORDS

    await eventually(replicated, within=60)
    public = await world.gateway.get(f"/api/open/datasets/{entry_id}/records")
    assert public.status_code == 200, public.text
    assert record["station_name"] in public.text
    searched = await world.gateway.get(
        "/api/3/action/datastore_search", params={"resource_id": f"{entry_id}-csv", "q": record["station_name"]}
    )
    assert searched.status_code == 200, searched.text
    assert [r["station_no"] for r in searched.json()["result"]["records"]] == [record["station_no"]]


async def _poison_dead_lettered(world: World, entry_id: str, token: str) -> str:
    """A batch on the ingest topic whose record is not an object: the centre cannot apply it, and its error quotes
    the record (pydantic's input_value). Returns the value, once the message is in the DLQ."""
    poison = f"毒{token}"
    data = {
        "batch_id": "poison",
        "entry_id": entry_id,
        "agency_id": world.police.id,
        "job": "nightly",
        "records": [poison],
    }
    envelope = EventEnvelope(id=str(uuid.uuid4()), type=BatchSubmitted.type, source="/ingest-jobs/nightly",
                             subject=entry_id, time=datetime.now(UTC), data=data)  # fmt: skip
    key, headers, value = envelope.to_kafka()
    topic = f"{world.topic_prefix}{BatchSubmitted.topic}"
    producer = AIOKafkaProducer(bootstrap_servers=world.kafka)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()
    dead = await eventually(lambda: records_of(world.kafka, topic + DLQ_SUFFIX), within=30)
    # The DLQ keeps the error whole, quoting the value: only the span must not.
    assert poison in dict(dead[0].headers)["dlq_error"].decode()
    return poison


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def texts(span: ReadableSpan) -> Iterator[tuple[str, str]]:
    """Every text a span carries, with where it is: name, attributes, events and theirs, links', status, resource."""
    yield "name", span.name
    for name, value in (span.attributes or {}).items():
        yield name, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    for event in span.events:
        yield "event", event.name
        for name, value in (event.attributes or {}).items():
            yield f"event {event.name}: {name}", str(value)
    for link in span.links:
        for name, value in (link.attributes or {}).items():
            yield f"link: {name}", str(value)
    yield "status", span.status.description or ""
    for name, value in span.resource.attributes.items():
        yield f"resource: {name}", str(value)


async def test_no_span_holds_a_value_of_a_record_A28_1(travelled: Travelled) -> None:
    services = {service_of(span) for span in travelled.spans}
    assert services == set(SERVICES)
    leaks = [
        f"{service_of(span)} {span.name!r} {where}: {text[:200]}"
        for span in travelled.spans
        for where, text in texts(span)
        if any(value in text for value in travelled.values)
    ]
    assert leaks == []


def server_spans(travelled: Travelled, service: str, route: str) -> list[ReadableSpan]:
    return [
        s
        for s in travelled.spans
        if s.kind == SpanKind.SERVER and service_of(s) == service and (s.attributes or {}).get("http.route") == route
    ]


async def test_the_spans_of_a_delivery_name_the_caller_agency_entry_and_grant_A21_1_A36_1(
    travelled: Travelled,
) -> None:
    delivered = travelled.delivered
    expected = {"hub.caller.subject": travelled.water_caller, "hub.caller.kind": "agency_system",
                "hub.caller.agency": delivered.consumer.id, "hub.agency.id": delivered.consumer.id,
                "hub.entry.id": delivered.entry_id, "hub.grant.id": delivered.grant_id}  # fmt: skip
    # The water bureau's reads that were served (before the centre learnt the grant, they were refused).
    reads = [s for s in server_spans(travelled, "aggregation", "/entries/{entry_id}/records")
             if (s.attributes or {}).get("hub.caller.subject") == travelled.water_caller
             and (s.attributes or {}).get("http.status_code") == 200]  # fmt: skip
    assert len(reads) == 2  # the whole page, then the one record by its key
    for span in reads:
        assert {name: (span.attributes or {}).get(name) for name in expected} == expected
    # The gateway's spans of the same reads: the entry from its route, the grant as the centre reported it.
    gateway = [s for s in server_spans(travelled, "gateway", "/api/{prefix}/{path:path}")
               if (s.attributes or {}).get("hub.grant.id") == delivered.grant_id]  # fmt: skip
    assert len(gateway) == len(reads)
    for span in gateway:
        assert {name: (span.attributes or {}).get(name) for name in expected} == expected
    # The URL of the read by key keeps the filter's name, not its value (a record's).
    urls = [urlsplit(str((span.attributes or {}).get("http.url"))) for span in gateway]
    targets = sorted(f"{url.path}?{url.query}".rstrip("?") for url in urls)
    records = f"/api/aggregation/entries/{delivered.entry_id}/records"
    assert targets == [records, f"{records}?key.station_no=*"]


async def test_the_application_and_its_grant_are_named_from_the_gateway_to_kafka_A20_1(travelled: Travelled) -> None:
    delivered = travelled.delivered
    (applied,) = server_spans(travelled, "share", "/applications")
    attributes = applied.attributes or {}
    assert (attributes["hub.application.id"], attributes["hub.grant.id"], attributes["hub.entry.id"]) == (
        delivered.application_id,
        delivered.grant_id,
        delivered.entry_id,
    )
    issued = [s for s in travelled.spans if (s.attributes or {}).get("cloudevents.event_type") == "share.grant.issued"]
    assert {s.kind for s in issued} == {SpanKind.PRODUCER, SpanKind.CONSUMER}
    for span in issued:
        assert (span.attributes or {}).get("hub.grant.id") == delivered.grant_id
        assert (span.attributes or {}).get("hub.application.id") == delivered.application_id
        assert span.context.trace_id == applied.context.trace_id


def test_only_identifiers_become_id_attributes() -> None:
    # An id number, a login, a batch id chosen by its pusher: none is an identifier the spans may carry.
    for value in ("320200199001011234", "police-system", "b1", "ZX1", ""):
        assert identifier(value) is None
    some = uuid.uuid4()
    assert identifier(str(some).upper()) == str(some)
    assert route_parameters("/entries/{entry_id}/records", f"/entries/{some}/records") == {"entry_id": str(some)}


def test_a_urls_query_keeps_its_names_and_loses_its_values() -> None:
    value = quote("观测站1号")
    assert redact_url(f"http://h:1/records?key.station_no=ZX1&q={value}") == "http://h:1/records?key.station_no=*&q=*"
    assert redact_url("/entries/x/records") == "/entries/x/records"
