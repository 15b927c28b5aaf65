"""HTTP for the open catalogue's DCAT-AP 3.0.1 feed (A23.1, A24.1): anyone, and every harvester, reads it as
JSON-LD or Turtle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import StreamingResponse

from hub.dcat.feed import MEDIA_TYPES, FeedFormat, catalogue_feed
from hub.dcat.graph import Dataset
from open_svc.datasets.router import SettingsDep
from open_svc.dcat import datasets
from open_svc.dcat.repository import open_datasets
from open_svc.settings import Settings

router = APIRouter(tags=["DCAT-AP"])
DESCRIPTION = (
    "The open catalogue as DCAT-AP 3.0.1: a dcat:Catalog published by the bureau, every open dataset a dcat:Dataset "
    "of its provider agency with a dcat:Distribution per form its data is offered in, and the EU vocabularies "
    "(frequency, file type, access right, language, data theme, planned availability). Streamed; nothing that is not "
    "open data is in it (A22.1, A38.1)."
)


def _responses(feed_format: FeedFormat) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {MEDIA_TYPES[feed_format].split(";")[0]: {}}, "description": "The catalogue"}}


def _feed(request: Request, settings: Settings, feed_format: FeedFormat) -> StreamingResponse:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker

    async def pages() -> AsyncIterator[list[Dataset]]:
        async for page in open_datasets(sessionmaker):
            yield [datasets.dataset(settings, entry, agency) for entry, agency in page]

    body = catalogue_feed(datasets.catalogue(settings), pages(), feed_format)
    return StreamingResponse(body, media_type=MEDIA_TYPES[feed_format])


@router.get("/dcat/catalog.jsonld", response_class=StreamingResponse, responses=_responses(FeedFormat.jsonld),
            description=DESCRIPTION)  # fmt: skip
async def catalogue_jsonld(request: Request, settings: SettingsDep) -> StreamingResponse:
    """The open catalogue as DCAT-AP JSON-LD."""
    return _feed(request, settings, FeedFormat.jsonld)


@router.get("/dcat/catalog.ttl", response_class=StreamingResponse, responses=_responses(FeedFormat.turtle),
            description=DESCRIPTION)  # fmt: skip
async def catalogue_turtle(request: Request, settings: SettingsDep) -> StreamingResponse:
    """The open catalogue as DCAT-AP Turtle."""
    return _feed(request, settings, FeedFormat.turtle)
