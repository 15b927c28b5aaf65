"""Use cases of the metadata quality score (A25.1): per open dataset, and per agency over its open datasets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import NotFound
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets import repository as datasets
from open_svc.datasets.records import replica_stats
from open_svc.datasets.schemas import QualitySummary
from open_svc.quality import rules
from open_svc.quality.rules import Criterion, DatasetFacts
from open_svc.quality.schemas import (
    AgencyQuality,
    CriterionOut,
    CriterionShare,
    DatasetQuality,
    Dimension,
    Mqa,
    Udata,
)
from open_svc.settings import Settings

# Open datasets of an agency assessed per round trip.
PAGE = 500


class LicenceSettings(Protocol):
    """The settings the criteria read: the city's open licence."""

    @property
    def open_licence_title(self) -> str | None: ...

    @property
    def open_licence_url(self) -> str | None: ...


async def facts_of(
    session: AsyncSession, entries: Sequence[PublishedEntry], settings: LicenceSettings
) -> dict[uuid.UUID, DatasetFacts]:
    """What the criteria read of these open entries: their elements, the replica's records, the publisher, the
    licence."""
    stats = await replica_stats(session, [e.entry_id for e in entries])
    known = await datasets.agency_names(session, list({e.provider_agency_id for e in entries}))
    return {
        entry.entry_id: DatasetFacts(
            name=entry.name,
            summary=entry.summary,
            open_type=entry.open_type,
            open_conditions=entry.open_conditions,
            category=entry.category,
            region_code=entry.region_code,
            update_cycle=entry.update_cycle,
            items=entry.items,
            published_at=entry.published_at,
            records=stats[entry.entry_id].records,
            last_record_update=stats[entry.entry_id].last_update,
            publisher_known=entry.provider_agency_id in known,
            licence_title=settings.open_licence_title,
            licence_url=settings.open_licence_url,
        )
        for entry in entries
    }


def _out(criterion: Criterion) -> CriterionOut:
    return CriterionOut(
        id=criterion.id,
        dimension=criterion.dimension or None,
        met=criterion.met,
        points=round(criterion.points, 2),
        max_points=criterion.max_points,
        basis=criterion.basis,
    )


def assess(entry_id: uuid.UUID, facts: DatasetFacts, now: datetime) -> DatasetQuality:
    """A dataset's udata criteria and MQA indicators, every one visible."""
    udata, mqa = rules.udata_criteria(facts, now), rules.mqa_indicators(facts)
    dimensions: dict[str, list[Criterion]] = {}
    for indicator in mqa:
        dimensions.setdefault(indicator.dimension, []).append(indicator)
    points = rules.mqa_points(mqa)
    return DatasetQuality(
        entry_id=entry_id,
        assessed_at=now,
        udata=Udata(score=round(rules.udata_score(udata), 4), criteria=[_out(c) for c in udata]),
        mqa=Mqa(
            points=round(points, 2),
            rating=rules.mqa_rating(points),
            dimensions=[
                Dimension(
                    id=name,
                    points=round(sum(i.points for i in indicators), 2),
                    max_points=sum(i.max_points for i in indicators),
                )
                for name, indicators in dimensions.items()
            ],
            indicators=[_out(i) for i in mqa],
        ),
    )


def summary(quality: DatasetQuality) -> QualitySummary:
    """What a dataset's page shows of its quality."""
    return QualitySummary(udata_score=quality.udata.score, mqa_points=quality.mqa.points,
                          mqa_rating=quality.mqa.rating)  # fmt: skip


async def dataset_quality(
    session: AsyncSession, entry_id: uuid.UUID, settings: Settings, now: datetime
) -> DatasetQuality:
    """An open dataset's quality; 404 for anything that is not an open dataset (A22.1, A38.1)."""
    entry = await datasets.open_entry(session, entry_id)
    if entry is None:
        raise NotFound(f"No open dataset {entry_id}.")
    facts = await facts_of(session, [entry], settings)
    return assess(entry_id, facts[entry_id], now)


@dataclass
class _Sums:
    """Criteria summed over datasets, in the order the rules list them."""

    criteria: dict[str, tuple[Criterion, int, float]] = field(default_factory=dict)

    def add(self, criteria: list[Criterion]) -> None:
        for c in criteria:
            _, meeting, points = self.criteria.get(c.id, (c, 0, 0.0))
            self.criteria[c.id] = (c, meeting + int(c.met), points + c.points)

    def shares(self, datasets: int) -> list[CriterionShare]:
        return [
            CriterionShare(
                id=c.id,
                dimension=c.dimension or None,
                datasets_meeting=meeting,
                mean_points=round(points / datasets, 2),
                max_points=c.max_points,
                basis=c.basis,
            )
            for c, meeting, points in self.criteria.values()
        ]


async def agency_quality(
    session: AsyncSession, agency_id: uuid.UUID, settings: Settings, now: datetime
) -> AgencyQuality:
    """The quality of the agency's open datasets (A25.1): the mean scores, and how many datasets meet each
    criterion; 404 for an agency open-svc knows nothing of."""
    agency = await session.get(KnownAgency, agency_id)
    udata, mqa = _Sums(), _Sums()
    count, udata_total, mqa_total = 0, 0.0, 0.0
    after: str | None = None
    while True:
        entries = await datasets.open_entries_of_agency(session, agency_id, after, PAGE)
        facts = await facts_of(session, entries, settings)
        for entry in entries:
            criteria, indicators = (
                rules.udata_criteria(facts[entry.entry_id], now),
                rules.mqa_indicators(facts[entry.entry_id]),
            )
            udata.add(criteria)
            mqa.add(indicators)
            count += 1
            udata_total += rules.udata_score(criteria)
            mqa_total += rules.mqa_points(indicators)
        if len(entries) < PAGE:
            break
        after = entries[-1].code
    if agency is None and count == 0:
        raise NotFound(f"No agency {agency_id} is known to the open platform.")
    mean = mqa_total / count if count else None
    return AgencyQuality(
        agency_id=agency_id,
        agency_name=agency.name if agency else None,
        assessed_at=now,
        datasets=count,
        udata_score=round(udata_total / count, 4) if count else None,
        mqa_points=round(mean, 2) if mean is not None else None,
        mqa_rating=rules.mqa_rating(mean) if mean is not None else None,
        udata_criteria=udata.shares(count) if count else [],
        mqa_indicators=mqa.shares(count) if count else [],
    )
