"""Request and response bodies of the open platform's datasets (A24.1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from hub.contracts.vocabulary import BaseDatabase, Category, OpenType, UpdateCycle
from open_svc.datasets.rules import Distribution


class Sort(StrEnum):
    """The orders a dataset list comes in."""

    newest = "newest"  # by publication of the held version, latest first
    downloads = "downloads"  # most downloaded first
    views = "views"  # most viewed first


@dataclass(frozen=True)
class DatasetQuery:
    """Filters, order and page of the dataset list."""

    text: str = ""
    agency_id: uuid.UUID | None = None
    category: Category | None = None
    base_database: BaseDatabase | None = None
    update_cycle: UpdateCycle | None = None
    open_type: OpenType | None = None
    format: Distribution | None = None
    sort: Sort = Sort.newest
    limit: int = 20
    offset: int = 0


class Agency(BaseModel):
    id: uuid.UUID
    name: str | None = Field(description="The agency's current name (None until the registry announced it)")


class Counts(BaseModel):
    views: int
    downloads: int


class DatasetSummary(BaseModel):
    """A dataset as lists show it."""

    entry_id: uuid.UUID
    code: str
    version: int
    name: str
    summary: str
    agency: Agency
    region_code: str
    category: Category | None
    base_database: BaseDatabase | None
    open_type: OpenType
    update_cycle: UpdateCycle
    formats: list[Distribution] = Field(description="How its data is offered; files only when unconditionally open")
    published_at: datetime
    counts: Counts


class FacetValue(BaseModel):
    value: str
    label: str | None = None
    count: int


class Facets(BaseModel):
    """How many of the matching datasets have each value (agencies: the 50 with most)."""

    agency: list[FacetValue]
    category: list[FacetValue]
    base_database: list[FacetValue]
    update_cycle: list[FacetValue]
    open_type: list[FacetValue]
    format: list[FacetValue]


class DatasetPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DatasetSummary]
    facets: Facets


class Item(BaseModel):
    """A data item the dataset opens (信息项): a column of its records."""

    name: str
    label: str
    data_type: str
    key: bool
    required: bool


class Licence(BaseModel):
    title: str | None
    url: str | None


class QualitySummary(BaseModel):
    """The dataset's metadata quality (A25.1); every criterion at /datasets/{entry_id}/quality."""

    udata_score: float = Field(description="udata's score, 0 to 1")
    mqa_points: float = Field(description="data.europa.eu MQA points, of 405")
    mqa_rating: str


class DatasetOut(DatasetSummary):
    """A dataset with its metadata, counts, licence and quality (A24.1, A25.1)."""

    open_conditions: str | None
    items: list[Item]
    records: int = Field(description="Records the open platform holds")
    last_updated_at: datetime | None = Field(description="When its records last changed")
    licence: Licence
    quality: QualitySummary


class PreviewOut(BaseModel):
    """The first records of a dataset, in key order, projected on its items."""

    entry_id: uuid.UUID
    columns: list[str]
    rows: list[dict[str, Any]]


class Record(BaseModel):
    key: str
    data: dict[str, Any]


class RecordsPage(BaseModel):
    """A page of a dataset's records in key order; `next` continues after its last record."""

    entry_id: uuid.UUID
    items: list[Record]
    next: str | None = Field(description="Pass as `after` for the next page; None on the last page")
