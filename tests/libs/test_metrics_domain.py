"""Sampled gauges of the Measures' duties (hub.metrics_domain and each service's metrics.py), on real PostgreSQL:
applications by state, and running and overdue working-day deadlines (A14.2, A20.2, A24.2) counted on the hub's
local date."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from fastapi import FastAPI
from sqlalchemy import String
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from catalog_svc.metrics import SAMPLERS as CATALOG
from harness import Infra, Keys, settings_for
from hub.db import async_url, create_engine, create_sessionmaker, new_metadata
from hub.deadlines import WorkingDayDeadline
from hub.metrics_domain import APPLICATIONS, DEADLINES_OVERDUE, DEADLINES_RUNNING, deadlines, rows_by_state
from hub.metrics_sampling import Reading, Sampler
from hub.migrations import ensure_database
from hub.settings import HubSettings
from open_svc.metrics import SAMPLERS as OPEN
from share_svc.metrics import SAMPLERS as SHARE

pytestmark = pytest.mark.integration


class Base(DeclarativeBase):
    metadata = new_metadata()


class Petition(WorkingDayDeadline, Base):
    """A table of the shape the services' applications have: a state and a working-day deadline."""

    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20))


class PetitionState(StrEnum):
    pending = "pending"
    granted = "granted"
    refused = "refused"


def by_labels(readings: list[Reading]) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(r.gauge.name, r.labelvalues): r.value for r in readings}


@pytest.fixture
async def petitions(infra: Infra) -> AsyncIterator[FastAPI]:
    url = infra.database(f"t_metrics_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    engine = create_async_engine(async_url(url))
    app = FastAPI()
    app.state.settings = HubSettings(service_name="petitions", log_json=False)  # Asia/Shanghai
    app.state.sessionmaker = create_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield app
    finally:
        await engine.dispose()
        await infra.drop_database(url)


def petition(row_id: int, state: str, due_on: date, closed_on: date | None = None) -> Petition:
    row = Petition(id=row_id, state=state, opened_on=date(2026, 9, 1), working_days=10, due_on=due_on)
    row.closed_on = closed_on
    return row


async def test_rows_are_counted_by_state_every_known_state_from_zero(petitions: FastAPI) -> None:
    async with petitions.state.sessionmaker() as session, session.begin():
        due = date(2026, 10, 1)
        session.add_all([petition(1, "pending", due), petition(2, "pending", due), petition(3, "granted", due),
                         petition(4, "archived", due)])  # fmt: skip
    sampler = rows_by_state("petitions", APPLICATIONS, Petition.state, PetitionState)
    assert by_labels(list(await sampler.sample(petitions))) == {
        (APPLICATIONS.name, ("pending",)): 2,
        (APPLICATIONS.name, ("granted",)): 1,
        (APPLICATIONS.name, ("refused",)): 0,
        # A state the table holds that the sampler was not told of is still counted, not hidden.
        (APPLICATIONS.name, ("archived",)): 1,
    }


async def test_a_deadline_is_overdue_from_the_day_after_its_due_date_in_the_hubs_time_zone_A24_2(
    petitions: FastAPI,
) -> None:
    due = date(2026, 10, 20)
    async with petitions.state.sessionmaker() as session, session.begin():
        session.add_all([
            petition(1, "pending", due),
            petition(2, "pending", date(2026, 10, 30)),
            petition(3, "refused", date(2026, 10, 1), closed_on=date(2026, 10, 5)),  # answered late, but answered
        ])  # fmt: skip
    sampler = deadlines("petition", Petition)

    async def counted_at(moment: datetime) -> dict[tuple[str, tuple[str, ...]], float]:
        petitions.state.clock = lambda: moment
        return by_labels(list(await sampler.sample(petitions)))

    # 20 Oct 23:30 in Wuxi (15:30 UTC) is still the due date; 21 Oct 00:30 in Wuxi (16:30 UTC on the 20th) is past it.
    assert await counted_at(datetime(2026, 10, 20, 15, 30, tzinfo=UTC)) == {
        (DEADLINES_RUNNING.name, ("petition",)): 2,
        (DEADLINES_OVERDUE.name, ("petition",)): 0,
    }
    assert (await counted_at(datetime(2026, 10, 20, 16, 30, tzinfo=UTC)))[DEADLINES_OVERDUE.name, ("petition",)] == 1
    assert (await counted_at(datetime(2026, 11, 1, 4, tzinfo=UTC)))[DEADLINES_OVERDUE.name, ("petition",)] == 2


SHARE_STATES = ("requested", "provider_approved", "bureau_approved", "granted", "refused", "disputed",
                "dispute_dismissed", "withdrawn", "terminated")  # fmt: skip
OPEN_STATES = ("pending", "approved", "agreed", "refused", "withdrawn", "revoked")


async def sampled(
    service: str, samplers: tuple[Sampler, ...], infra: Infra, keys: Keys, topic_prefix: str,
    database_factory: Callable[[str], Awaitable[str]],
) -> dict[tuple[str, tuple[str, ...]], float]:  # fmt: skip
    """What a service's own samplers read from its freshly migrated database."""
    app = FastAPI()
    app.state.settings = settings_for(service, infra, keys, await database_factory(service), topic_prefix)
    app.state.engine = create_engine(app.state.settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    try:
        return by_labels([reading for sampler in samplers for reading in await sampler.sample(app)])
    finally:
        await app.state.engine.dispose()


async def test_the_services_sample_their_applications_and_deadlines_on_their_own_tables(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> None:
    world = (infra, keys, topic_prefix, database_factory)
    share = await sampled("share", SHARE, *world)
    assert share == {
        **{(APPLICATIONS.name, (state,)): 0 for state in SHARE_STATES},
        (DEADLINES_RUNNING.name, ("share_review",)): 0,  # A20.2
        (DEADLINES_OVERDUE.name, ("share_review",)): 0,
    }
    # open-svc's replica has no changelog topic yet on this prefix: no lag series until there is one.
    assert await sampled("open", OPEN, *world) == {
        **{(APPLICATIONS.name, (state,)): 0 for state in OPEN_STATES},
        (DEADLINES_RUNNING.name, ("open_application",)): 0,  # A24.2
        (DEADLINES_OVERDUE.name, ("open_application",)): 0,
    }
    assert await sampled("catalog", CATALOG, *world) == {
        (DEADLINES_RUNNING.name, ("change_notice",)): 0,  # A14.2
        (DEADLINES_OVERDUE.name, ("change_notice",)): 0,
    }
