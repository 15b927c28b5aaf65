"""HTTP for the metadata quality score (A25.1): anyone sees it, with every criterion."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from hub.db import SessionDep
from hub.dependencies import NowDep
from open_svc.datasets.router import SettingsDep
from open_svc.quality import service
from open_svc.quality.schemas import AgencyQuality, DatasetQuality

router = APIRouter(tags=["quality"])


@router.get("/datasets/{entry_id}/quality", response_model=DatasetQuality)
async def dataset_quality(
    entry_id: uuid.UUID, session: SessionDep, settings: SettingsDep, now: NowDep
) -> DatasetQuality:
    """An open dataset's metadata quality: udata's nine criteria and data.europa.eu MQA's indicators (A25.1)."""
    return await service.dataset_quality(session, entry_id, settings, now)


@router.get("/quality/agencies/{agency_id}", response_model=AgencyQuality)
async def agency_quality(
    agency_id: uuid.UUID, session: SessionDep, settings: SettingsDep, now: NowDep
) -> AgencyQuality:
    """The metadata quality of an agency's open datasets: mean scores, and how many meet each criterion (A25.1)."""
    return await service.agency_quality(session, agency_id, settings, now)
