"""Use cases of the audit domain: verifying the chain, exporting a range with its proof (A34.1, A36.1)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit import repository
from gateway.audit.chain import GENESIS, ChainBreak, verify_chain
from hub.spreadsheets import neutralise_formula


async def verify(session: AsyncSession, published: Iterable[Mapping[str, Any]] = ()) -> list[ChainBreak]:
    """Every break in the whole chain, against every anchor and every `published` mark (see published.py)."""
    records = [r async for r in repository.records(session, 1, None)]
    anchors = [{"seq": a.seq, "hash": a.hash} for a in await repository.anchors(session)]
    return verify_chain(records, anchors=[*anchors, *published])


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


# Streamed bodies go out in pieces of about this size: few sends, flat memory.
CHUNK_BYTES = 64 * 1024


async def started(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`chunks` with its first piece already made, so a fault in making it (the database's, say) raises here,
    before any response has started, and becomes a problem+json answer instead of a 200 with a broken body."""
    first = await anext(chunks)

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return body()


async def export_json(
    sessionmaker: async_sessionmaker[AsyncSession], first: int, last: int | None, region: str | None
) -> AsyncIterator[bytes]:
    """The range as one JSON document {proof, records}, streamed; `region` limits it (None: everything).

    It opens its own session: the body is streamed after the request's session has closed. Its first piece holds
    the proof and the first page of records, so `started` runs the first queries before the response starts.
    """
    async with sessionmaker() as session:
        pieces = [b'{"proof":' + orjson.dumps(await proof(session, first)) + b',"records":[']
        size, separator = 0, b""
        async for record in repository.records(session, first, last, region=region):
            pieces.append(separator + orjson.dumps(jsonable(record)))
            size, separator = size + len(pieces[-1]), b","
            if size > CHUNK_BYTES:
                yield b"".join(pieces)
                pieces, size = [], 0
        pieces.append(b"]}")
        yield b"".join(pieces)


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession], first: int, last: int | None, region: str | None
) -> AsyncIterator[bytes]:
    """The range as CSV, one record a row with its hash columns (the proof travels in response headers).

    Records hold text callers typed (path, declared purpose, detail), and inspectors open this file in a spreadsheet:
    text that a spreadsheet would run as a formula gets one leading apostrophe (hub.spreadsheets). The hashes are of
    the values as recorded, so a program verifying the CSV first applies `hub.spreadsheets.restore_formula_text` to
    each text cell; the JSON export carries the values as recorded.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=repository.COLUMNS)
    writer.writeheader()
    async with sessionmaker() as session:
        async for record in repository.records(session, first, last, region=region):
            row = jsonable(record)
            writer.writerow({k: neutralise_formula(v) if isinstance(v, str) else v for k, v in row.items()})
            if buffer.tell() > CHUNK_BYTES:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
