"""HTTP for downloads (A24.1): anyone downloads an unconditionally open dataset as CSV, JSON or XLSX."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import StreamingResponse

from hub.db import SessionDep
from open_svc.datasets.router import TallyDep
from open_svc.downloads import service
from open_svc.downloads.service import MEDIA_TYPES, FileFormat

router = APIRouter(tags=["datasets"])
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}, "description": "The dataset's file"}
}


_WRITERS = {
    FileFormat.csv: service.csv_chunks,
    FileFormat.json: service.json_chunks,
    FileFormat.xlsx: service.xlsx_chunks,
}


def _disposition(code: str, file_format: FileFormat) -> str:
    """An attachment named after the resource code (RFC 6266), in ASCII and in UTF-8."""
    name = f"{code}.{file_format.value}"
    return f"attachment; filename=\"{_UNSAFE.sub('_', name)}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/datasets/{entry_id}/download", response_class=StreamingResponse, responses=_DOWNLOADS)
async def download(
    entry_id: uuid.UUID, request: Request, session: SessionDep, tally: TallyDep, format: FileFormat = FileFormat.csv
) -> StreamingResponse:
    """Every record of an unconditionally open dataset as CSV (UTF-8 with BOM, text cells safe from formula
    injection), JSON (an array of objects) or XLSX (a sheet per 1,048,575 records), each streamed as it is
    written; the download is counted (A24.1)."""
    entry = await service.start_download(session, entry_id, tally)
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    headers = {"content-disposition": _disposition(entry.code, format)}
    media_type = MEDIA_TYPES[format]
    writers = {
        FileFormat.csv: service.csv_chunks,
        FileFormat.json: service.json_chunks,
        FileFormat.xlsx: service.xlsx_chunks,
    }
    return StreamingResponse(writers[format](sessionmaker, entry), media_type=media_type, headers=headers)
