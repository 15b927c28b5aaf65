"""Downloads of unconditionally open datasets (A24.1): every record, in key order, from one snapshot of the replica.

The request checks the dataset and counts the download; the file is then written while it is sent, from a session
of its own (the request's has committed by then) in a REPEATABLE READ transaction, so a download of any length
reads one consistent state of the dataset however the replica changes meanwhile. Rows come a keyset page at a time
(the replica's repository, in key order after the last key), so memory holds one page.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from enum import StrEnum
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.contracts.catalog import DataItemSpec
from open_svc.catalogue.models import PublishedEntry
from open_svc.datasets.counters import Tally
from open_svc.datasets.records import project
from open_svc.datasets.rules import require_direct_access
from open_svc.datasets.service import open_dataset
from open_svc.downloads.formats import CHUNK_BYTES, CsvChunks, JsonChunks, XlsxFile
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


async def _pages(
    sessionmaker: async_sessionmaker[AsyncSession], entry_id: uuid.UUID
) -> AsyncIterator[Sequence[dict[str, Any]]]:
    """Every record's data, a page at a time, in key order, from one snapshot."""
    async with sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        after: str | None = None
        while True:
            rows = await replica.rows(session, entry_id, after=after, limit=PAGE)
            if rows:
                yield [r.data for r in rows]
            if len(rows) < PAGE:
                return
            after = rows[-1].key


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


async def xlsx_file(sessionmaker: async_sessionmaker[AsyncSession], entry: PublishedEntry) -> IO[bytes]:
    """The dataset as an XLSX workbook in a temporary file (written off the event loop, a page at a time)."""
    workbook = XlsxFile([i.name for i in entry.items])

    def write(page: Sequence[dict[str, Any]]) -> None:
        for data in page:
            workbook.write(_values(entry.items, data))

    try:
        async for page in _pages(sessionmaker, entry.entry_id):
            await asyncio.to_thread(write, page)
        return await asyncio.to_thread(workbook.close)
    except BaseException:
        workbook.discard()
        raise


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """A file's bytes in chunks, closing it at the end (or when the client goes away)."""
    with file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
