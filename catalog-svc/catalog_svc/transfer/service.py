"""Use cases of catalogue transfer: an agency imports its catalogue from a file (A14.1); the unified catalogue is
exported as CSV, XLSX or DCAT-AP JSON-LD.

Imports write through the entries' own use cases, so every rule of compiling and submitting applies unchanged.
They never commit; each entry is written in a savepoint, so one entry's refusal leaves the others imported.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

import orjson
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.agencies.models import Agency
from catalog_svc.entries import repository as entry_repository
from catalog_svc.entries import service as entries
from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.repository import CatalogueQuery
from catalog_svc.entries.schemas import EntryElements
from catalog_svc.regions import service as regions
from catalog_svc.transfer import dcat, formats, repository
from catalog_svc.transfer.schemas import FileFormat, ImportReport, Publisher, RowError
from catalog_svc.transfer.table import EXPORT_COLUMNS, ParsedEntry, ParsedFile, parse_table, rows_of
from hub.errors import Conflict, Forbidden, InvalidInput, Problem
from hub.internal_token import Caller
from hub.roles import Role

PAGE_SIZE = 500
SUBMITTABLE = frozenset({"draft", "returned"})


def importing_agency(caller: Caller) -> uuid.UUID:
    """The agency whose catalogue an import compiles: the calling agency system's own (A14.1)."""
    if Role.agency_system not in caller.roles or not caller.agency_id:
        raise Forbidden("Only an agency's system imports that agency's catalogue.", requirement="A14.1")
    return uuid.UUID(caller.agency_id)


def parse_upload(file: IO[bytes], file_format: FileFormat, charset: str, agency_id: uuid.UUID) -> ParsedFile:
    """The entries of an uploaded file, each valid as a draft of the agency, and the rows refused."""
    with closing(formats.read_rows(file, file_format, charset)) as rows:
        return parse_table(rows, agency_id)


def _errors_of(problem: Problem, parsed: ParsedEntry) -> list[RowError]:
    if not problem.errors:
        return [RowError(row=parsed.first_row, field="code", message=problem.detail,
                         requirement=problem.requirement, code=parsed.code)]  # fmt: skip
    return [
        RowError(
            row=parsed.row_of(str(e.get("field") or "code")),
            field=e.get("field"),
            message=str(e.get("message")),
            requirement=e.get("requirement") or problem.requirement,
            code=parsed.code,
        )
        for e in problem.errors
    ]


async def _save(
    session: AsyncSession, caller: Caller, parsed: ParsedEntry, existing: Entry | None
) -> tuple[uuid.UUID, bool, str]:
    """Write one entry as a draft: (its id, whether anything was written, the state of its latest version)."""
    if existing is None:
        entry, version = await entries.create_entry(session, caller, parsed.entry)
        return entry.id, True, version.state
    entries.require_provider(caller, existing)
    if existing.retired:
        raise Conflict(f"Entry {parsed.code} is retired and cannot change.", requirement="A14.1")
    if existing.region_code != parsed.entry.region_code:
        message = f"entry {parsed.code} belongs to region {existing.region_code}; its region cannot change"
        raise InvalidInput(message, errors=[{"field": "region_code", "message": message}])
    elements = EntryElements.model_validate(parsed.entry.model_dump(include=set(entries.ELEMENT_FIELDS)))
    latest = await entry_repository.version(session, existing.id, existing.latest_version)
    assert latest is not None
    # Re-importing an unchanged catalogue must not start new versions (nor announce changes).
    if entries.elements_of(latest) == elements.model_dump(mode="json", include=set(entries.ELEMENT_FIELDS)):
        return existing.id, False, latest.state
    version = await entries.edit_draft(session, caller, existing.id, elements)
    return existing.id, True, version.state


async def import_catalogue(
    session: AsyncSession, caller: Caller, file: IO[bytes], file_format: FileFormat, charset: str, *,
    submit: bool, today: date,
) -> ImportReport:  # fmt: skip
    """Import the agency's catalogue from a file: every entry without a bad row becomes a draft (or the next
    draft of an entry it already has); with `submit`, each is also sent for review, a refusal leaving it a draft.

    InvalidInput listing the errors when nothing could be imported.
    """
    agency_id = importing_agency(caller)
    # Parsed before the first query, so that no database connection waits on a large file.
    parsed = await to_thread.run_sync(parse_upload, file, file_format, charset, agency_id)
    if await session.get(Agency, agency_id) is None:
        raise InvalidInput("The calling agency is not registered.", errors=[{"field": "agency", "message": "unknown"}])
    report = ImportReport(imported=[], unchanged=[], submitted=[], errors=list(parsed.errors))
    existing = await repository.entries_by_code(session, [e.code for e in parsed.entries])
    for entry in parsed.entries:
        try:
            async with session.begin_nested():
                entry_id, written, state = await _save(session, caller, entry, existing.get(entry.code))
        except Problem as exc:
            report.errors += _errors_of(exc, entry)
            continue
        (report.imported if written else report.unchanged).append(entry.code)
        if not submit or state not in SUBMITTABLE:
            continue
        try:
            async with session.begin_nested():
                await entries.submit(session, caller, entry_id, today)
        except Problem as exc:
            report.errors += _errors_of(exc, entry)
        else:
            report.submitted.append(entry.code)
    report.errors.sort(key=lambda e: e.row)
    if not report.imported and not report.unchanged:
        raise InvalidInput(
            f"Nothing was imported: {len(report.errors)} error(s) in {parsed.rows} row(s).",
            errors=[e.model_dump(exclude_none=True) for e in report.errors],
        )
    return report


async def export_scope(session: AsyncSession, region: str | None) -> list[str]:
    """The regions an export covers: the region and those under it (A4.1), or every region."""
    if region is None:
        return [r.code for r in await regions.regions(session)]
    await regions.get_region(session, region)
    return await regions.subtree(session, region)


@dataclass(frozen=True)
class Published:
    version: EntryVersion
    publisher: Publisher | None
    issued: datetime | None


async def published(
    sessionmaker: async_sessionmaker[AsyncSession], scope: list[str]
) -> AsyncIterator[Sequence[Published]]:
    """The published catalogue over `scope`, page by page, all read from one snapshot of the database.

    It opens its own session: an export is streamed after the request's session has closed.
    """
    async with sessionmaker() as session, session.begin():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        publishers: dict[uuid.UUID, Publisher] = {}
        offset = 0
        while True:
            query = CatalogueQuery(regions=scope, limit=PAGE_SIZE, offset=offset)
            rows = await entry_repository.catalogue_rows(session, query)
            unknown = {r.provider_agency_id for r in rows} - publishers.keys()
            publishers |= {a.id: Publisher.model_validate(a) for a in await repository.agencies(session, unknown)}
            issued = await repository.first_published(session, [r.entry_id for r in rows])
            if rows:
                yield [Published(r, publishers.get(r.provider_agency_id), issued.get(r.entry_id)) for r in rows]
            if len(rows) < PAGE_SIZE:
                return
            offset += PAGE_SIZE
            session.expunge_all()


async def export_csv(sessionmaker: async_sessionmaker[AsyncSession], scope: list[str]) -> AsyncIterator[bytes]:
    """The published catalogue as CSV, streamed: one row per data item."""
    writer = formats.CsvWriter()
    writer.write(EXPORT_COLUMNS)
    async for page in published(sessionmaker, scope):
        for entry in page:
            for row in rows_of(entry.version, entry.publisher):
                writer.write(row)
        if chunk := writer.take():
            yield chunk
    yield writer.take(0)


def _write_page(writer: formats.XlsxWriter, page: Sequence[Published]) -> None:
    for entry in page:
        for row in rows_of(entry.version, entry.publisher):
            writer.write(row)


async def export_xlsx(sessionmaker: async_sessionmaker[AsyncSession], scope: list[str]) -> IO[bytes]:
    """The published catalogue as an XLSX workbook in a temporary file (a zip is only readable when whole)."""
    writer = formats.XlsxWriter(EXPORT_COLUMNS)
    async for page in published(sessionmaker, scope):
        await to_thread.run_sync(_write_page, writer, page)
    return await to_thread.run_sync(writer.save)


async def export_jsonld(
    sessionmaker: async_sessionmaker[AsyncSession], scope: list[str], region: str | None
) -> AsyncIterator[bytes]:
    """The published catalogue as a DCAT-AP dcat:Catalog in JSON-LD, streamed one page of datasets at a time."""
    yield dcat.catalogue_head(region)
    separator = b""
    async for page in published(sessionmaker, scope):
        parts = []
        for entry in page:
            parts.append(separator + orjson.dumps(dcat.dataset(entry.version, entry.publisher, entry.issued)))
            separator = b","
        yield b"".join(parts)
    yield dcat.CATALOGUE_TAIL
