"""Grant events as share-svc publishes them on share.events (CloudEvents on the real Kafka), for the centre's
tests: issue, narrow and revoke grants of published entries, and wait until the centre has applied them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aggregation.centre import World
from aiokafka import AIOKafkaProducer

from harness import eventually
from hub.contracts.share import GrantIssued, GrantNarrowed, GrantRevoked, ShareEvent
from hub.events import EventEnvelope
from hub.kafka import ensure_topics

PURPOSE = "低保资格审核"


def envelope_of(event: ShareEvent) -> EventEnvelope:
    """The event as share-svc's outbox relay publishes it."""
    return EventEnvelope(
        id=str(uuid.uuid4()), type=event.type, source="/hub/share", subject=event.aggregate_id(),
        time=datetime.now(UTC), data=event.model_dump(mode="json"),
    )  # fmt: skip


@dataclass
class ShareTopic:
    """share.events of one test hub, written by the test as share-svc would."""

    world: World
    producer: AIOKafkaProducer

    async def send(self, event: ShareEvent | EventEnvelope) -> str:
        """Publish an event (or an envelope, to send one twice) keyed by its grant; returns the event id."""
        envelope = event if isinstance(event, EventEnvelope) else envelope_of(event)
        key, headers, value = envelope.to_kafka()
        topic = f"{self.world.topic_prefix}{ShareEvent.topic}"
        await self.producer.send_and_wait(topic, value, key=key, headers=headers)
        return envelope.id

    async def applied(self, *event_ids: str) -> None:
        """Wait until the centre has applied the events: their ids are in its inbox."""

        async def done() -> bool:
            found = await self.world.rows("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=list(event_ids))
            return bool(found[0][0] == len(set(event_ids)))

        await eventually(done)

    async def publish(self, *events: ShareEvent) -> None:
        """Publish the events in this order and wait until the centre has applied them all."""
        await self.applied(*[await self.send(event) for event in events])


@asynccontextmanager
async def share_topic(world: World) -> AsyncIterator[ShareTopic]:
    """A producer on the hub's share.events (created if the centre's consumer has not yet made it)."""
    await ensure_topics(world.mesh.services["aggregation"].app.state.settings, [ShareEvent.topic])
    producer = AIOKafkaProducer(bootstrap_servers=world.kafka)
    await producer.start()
    try:
        yield ShareTopic(world, producer)
    finally:
        await producer.stop()


def issued(entry_id: str, consumer: str, provider: str, items: list[str], **overrides: Any) -> GrantIssued:
    """A grant issued now, valid for a year, for `PURPOSE`."""
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "grant_id": uuid.uuid4(), "application_id": uuid.uuid4(), "entry_id": uuid.UUID(entry_id),
        "entry_version": 1, "consumer_agency_id": uuid.UUID(consumer), "provider_agency_id": uuid.UUID(provider),
        "region_code": "320200", "items": items, "purpose": PURPOSE, "valid_from": now - timedelta(minutes=5),
        "valid_until": now + timedelta(days=365), "issued_at": now, **overrides,
    }  # fmt: skip
    return GrantIssued(**fields)


def narrowing(grant: GrantIssued, items: list[str], **overrides: Any) -> GrantNarrowed:
    """The grant narrowed to `items` by a new version of its entry."""
    fields: dict[str, Any] = {"grant_id": grant.grant_id, "entry_id": grant.entry_id, "items": items,
                              "entry_version": 2, "at": datetime.now(UTC), "reason": "新版本删除了信息项"}  # fmt: skip
    return GrantNarrowed(**(fields | overrides))


def revocation(grant: GrantIssued, **overrides: Any) -> GrantRevoked:
    """The grant revoked now by the provider's officer."""
    fields: dict[str, Any] = {"grant_id": grant.grant_id, "entry_id": grant.entry_id,
                              "consumer_agency_id": grant.consumer_agency_id, "revoked_at": datetime.now(UTC),
                              "revoked_by": "agency-officer:provider", "reason": "提供部门撤销共享"}  # fmt: skip
    return GrantRevoked(**(fields | overrides))
