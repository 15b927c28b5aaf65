"""Response bodies of the metadata quality score (A25.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class CriterionOut(BaseModel):
    """One criterion, visible: the points earned of its maximum and what the platform read it from."""

    id: str
    dimension: str | None = Field(default=None, description="The MQA dimension (None for udata's criteria)")
    met: bool
    points: float
    max_points: float
    basis: str


class Udata(BaseModel):
    """udata's score: one point for each of its nine criteria met, over nine."""

    score: float = Field(description="0 to 1")
    criteria: list[CriterionOut]


class Dimension(BaseModel):
    id: str
    points: float
    max_points: float


class Mqa(BaseModel):
    """data.europa.eu's Metadata Quality Assessment: points of 405 in five dimensions, and its rating."""

    points: float
    max_points: float = 405.0
    rating: str = Field(description="excellent (351+), good (221+), sufficient (121+), bad")
    dimensions: list[Dimension]
    indicators: list[CriterionOut]


class DatasetQuality(BaseModel):
    """An open dataset's metadata quality (A25.1)."""

    entry_id: uuid.UUID
    assessed_at: datetime
    udata: Udata
    mqa: Mqa


class CriterionShare(BaseModel):
    """A criterion across an agency's open datasets: how many meet it, and the mean points earned."""

    id: str
    dimension: str | None = None
    datasets_meeting: int
    mean_points: float
    max_points: float
    basis: str


class AgencyQuality(BaseModel):
    """The metadata quality of an agency's open datasets (A25.1): means over them, and every criterion's share."""

    agency_id: uuid.UUID
    agency_name: str | None
    assessed_at: datetime
    datasets: int
    udata_score: float | None = Field(description="The mean of the datasets' udata scores (None: no dataset)")
    mqa_points: float | None = Field(description="The mean of the datasets' MQA points (None: no dataset)")
    mqa_rating: str | None
    udata_criteria: list[CriterionShare]
    mqa_indicators: list[CriterionShare]
