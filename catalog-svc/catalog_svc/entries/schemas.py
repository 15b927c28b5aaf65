"""Request and response bodies of catalogue entries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalog_svc.regions.schemas import RegionCode
from hub.contracts.vocabulary import (
    BaseDatabase,
    Category,
    ItemType,
    OpenType,
    Secrecy,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)

# The resource code (资源代码): the entries' code column holds 60 characters.
EntryCode = Annotated[str, Field(min_length=1, max_length=60)]


class DataItem(BaseModel):
    """信息项: one field of the resource."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=100, description="Chinese label, e.g. 居民身份证号码")
    data_type: ItemType
    length: int | None = Field(default=None, ge=1, le=100_000)
    required: bool = False
    key: bool = False
    sensitivity: Sensitivity = Sensitivity.internal
    description: str = Field(default="", max_length=1000)


class ItemSource(BaseModel):
    """Why an item another agency is authoritative for is in this entry (A15.3)."""

    source_entry_code: str | None = Field(
        default=None, max_length=60, description="The authoritative entry it is shared from."
    )
    justification: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_of(self) -> ItemSource:
        if not self.source_entry_code and not self.justification:
            raise ValueError("cite the source entry or give a justification (A15.3)")
        return self


class EntryElements(BaseModel):
    """The elements of an entry. A draft may leave any out; submission checks them all (A13.1)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=4000)
    classification: str | None = Field(default=None, pattern=r"^\d{2}(-\d{2}){0,3}$", description="类/项/目/细目")
    category: Category | None = None
    base_database: BaseDatabase | None = None
    source_system: str | None = Field(default=None, max_length=200)
    format: str | None = Field(default=None, max_length=40)
    share_type: ShareType | None = None
    share_conditions: str | None = Field(default=None, max_length=4000)
    share_method: ShareMethod | None = None
    share_legal_basis: str | None = Field(default=None, max_length=4000)
    open_type: OpenType | None = None
    open_conditions: str | None = Field(default=None, max_length=4000)
    open_legal_basis: str | None = Field(default=None, max_length=4000)
    update_cycle: UpdateCycle | None = None
    secrecy: Secrecy = Secrecy.internal
    consent_required: bool = False
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=30)
    related_codes: list[EntryCode] = Field(default_factory=list, max_length=50)
    items: list[DataItem] = Field(default_factory=list, max_length=500)
    item_sources: dict[Annotated[str, Field(max_length=60)], ItemSource] = Field(default_factory=dict, max_length=500)


class EntryCreate(EntryElements):
    """A new entry: its resource code (代码) and responsible agency (提供方) are fixed from then on."""

    code: EntryCode
    region_code: RegionCode
    provider_agency_id: uuid.UUID


class ReturnIn(BaseModel):
    """Why a submitted entry goes back to its agency (A14.1): at least one reason."""

    reasons: list[Annotated[str, Field(max_length=1000)]] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _not_blank(self) -> ReturnIn:
        if not any(r.strip() for r in self.reasons):
            raise ValueError("a return needs at least one reason (A14.1)")
        return self


class VersionOut(EntryElements):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    entry_id: uuid.UUID
    version: int
    state: str
    code: str
    region_code: str
    provider_agency_id: uuid.UUID
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    return_reasons: list[str] | None
    published_at: datetime | None
    source_conflicts: list[dict[str, Any]]


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    region_code: str
    provider_agency_id: uuid.UUID
    latest_version: int
    published_version: int | None
    retired: bool
    current: VersionOut | None = None


class VersionDiff(BaseModel):
    entry_id: uuid.UUID
    from_version: int
    to_version: int
    changes: dict[str, dict[str, Any]]


class CatalogueItem(BaseModel):
    """An entry as the catalogue lists it; its data items and full elements are at /entries/{entry_id}."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: uuid.UUID
    version: int
    state: str
    code: str
    region_code: str
    provider_agency_id: uuid.UUID
    name: str | None
    summary: str | None
    category: str | None
    base_database: str | None
    share_type: str | None
    open_type: str | None
    update_cycle: str | None
    tags: list[str]
    published_at: datetime | None


# The columns a catalogue page reads: what CatalogueItem shows, nothing of the wide ones (items, search grams).
CATALOGUE_COLUMNS = tuple(CatalogueItem.model_fields)


class Page(BaseModel):
    total: int = Field(description="Matches, counted up to 1,000; see total_exact.")
    total_exact: bool = True
    limit: int
    offset: int
    items: list[CatalogueItem]


@dataclass(frozen=True)
class CatalogueQuery:
    """Filters of the unified catalogue and its search."""

    regions: list[str] | None  # None: every region
    text: str = ""
    provider_agency_id: uuid.UUID | None = None
    category: str | None = None
    share_type: str | None = None
    open_type: str | None = None
    update_cycle: str | None = None
    state: str | None = None  # None: the published catalogue; otherwise latest versions in that state
    limit: int = 50
    offset: int = 0
