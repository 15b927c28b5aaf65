"""Use cases of catalogue transfer: an agency imports its catalogue from a file (A14.1); the unified catalogue is
exported as CSV, XLSX or DCAT-AP JSON-LD.

An import is a job (hub.jobs): the request queues the file and answers 202; the job parses it and writes through
the entries' own use cases, a batch of entries at a time, so every rule of compiling and submitting applies
unchanged. All its writes are one transaction: a job run again after its runner died starts from nothing. One
entry's refusal leaves the others imported.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.agencies import repository as agencies
from catalog_svc.entries import repository as entry_repository
from catalog_svc.entries import service as entries
from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.schemas import CatalogueQuery, EntryElements
from catalog_svc.jobs.models import Job
from catalog_svc.regions import service as regions
from catalog_svc.transfer import dcat, formats
from catalog_svc.transfer.schemas import FileFormat, ImportResult, Publisher, RowError
from catalog_svc.transfer.table import EXPORT_COLUMNS, ParsedEntry, ParsedFile, parse_table, rows_of
from hub.errors import Conflict, Forbidden, InvalidInput, Problem
from hub.internal_token import Caller
from hub.jobs import MAX_ERRORS, JobMixin, JobProgress, JobWork, submit_job
from hub.roles import Role
from hub.settings import HubSettings

PAGE_SIZE = 500
IMPORT_JOB = "catalogue-import"
# Entries written between two progress reports: few enough that progress moves every second or so, many enough
# that each batch's queries and inserts serve hundreds of entries.
BATCH_ENTRIES = 500


def importing_agency(caller: Caller) -> uuid.UUID:
    """The agency whose catalogue an import compiles: the calling agency system's own (A14.1)."""
    if Role.agency_system not in caller.roles or not caller.agency_id:
        raise Forbidden("Only an agency's system imports that agency's catalogue.", requirement="A14.1")
    return uuid.UUID(caller.agency_id)


async def _require_registered(session: AsyncSession, agency_id: uuid.UUID) -> None:
    if await agencies.get(session, agency_id) is None:
        raise InvalidInput("The calling agency is not registered.", errors=[{"field": "agency", "message": "unknown"}])


async def submit_import(
    session: AsyncSession, caller: Caller, body: bytes, file_format: FileFormat, charset: str, *, submit: bool
) -> JobMixin:
    """Queue the import of the agency's catalogue from a file (A14.1); it runs once the request commits."""
    agency_id = importing_agency(caller)
    await _require_registered(session, agency_id)
    # The job acts as its submitter did: the caller, as the gateway vouched for it, goes with the file.
    acting = {"subject": caller.subject, "kind": caller.kind, "roles": list(caller.roles),
              "agency_id": caller.agency_id, "region_code": caller.region_code}  # fmt: skip
    parameters = {"format": file_format.value, "charset": charset, "submit": submit, "caller": acting}
    return submit_job(session, Job, IMPORT_JOB, caller, input=body, parameters=parameters)


def parse_upload(file: IO[bytes], file_format: FileFormat, charset: str, agency_id: uuid.UUID) -> ParsedFile:
    """The entries of an uploaded file, each valid as a draft of the agency, and the rows refused."""
    with closing(formats.read_rows(file, file_format, charset)) as rows:
        return parse_table(rows, agency_id)


def import_work(today: Callable[[], date]) -> JobWork:
    """The import job's work: parse the file, then import it in one transaction, reporting progress in entries.

    `today` is the service's clock (change notices met by submissions are dated by it, A14.2).
    """

    async def run(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        acting = parameters["caller"]
        caller = Caller(**{**acting, "roles": tuple(acting["roles"])})
        file_format = FileFormat(parameters["format"])
        # Parsed before the transaction opens, so that no database connection waits on a large file.
        parsed = await to_thread.run_sync(
            parse_upload, io.BytesIO(data or b""), file_format, parameters["charset"], importing_agency(caller)
        )
        async with progress.sessionmaker() as session, session.begin():
            result = await import_catalogue(
                session, caller, parsed, submit=bool(parameters["submit"]), today=today(), progress=progress
            )
        return result.model_dump()

    return run


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


@dataclass
class _Imported:
    """An entry of the file as written, with the version an import may submit."""

    parsed: ParsedEntry
    entry: Entry
    version: EntryVersion


async def _save(
    session: AsyncSession, caller: Caller, parsed: ParsedEntry, existing: Entry, latest: EntryVersion
) -> tuple[EntryVersion, bool]:
    """Write an entry the catalogue has as its next draft: (its latest version, whether anything was written)."""
    entries.require_provider(caller, existing)
    if existing.retired:
        raise Conflict(f"Entry {parsed.code} is retired and cannot change.", requirement="A14.1")
    if existing.region_code != parsed.entry.region_code:
        message = f"entry {parsed.code} belongs to region {existing.region_code}; its region cannot change"
        raise InvalidInput(message, errors=[{"field": "region_code", "message": message}])
    elements = EntryElements.model_validate(parsed.entry.model_dump(include=set(entries.ELEMENT_FIELDS)))
    # Re-importing an unchanged catalogue must not start new versions (nor announce changes).
    if entries.elements_of(latest) == elements.model_dump(mode="json", include=set(entries.ELEMENT_FIELDS)):
        return latest, False
    # In a savepoint: a refused edit leaves this entry as it was and the rest of the import going.
    async with session.begin_nested():
        return await entries.edit_draft(session, caller, existing.id, elements), True


async def import_catalogue(
    session: AsyncSession, caller: Caller, parsed: ParsedFile, *, submit: bool, today: date, progress: JobProgress
) -> ImportResult:
    """Import the agency's catalogue: every entry without a bad row becomes a draft (or the next draft of an entry
    it already has); with `submit`, each is also sent for review, a refusal leaving it a draft (A14.1).

    Progress (entries done of those in the file) and the rows refused are reported as it goes. InvalidInput,
    listing the errors, when nothing could be imported.
    """
    agency_id = importing_agency(caller)
    await _require_registered(session, agency_id)
    result = ImportResult(total=parsed.total, created=0, updated=0, unchanged=0, submitted=0, refused=parsed.refused)
    errors = list(parsed.errors)
    done = parsed.refused
    await progress.report(done, parsed.total, _dumped(parsed.errors))
    # Held for the transaction: nothing changes an entry between the comparison and the write.
    existing = await entry_repository.entries_by_code(session, [e.code for e in parsed.entries], lock=True)
    latest = await entry_repository.latest_versions(session, [e.id for e in existing.values()])
    for start in range(0, len(parsed.entries), BATCH_ENTRIES):
        batch = parsed.entries[start : start + BATCH_ENTRIES]
        found: list[RowError] = []
        created, changed = await _write(session, caller, batch, existing, latest, result, found)
        if submit:
            # Only now are the new entries loaded: an import that does not submit never reads them back.
            loaded = await entries.with_latest(session, list(created))
            imported = [*(_Imported(created[e.id], e, v) for e, v in loaded), *changed]
            await _submit(session, caller, imported, today, result, found)
        found.sort(key=lambda e: e.row)
        errors += found
        done += len(batch)
        await progress.report(done, errors=_dumped(found))
    if not result.created and not result.updated and not result.unchanged:
        raise InvalidInput(
            f"Nothing was imported: {len(errors)} error(s) in {parsed.rows} row(s).",
            errors=_dumped(sorted(errors, key=lambda e: e.row)[:MAX_ERRORS]),
        )
    return result


def _dumped(errors: Sequence[RowError]) -> list[dict[str, Any]]:
    return [e.model_dump(exclude_none=True) for e in errors]


async def _write(
    session: AsyncSession, caller: Caller, batch: Sequence[ParsedEntry], existing: dict[str, Entry],
    latest: dict[uuid.UUID, EntryVersion], result: ImportResult, errors: list[RowError],
) -> tuple[dict[uuid.UUID, ParsedEntry], list[_Imported]]:  # fmt: skip
    """Write a batch of entries as drafts, counting them in `result` and their refusals in `errors`: the new
    entries by id, and the entries the catalogue had, as written."""
    created: dict[uuid.UUID, ParsedEntry] = {}
    new = [parsed for parsed in batch if parsed.code not in existing]
    for parsed, outcome in zip(new, await entries.create_drafts(session, caller, [p.entry for p in new]), strict=True):
        if isinstance(outcome, Problem):
            errors += _errors_of(outcome, parsed)
            result.refused += 1
        else:
            created[outcome] = parsed
    result.created += len(created)
    changed: list[_Imported] = []
    for parsed in batch:
        entry = existing.get(parsed.code)
        if entry is None:
            continue
        try:
            version, written = await _save(session, caller, parsed, entry, latest[entry.id])
        except Problem as exc:
            errors += _errors_of(exc, parsed)
            result.refused += 1
            continue
        if written:
            result.updated += 1
        else:
            result.unchanged += 1
        changed.append(_Imported(parsed, entry, version))
    return created, changed


async def _submit(
    session: AsyncSession, caller: Caller, imported: Sequence[_Imported], today: date, result: ImportResult,
    errors: list[RowError],
) -> None:  # fmt: skip
    """Send the batch's drafts for review; a refused one stays a draft, its rows in `errors`."""
    ready = [i for i in imported if i.version.state in entries.SUBMITTABLE]
    held = [(i.entry, i.version) for i in ready]
    for item, refusal in zip(ready, await entries.submit_versions(session, caller, held, today), strict=True):
        if refusal is None:
            result.submitted += 1
        else:
            errors += _errors_of(refusal, item.parsed)


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
            publishers |= {a.id: Publisher.model_validate(a) for a in await agencies.by_ids(session, unknown)}
            issued = await entry_repository.first_published(session, [r.entry_id for r in rows])
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


def export_jsonld(
    sessionmaker: async_sessionmaker[AsyncSession], scope: list[str], region: str | None, settings: HubSettings
) -> AsyncIterator[bytes]:
    """The published catalogue as a DCAT-AP 3.0.1 dcat:Catalog in JSON-LD, streamed one page of datasets at a time."""
    return dcat.export(published(sessionmaker, scope), settings, region)
