"""Responses of data quality: an entry's snapshots, and rollups per agency and region (A25.1, A32.1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class SnapshotOut(BaseModel):
    """An entry's indicators at one moment. Shares are in [0, 1]; null when there was nothing to measure."""

    model_config = ConfigDict(from_attributes=True)

    taken_at: datetime
    records: int
    complete_records: int
    distinct_keys: int
    accepted_rows: int
    quarantined_rows: int
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    last_ingested_at: datetime | None
    due_by: datetime | None
    stale: bool
    score: float | None


class EntryQualityOut(BaseModel):
    entry_id: uuid.UUID
    code: str
    name: str
    agency_id: uuid.UUID
    region_code: str
    update_cycle: str
    latest: SnapshotOut | None
    history: list[SnapshotOut]


class EntryScore(BaseModel):
    """One entry in a rollup: its latest snapshot's figures (null while never measured)."""

    entry_id: uuid.UUID
    code: str
    name: str
    agency_id: uuid.UUID
    region_code: str
    update_cycle: str
    taken_at: datetime | None
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    stale: bool | None
    score: float | None
    last_ingested_at: datetime | None


class DailyQuality(BaseModel):
    """Averages of the snapshots taken on one local day."""

    day: date
    entries: int
    stale_entries: int
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    score: float | None


class QualityRollupOut(BaseModel):
    """Quality indicators of an agency or a region (A32.1): averages over its measured entries, stale counts."""

    scope: str  # agency | region
    agency_id: uuid.UUID | None = None
    region_code: str | None = None
    entries: int
    measured_entries: int
    stale_entries: int
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    score: float | None
    by_entry: list[EntryScore]
    history: list[DailyQuality]


class SnapshotRunOut(BaseModel):
    """What one snapshot run measured."""

    taken_at: datetime
    region_code: str | None
    entries: int
    stale_entries: int
    newly_stale: list[uuid.UUID]
