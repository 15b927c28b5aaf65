"""Downloads of unconditionally open datasets (A24.1): every record, in key order, from one snapshot of the replica.

The request checks the dataset and counts the download; the file is then written while it is sent, from a session
of its own (the request's has committed by then) in a REPEATABLE READ transaction, so a download of any length
reads one consistent state of the dataset however the replica changes meanwhile. Rows come a keyset page at a time
(the replica's repository, in key order after the last key), so memory holds one page.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import xlsx_stream
from hub.contracts.catalog import DataItemSpec
from open_svc.catalogue.models import PublishedEntry
from open_svc.datasets.counters import Tally
from open_svc.datasets.records import project
from open_svc.datasets.rules import require_direct_access
from open_svc.datasets.service import open_dataset
from open_svc.downloads.formats import CsvChunks, JsonChunks
from open_svc.replica import repository as replica

# Records read per round trip of a download.
PAGE = 2000


class FileFormat(StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


MEDIA_TYPES = {
    FileFormat.csv: "text/csv; charset=utf-8",
    FileFormat.json: "application/json",
    FileFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def start_download(session: AsyncSession, entry_id: uuid.UUID, tally: Tally) -> PublishedEntry:
    """The dataset to download, counted; 404 for one that is not open, 403 for one open on conditions (A24.2)."""
    entry = await open_dataset(session, entry_id)
    require_direct_access(entry.open_type)
    tally.downloaded(entry_id)
    return entry


@asynccontextmanager
async def _snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


async def _pages_in(session: AsyncSession, entry_id: uuid.UUID) -> AsyncIterator[Sequence[dict[str, Any]]]:
    after: str | None = None
    while True:
        rows = await replica.rows(session, entry_id, after=after, limit=PAGE)
        if rows:
            yield [r.data for r in rows]
        if len(rows) < PAGE:
            return
        after = rows[-1].key


async def _pages(
    sessionmaker: async_sessionmaker[AsyncSession], entry_id: uuid.UUID
) -> AsyncIterator[Sequence[dict[str, Any]]]:
    """Every record's data, a page at a time, in key order, from one snapshot."""
    async with _snapshot(sessionmaker) as session:
        async for page in _pages_in(session, entry_id):
            yield page


def _values(items: Sequence[DataItemSpec], data: dict[str, Any]) -> list[Any]:
    return list(project(items, data).values())


async def csv_chunks(sessionmaker: async_sessionmaker[AsyncSession], entry: PublishedEntry) -> AsyncIterator[bytes]:
    """The dataset as CSV, a header of item names and a row per record."""
    out = CsvChunks([i.name for i in entry.items])
    async for page in _pages(sessionmaker, entry.entry_id):
        for data in page:
            if chunk := out.write(_values(entry.items, data)):
                yield chunk
    yield out.take()


async def json_chunks(sessionmaker: async_sessionmaker[AsyncSession], entry: PublishedEntry) -> AsyncIterator[bytes]:
    """The dataset as a JSON array of records (objects of item name → value)."""
    out = JsonChunks()
    async for page in _pages(sessionmaker, entry.entry_id):
        for data in page:
            if chunk := out.write(project(entry.items, data)):
                yield chunk
    yield out.end()


async def xlsx_chunks(sessionmaker: async_sessionmaker[AsyncSession], entry: PublishedEntry) -> AsyncIterator[bytes]:
    """The dataset as an XLSX workbook, a sheet per 1,048,575 records, streamed as it is written; the count that
    sets the sheets and the rows come from one snapshot."""
    async with _snapshot(sessionmaker) as session:
        records = await replica.count(session, entry.entry_id)
        rows = ([_values(entry.items, data) for data in page] async for page in _pages_in(session, entry.entry_id))
        async for chunk in xlsx_stream.xlsx_chunks([i.name for i in entry.items], rows, records):
            yield chunk
