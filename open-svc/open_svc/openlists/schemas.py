"""Response bodies of the open lists (A23.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AgencyList(BaseModel):
    """An agency's open list in brief: how many entries it holds now and when it last changed."""

    agency_id: uuid.UUID
    agency_name: str | None = Field(description="The agency's current name (None until the registry announced it)")
    total: int
    unconditional: int
    conditional: int
    changed_at: datetime | None


class AgencyListsPage(BaseModel):
    limit: int
    offset: int
    items: list[AgencyList]


class ListedItem(BaseModel):
    """A data item an entry opens (信息项)."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    label: str
    data_type: str


class ListedEntry(BaseModel):
    """An entry of an open list, as the catalogue published it."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: uuid.UUID
    code: str
    version: int
    name: str
    summary: str
    open_type: str
    open_conditions: str | None
    update_cycle: str
    category: str | None
    base_database: str | None
    items: list[ListedItem]
    published_at: datetime


class OpenListOut(AgencyList):
    """An agency's open list, a page of its entries in code order; `next_after` fetches the next page."""

    items: list[ListedEntry]
    next_after: str | None = Field(description="Pass as `after` for the next page; None on the last page")


class ListChangeOut(BaseModel):
    """One dated change of an open list (A23.1)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime = Field(description="When the open list changed")
    change: str = Field(description="added | removed | changed")
    entry_id: uuid.UUID
    code: str
    name: str
    version: int
    open_type: str
    changes: dict[str, Any] = Field(description='For "changed": {attribute: {"before": …, "after": …}}')
    published_at: datetime = Field(description="When the catalogue published the version concerned")


class HistoryPage(BaseModel):
    """An agency's open-list changes, newest first; `next_before` fetches older ones."""

    agency_id: uuid.UUID
    items: list[ListChangeOut]
    next_before: int | None
