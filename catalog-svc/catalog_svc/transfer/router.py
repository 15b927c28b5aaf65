"""HTTP for catalogue imports and exports: parse, call the service, shape the response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from catalog_svc.regions.schemas import REGION_CODE_PATTERN
from catalog_svc.transfer import formats, service
from catalog_svc.transfer.schemas import ExportFormat, FileFormat
from catalog_svc.transfer.table import COLUMNS, MAX_ROWS
from hub.db import SessionDep
from hub.dependencies import TodayDep
from hub.internal_token import Caller
from hub.jobs import MAX_ERRORS, JobOut
from hub.media import text_charset
from hub.roles import Role, require_roles

router = APIRouter(tags=["transfer"])
AgencySystem = Annotated[Caller, Depends(require_roles(Role.agency_system))]
# Who may read the unified catalogue (the gateway's policy says the same).
CatalogueReader = Annotated[
    Caller,
    Depends(require_roles(*(set(Role) - {Role.anonymous, Role.portal_user}))),
]
_UPLOAD = {"content": {"text/csv": {"schema": {"type": "string"}},
                       formats.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}  # fmt: skip
_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, formats.XLSX_TYPE: {}, "application/ld+json": {}}}
}
_MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: formats.XLSX_TYPE,
    ExportFormat.jsonld: "application/ld+json",
}


IMPORT_DESCRIPTION = (
    "Import the agency's catalogue from a CSV or XLSX file sent as the body (row 1 the header), one row per data "
    f"item, up to {formats.MAX_UPLOAD_BYTES // (1024 * 1024)} MiB and {MAX_ROWS} rows. Columns: {', '.join(COLUMNS)}; "
    "`tags` and `related_codes` are separated by semicolons. Rows with one `code` make one entry of the caller's "
    "agency, written as a draft (A14.1); an entry with any bad row is not imported, the others are. CSV is UTF-8 "
    "unless its Content-Type names a charset (an unknown one is a 415). A CSV cell that is an apostrophe followed "
    "by =, +, -, @, tab or carriage return loses that one apostrophe (the catalogue's CSV export adds it against "
    "formula injection), so an exported catalogue imports unchanged.\n\n"
    "The import runs as a job: the answer is `202 Accepted` with the job, and `Location` names where to poll it "
    "(`GET /jobs/{job_id}`; through the gateway the gateway maps it to `/api/catalog/jobs/{job_id}`, so a "
    "client follows `Location` as it is). The job reports `done` of `total` entries as it goes, and in `errors` "
    f"each refused row (`row`, `field`, `message`, `requirement`, `code`; the first {MAX_ERRORS}, `error_count` "
    "counts all). It ends `succeeded` with `result` counting entries `created`, `updated`, `unchanged`, "
    "`submitted` and `refused`, or `failed` with a `problem` (422 when the header cannot be read or nothing "
    "could be imported). Its writes are one transaction: nothing of a failed import stays."
)
EXPORT_DESCRIPTION = (
    "The published unified catalogue as CSV or XLSX (the import's columns, one row per data item, then the "
    "provider and version) or as DCAT-AP JSON-LD (a dcat:Catalog of dcat:Dataset); `region` narrows it to a region "
    "and its districts.\n\n"
    "The CSV is meant for spreadsheets and is safe to open in one (OWASP, CSV injection): a text cell starting "
    "with =, +, -, @, a tab or a carriage return is written with one apostrophe (') in front, and so is a text "
    "cell made of apostrophes followed by one of those characters; nothing else is changed. Machine readers "
    "recover each value by removing one leading apostrophe from every cell that starts with apostrophes followed "
    "by one of those six characters (for example `'=1+2` → `=1+2`, `'-2` → `-2`, `''=x` → `'=x`); every other "
    "cell, `'abc` included, is the value itself. Whole numbers (item_length, version) are never prefixed. The XLSX "
    "export stores text as text and adds nothing."
)


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    description=IMPORT_DESCRIPTION,
    responses={202: {"headers": {"Location": {"description": "Where to poll the job", "schema": {"type": "string"}}}}},
    openapi_extra={"requestBody": {"required": True, **_UPLOAD}},
)
async def import_catalogue(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    caller: AgencySystem,
    format: Annotated[FileFormat | None, Query(description="csv or xlsx; by default from Content-Type")] = None,
    submit: Annotated[bool, Query(description="Also send each imported entry for review")] = False,
) -> JobOut:
    """Import the agency's catalogue from a spreadsheet, as a job (see the description)."""
    content_type = request.headers.get("content-type")
    file_format = formats.upload_format(format, content_type)
    charset = text_charset(content_type) if file_format == FileFormat.csv else "utf-8"
    body = await formats.read_upload(request.stream())
    job = await service.submit_import(session, caller, body, file_format, charset, submit=submit)
    # A path on this service: the gateway answers it as the same path under /api/catalog/ (A12.1).
    response.headers["location"] = f"/jobs/{job.id}"
    # Run after the answer, so after the request's transaction committed the job.
    background.add_task(request.app.state.job_runner.wake)
    return JobOut.model_validate(job)


@router.get(
    "/exports/catalogue", response_class=StreamingResponse, responses=_DOWNLOADS, description=EXPORT_DESCRIPTION
)
async def export_catalogue(
    request: Request,
    session: SessionDep,
    caller: CatalogueReader,
    today: TodayDep,
    format: ExportFormat = ExportFormat.csv,
    region: Annotated[
        str | None, Query(pattern=REGION_CODE_PATTERN, description="A region; its districts are included")
    ] = None,
) -> StreamingResponse:
    """The published unified catalogue as CSV, XLSX or DCAT-AP JSON-LD (see the description)."""
    scope = await service.export_scope(session, region)
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    filename = f"catalogue-{region or 'all'}-{today:%Y%m%d}.{format.value}"
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    media_type = _MEDIA_TYPES[format]
    if format == ExportFormat.xlsx:
        workbook = await service.export_xlsx(sessionmaker, scope)
        return StreamingResponse(formats.file_chunks(workbook), media_type=media_type, headers=headers,
                                 background=BackgroundTask(workbook.close))  # fmt: skip
    body = (
        service.export_csv(sessionmaker, scope)
        if format == ExportFormat.csv
        else service.export_jsonld(sessionmaker, scope, region, request.app.state.settings)
    )
    return StreamingResponse(body, media_type=media_type, headers=headers)
