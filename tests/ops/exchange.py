"""The exchange the trace tests follow, on the real mesh: the police publish an entry (shared unconditionally), push
its records to the big data centre, and the water bureau applies for some of its items: granted at once (A20.1),
share-svc publishes the grant on share.events and the centre consumes it; the water bureau then reads the records
under the grant, stating its purpose (A21.1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import jwt
from aggregation.centre import Agency, World, ndjson

from harness import eventually

PURPOSE = "低保资格审核"


def purpose() -> dict[str, str]:
    """The purpose a pull declares: percent-encoded UTF-8, as HTTP header values are Latin-1 (A21.1)."""
    return {"x-hub-purpose": quote(PURPOSE)}


def subject_of(agency_system: dict[str, str]) -> str:
    """The client id a caller's access token names (what the gateway puts on its spans as the caller)."""
    token = agency_system["authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


@dataclass(frozen=True)
class Delivered:
    entry_id: str
    application_id: str
    grant_id: str
    consumer: Agency
    page: dict[str, Any]


async def deliver_under_grant(
    world: World, records: list[dict[str, Any]], granted: list[str], **entry: Any
) -> Delivered:
    """Publish, push, apply and read: the records of the granted items the water bureau received."""
    entry_id = await world.publish(world.police, **entry)
    pushed = await world.push(entry_id, f"b{uuid.uuid4().hex[:8]}", ndjson(records), world.police.job)
    assert pushed.status_code == 201, pushed.text
    application = {"entry_id": entry_id, "items": granted, "purpose": PURPOSE, "legal_basis": "《社会救助暂行办法》",
                   "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat()}  # fmt: skip
    applied = await world.gateway.post("/api/share/applications", json=application, headers=world.water.system)
    assert applied.status_code == 201, applied.text
    detail = applied.json()
    assert detail["state"] == "granted", detail

    async def read() -> httpx.Response | None:
        # The centre learns the grant from share.events a moment after share-svc answered.
        response = await world.records(entry_id, {**world.water.system, **purpose()})
        return response if response.status_code == 200 else None

    page = await eventually(read)
    return Delivered(entry_id, str(detail["id"]), str(detail["grant"]["id"]), world.water, page.json())
