"""Use cases of the audit domain: verifying the chain, exporting a range with its proof (A34.1, A36.1)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit import repository
from gateway.audit.chain import GENESIS, ChainBreak, verify_chain


async def verify(session: AsyncSession) -> list[ChainBreak]:
    """Every break in the whole chain and against every anchor."""
    records = [r async for r in repository.records(session, 1, None)]
    anchors = [{"seq": a.seq, "hash": a.hash} for a in await repository.anchors(session)]
    return verify_chain(records, anchors=anchors)


async def proof(session: AsyncSession, first: int) -> dict[str, Any]:
    """What lets a reader check an exported range: the hash it starts from and the anchors."""
    start = GENESIS if first <= 1 else await repository.hash_before(session, first)
    return {
        "algorithm": "sha256 over the canonical JSON of each record, its prev_hash included",
        "first_seq": first,
        "prev_hash_of_first": start,
        "anchors": [
            {"seq": a.seq, "hash": a.hash, "anchored_at": a.anchored_at.isoformat()}
            for a in await repository.anchors(session)
        ],
    }


def jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat(timespec="microseconds") if hasattr(v, "isoformat") else v) for k, v in record.items()}


async def export_json(
    sessionmaker: async_sessionmaker[AsyncSession], first: int, last: int | None, region: str | None
) -> AsyncIterator[bytes]:
    """The range as one JSON document {proof, records}, streamed; `region` limits it (None: everything).

    It opens its own session: the body is streamed after the request's session has closed.
    """
    async with sessionmaker() as session:
        yield b'{"proof":' + orjson.dumps(await proof(session, first)) + b',"records":['
        separator = b""
        async for record in repository.records(session, first, last, region=region):
            yield separator + orjson.dumps(jsonable(record))
            separator = b","
        yield b"]}"


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession], first: int, last: int | None, region: str | None
) -> AsyncIterator[bytes]:
    """The range as CSV, one record a row with its hash columns (the proof travels in response headers)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=repository.COLUMNS)
    writer.writeheader()
    async with sessionmaker() as session:
        async for record in repository.records(session, first, last, region=region):
            writer.writerow(jsonable(record))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
