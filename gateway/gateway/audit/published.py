"""The copy of the audit chain outside the gateway's database: the `gateway.audit` topic (A36.1).

Every committed batch of records is published there with each record's seq and hash (ExchangesAudited; its outbox
row commits with the batch), and every anchor (AuditAnchored). Read back as marks for `verify_chain`, they are
what the database cannot take back: a chain whose tail was cut after its newest anchor, or whose anchors were
deleted along with it, still ends before the records that were published. The relay publishes moments after each
commit; a tail cut within those moments is beyond this copy's reach, and the anchors' alone.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import UnknownTopicOrPartitionError

from hub.contracts.gateway import AuditAnchored, ExchangesAudited, GatewayAuditEvent
from hub.events import EventEnvelope
from hub.settings import HubSettings

UNKNOWN_TOPIC_OR_PARTITION = UnknownTopicOrPartitionError.errno


def marks_of(envelope: EventEnvelope) -> list[dict[str, Any]]:
    """The marks {seq, hash, source} one published event holds (none for an event of another type)."""
    if envelope.type == ExchangesAudited.type:
        return [{"seq": r["seq"], "hash": r["hash"], "source": "published record"} for r in envelope.data["records"]]
    if envelope.type == AuditAnchored.type:
        return [{"seq": envelope.data["seq"], "hash": envelope.data["hash"], "source": "published anchor"}]
    return []


async def published_marks(settings: HubSettings) -> list[dict[str, Any]]:
    """Every record and anchor published on the topic up to its end offsets when this starts."""
    topic = settings.topic(GatewayAuditEvent.topic)
    partitions = await _partitions(settings, topic)
    if not partitions:
        return []  # nothing published yet
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-audit-verify",
        enable_auto_commit=False,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        marks: list[dict[str, Any]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for tp, messages in (await consumer.getmany(*partitions, timeout_ms=1000)).items():
                for message in messages:
                    if message.offset < ends[tp]:
                        marks += marks_of(EventEnvelope.from_kafka(list(message.headers), message.value))
        return marks
    finally:
        await consumer.stop()


async def _partitions(settings: HubSettings, topic: str) -> list[TopicPartition]:
    """The topic's partitions; none if the topic does not exist yet."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-audit-verify",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] == UNKNOWN_TOPIC_OR_PARTITION:
        return []
    if described["error_code"]:
        raise RuntimeError(f"cannot read {topic}: Kafka error {described['error_code']}")
    return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
