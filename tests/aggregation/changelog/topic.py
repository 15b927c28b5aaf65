"""Reading the open-records changelog as any Kafka client would, and changing an entry's openness through the
catalogue: shared by the centre's changelog tests and open-svc's replica tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aggregation.centre import Agency, World, elements

from harness import records_of

TOPIC = "aggregation.open-records"
OPEN = {"open_type": "unconditional", "open_legal_basis": None}
CONDITIONALLY_OPEN = {"open_type": "conditional", "open_conditions": "签订开放利用协议", "open_legal_basis": None}
NOT_OPEN = {"open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》"}

Messages = dict[tuple[str, str], Any]  # (entry id, record key) → the last value (a dict), or None for a tombstone


async def topic_messages(world: World) -> list[tuple[str, str, bytes | None]]:
    """Every message of the changelog in partition and offset order: (entry id, record key, raw value)."""
    found = []
    for record in await records_of(world.kafka, f"{world.topic_prefix}{TOPIC}"):
        assert record.key is not None
        entry, _, key = record.key.decode().partition(":")
        found.append((str(uuid.UUID(entry)), key, record.value))
    return found


async def last_messages(world: World, entry_id: str) -> Messages:
    """The entry's keys as the compacted topic settles them: each key's last message, parsed."""
    last: Messages = {}
    for entry, key, value in await topic_messages(world):
        if entry == entry_id:
            last[(entry, key)] = None if value is None else json.loads(value)
    return last


async def centre_records(world: World, entry_id: str) -> dict[str, Any]:
    """The entry's records in the centre's own database: key → data."""
    rows = await world.rows("SELECT key, data::text FROM records WHERE entry_id = :e", e=uuid.UUID(entry_id))
    return {key: json.loads(data) for key, data in rows}


async def publish_version(world: World, entry_id: str, owner: Agency, version: int, **overrides: Any) -> None:
    """A new version of the entry with these elements, published by the bureau and known to the centre (A14.1)."""
    headers = owner.system
    draft = await world.gateway.put(
        f"/api/catalog/entries/{entry_id}/draft", json=elements(**overrides), headers=headers
    )
    assert draft.status_code == 200, draft.text
    assert (await world.gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=headers)).status_code == 200
    approved = await world.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=world.reviewer)
    assert approved.status_code == 200, approved.text
    await world.known(entry_id, owner, version=version)
