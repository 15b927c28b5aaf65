"""The open-records changelog, `aggregation.open-records`: the records of open entries, from the big data centre to
open-svc's replica, so that the public never reaches the centre (A22.1, A24.1, A38.1).

It is not an event stream like `aggregation.events`, and differs from one in every way that matters to a reader:

* A state topic. A message is not a fact that happened but the current content of one record: its key is
  `<entry_id>:<record key>` (the entry's id, a colon, the record's key as the centre stores it: the key items'
  values as a JSON array), its value the record's data (a JSON object of item name → value, as the centre
  stores it). A null value (a tombstone) says the record is not open data any more: the record left the
  centre, its entry stopped being open (then every record of the entry gets one), or it came to rest on a
  subject's consent, which was given for collection, never for publication (A16.1).
* Compacted (`cleanup.policy=compact`). Kafka keeps at least the last message of every key, so reading the topic
  from its start yields the whole open content, and a replica can be rebuilt from it at any time. Tombstones are
  kept `delete.retention.ms` (7 days): a reader that stops for longer must rebuild rather than resume, or it
  could keep a record whose tombstone it never saw.
* Keyed, with no order across keys. Only the messages of one key are in order (`partition_of` puts them all in
  one partition); the same content may be published again (a relay that restarts republishes), so a reader
  applies a message as an upsert or a delete, which is idempotent, and keeps its own position in the topic.
* No CloudEvents headers, no outbox, no inbox. The centre does not record a message per change: its changelog
  relay publishes the committed state of what changed (see aggregation_svc.changelog), and what the topic carries
  is only ever data of an entry open at the time it was read (hub.published_catalogue.openness).

The topic's shape is declared once here: the centre's relay creates it with `TOPIC_CONFIG`, open-svc's replica
reads it with `parse_key`, and docs/events/asyncapi.json documents it from `OPEN_RECORDS`.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

TOPIC = "aggregation.open-records"
KEY_SEPARATOR = ":"
# How long Kafka keeps a tombstone once compaction has reached it: a replica that stopped reading for longer
# rebuilds instead of resuming.
TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000
TOPIC_CONFIG = {"cleanup.policy": "compact", "delete.retention.ms": str(TOMBSTONE_RETENTION_MS)}


def message_key(entry_id: uuid.UUID, key: str) -> bytes:
    """The topic's key of one record of an entry."""
    return f"{entry_id}{KEY_SEPARATOR}{key}".encode()


def partition_of(key: bytes, partitions: int) -> int:
    """The partition a key's messages go to: its CRC-32 modulo the topic's partition count. Stable for as long as
    the count stays (a state topic's partitions are never added to), and computed in C: Kafka's default
    partitioner, murmur2 in Python in aiokafka, costs more than the rest of publishing a record."""
    return zlib.crc32(key) % partitions


def parse_key(raw: bytes | None) -> tuple[uuid.UUID, str]:
    """The entry id and record key a message is about; ValueError for a key not of the topic's shape."""
    if raw is None:
        raise ValueError("a message of the open-records changelog has no key")
    entry, separator, key = raw.decode().partition(KEY_SEPARATOR)
    if not separator or not key:
        raise ValueError(f"not an open-records key: {raw[:200]!r}")
    return uuid.UUID(entry), key


@dataclass(frozen=True)
class ChangelogTopic:
    """A compacted state topic, as the AsyncAPI document describes it (hub.contracts.asyncapi)."""

    topic: str
    title: str
    summary: str
    producer: str
    key_schema: dict[str, Any]
    value_schema: dict[str, Any]
    config: dict[str, str] = field(default_factory=dict)


OPEN_RECORDS = ChangelogTopic(
    topic=TOPIC,
    title="OpenRecord",
    summary="The current content of one record of an open entry (A22.1, A24.1); a null value removes it.",
    producer="published by aggregation's changelog relay after each committed batch (a compacted state topic, "
    "not through the outbox)",
    key_schema={
        "type": "string",
        "description": "`<entry_id>:<record key>`: the entry's UUID, a colon, the record's key items' values as "
        "a JSON array",
        "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:.+$",
    },
    value_schema={
        "description": "The record's data (item name → value); null (a tombstone) when the record is not open data "
        "any more",
        "oneOf": [{"type": "object"}, {"type": "null"}],
    },
    config=TOPIC_CONFIG,
)

# Every state topic of the mesh, for the AsyncAPI document.
CHANGELOGS = (OPEN_RECORDS,)
