"""The agency read model on real PostgreSQL: registrations and changes from catalog.events, each applied in its own
transaction as the consumer applies it (A2.1)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from factories import agency_registered
from hub.consumer import EventHandlers
from hub.contracts.catalog import AgencyChanged, AgencyRegistered
from hub.contracts.vocabulary import AgencyKind
from hub.published_catalogue import AgencyDirectory

from .service_tables import KnownAgency

Directory = AgencyDirectory[KnownAgency]
Sessions = async_sessionmaker[AsyncSession]


def changed(event: AgencyRegistered, name: str, region_code: str | None = None) -> AgencyChanged:
    return AgencyChanged(agency_id=event.agency_id, name=name, region_code=region_code or event.region_code,
                         duties_changed=False)  # fmt: skip


async def apply(sessions: Sessions, directory: Directory, *events: AgencyRegistered | AgencyChanged) -> None:
    for event in events:
        async with sessions() as session, session.begin():
            if isinstance(event, AgencyRegistered):
                await directory.apply_registered(session, event)
            else:
                await directory.apply_changed(session, event)


async def known(sessions: Sessions, directory: Directory, agency_id: uuid.UUID) -> KnownAgency | None:
    async with sessions() as session:
        return await directory.agency(session, agency_id)


def test_the_agency_events_keep_one_handler_each() -> None:
    handlers = EventHandlers()
    AgencyDirectory(KnownAgency).keep_current(handlers)

    assert handlers.topics == ["catalog.events"]
    with pytest.raises(ValueError, match=r"catalog\.agency\.registered already has a handler"):
        AgencyDirectory(KnownAgency).keep_current(handlers)


@pytest.mark.integration
async def test_a_registered_agency_is_known_with_its_typed_kind_A2_1(sessions: Sessions, directory: Directory) -> None:
    event = agency_registered(kind="public_institution", region_code="320205")
    await apply(sessions, directory, event)

    agency = await known(sessions, directory, event.agency_id)
    assert agency is not None
    assert (agency.credit_code, agency.name, agency.region_code) == (event.credit_code, "无锡市公安局", "320205")
    assert agency.kind is AgencyKind.public_institution
    assert agency.changed_at is None


@pytest.mark.integration
async def test_a_renamed_agency_is_known_under_its_new_name_and_region_A2_1(
    sessions: Sessions, directory: Directory
) -> None:
    event = agency_registered()
    await apply(sessions, directory, event, changed(event, "无锡市公安局（新）", "320205"))

    agency = await known(sessions, directory, event.agency_id)
    assert agency is not None
    assert (agency.name, agency.region_code) == ("无锡市公安局（新）", "320205")
    assert agency.changed_at is not None
    assert agency.registered_at <= agency.changed_at


@pytest.mark.integration
async def test_a_registration_replayed_after_a_change_leaves_the_new_name(
    sessions: Sessions, directory: Directory
) -> None:
    event = agency_registered()
    await apply(sessions, directory, event, changed(event, "无锡市公安局（新）"), event)

    agency = await known(sessions, directory, event.agency_id)
    assert agency is not None
    assert agency.name == "无锡市公安局（新）"


@pytest.mark.integration
async def test_a_change_of_an_agency_never_seen_registered_creates_nothing(
    sessions: Sessions, directory: Directory
) -> None:
    event = agency_registered()
    await apply(sessions, directory, changed(event, "无锡市公安局（新）"))

    assert await known(sessions, directory, event.agency_id) is None
