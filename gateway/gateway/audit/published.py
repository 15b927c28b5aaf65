"""The copy of the audit chain outside the gateway's database: the `gateway.audit` topic (A36.1).

Every committed record is published there with its seq and hash (ExchangesAudited, by gateway.audit.publisher), and
every anchor (AuditAnchored). Read back as marks for `verify_chain`, they are what the database cannot take back:
a chain whose tail was cut after its newest anchor, or whose anchors were deleted along with it, still ends
before the records that were published. Records are published within moments of their commit (the publisher's
interval, then the relay); a tail cut within those moments is beyond this copy's reach, and the anchors' alone.
"""

from __future__ import annotations

from typing import Any

from hub.contracts.gateway import AuditAnchored, ExchangesAudited, GatewayAuditEvent
from hub.events import EventEnvelope
from hub.kafka import records_to_end
from hub.settings import HubSettings


def marks_of(envelope: EventEnvelope) -> list[dict[str, Any]]:
    """The marks {seq, hash, source} one published event holds (none for an event of another type)."""
    if envelope.type == ExchangesAudited.type:
        return [{"seq": r["seq"], "hash": r["hash"], "source": "published record"} for r in envelope.data["records"]]
    if envelope.type == AuditAnchored.type:
        return [{"seq": envelope.data["seq"], "hash": envelope.data["hash"], "source": "published anchor"}]
    return []


async def published_marks(settings: HubSettings) -> list[dict[str, Any]]:
    """Every record and anchor published on the topic up to its end offsets when this starts."""
    return [
        mark
        async for message in records_to_end(settings, [settings.topic(GatewayAuditEvent.topic)])
        for mark in marks_of(EventEnvelope.from_kafka(list(message.headers), message.value))
    ]
