"""Bodies of catalogue imports and the publisher facts exports carry."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class FileFormat(StrEnum):
    """The spreadsheet formats an import reads."""

    csv = "csv"
    xlsx = "xlsx"


class ExportFormat(StrEnum):
    """The formats the unified catalogue is exported in."""

    csv = "csv"
    xlsx = "xlsx"
    jsonld = "jsonld"  # DCAT-AP


class RowError(BaseModel):
    """What is wrong with one row of an imported file (row 1 is the header)."""

    row: int = Field(description="The spreadsheet row number; the header is row 1.")
    field: str | None = Field(description="The column (or element) at fault.")
    message: str
    requirement: str | None = Field(default=None, description="The requirement id broken, e.g. A19.2.")
    code: str | None = Field(default=None, description="The resource code of the entry the row belongs to.")


class ImportResult(BaseModel):
    """What a finished import did (its job's `result`), counted in entries; the rows refused are the job's
    `errors`."""

    total: int = Field(description="Entries (distinct codes) in the file.")
    created: int = Field(description="New entries, written as drafts.")
    updated: int = Field(description="Entries given a new draft (the open draft edited, or a published entry's next).")
    unchanged: int = Field(description="Entries whose latest version already had exactly these elements.")
    submitted: int = Field(description="Entries sent for review (with ?submit=true); a refused one stays a draft.")
    refused: int = Field(description="Entries not imported: one of their rows is bad.")


class Publisher(BaseModel):
    """The agency answering for an entry (提供方), as exports name it (A15.2, A31.1)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    name: str
    credit_code: str
    data_unit: str
    kind: str | None = None  # the agency's kind (A2.1): its publisher type in DCAT-AP
