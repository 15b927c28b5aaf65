"""The published entries read model on real PostgreSQL: each event applied in its own transaction, as the consumer
applies it; the version rule, the reactions' hooks and the queries (A14.1, A4.1)."""

from __future__ import annotations

import uuid
from dataclasses import fields

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from factories import entry_published
from hub.consumer import EventHandlers
from hub.contracts.catalog import DataItemSpec, EntryPublished, EntryRetired
from hub.contracts.vocabulary import ItemType, OpenType, Sensitivity, ShareType
from hub.published_catalogue import PublishedEntries, PublishedVersion

from .service_tables import PublishedEntry

Entries = PublishedEntries[PublishedEntry]
Sessions = async_sessionmaker[AsyncSession]


def retired(event: EntryPublished) -> EntryRetired:
    """The retirement of the event's entry at the event's version."""
    return EntryRetired(entry_id=event.entry_id, code=event.code, version=event.version,
                        region_code=event.region_code, provider_agency_id=event.provider_agency_id)  # fmt: skip


async def apply(sessions: Sessions, entries: Entries, *events: EntryPublished | EntryRetired) -> None:
    for event in events:
        async with sessions() as session, session.begin():
            if isinstance(event, EntryPublished):
                await entries.apply_published(session, event)
            else:
                await entries.apply_retired(session, event)


async def held(sessions: Sessions, entries: Entries, entry_id: uuid.UUID) -> PublishedVersion | None:
    async with sessions() as session:
        row = await entries.entry(session, entry_id)
        return row.snapshot() if row else None


def test_a_row_holds_exactly_the_fields_reactions_see() -> None:
    assert set(PublishedEntry.__table__.columns.keys()) == {f.name for f in fields(PublishedVersion)}


def test_the_entry_events_keep_one_handler_each() -> None:
    handlers = EventHandlers()
    PublishedEntries(PublishedEntry).keep_current(handlers)

    assert handlers.topics == ["catalog.events"]
    with pytest.raises(ValueError, match=r"catalog\.entry\.published already has a handler"):
        PublishedEntries(PublishedEntry).keep_current(handlers)


@pytest.mark.integration
async def test_a_publication_is_held_with_its_typed_elements_and_items_A14_1(
    sessions: Sessions, entries: Entries
) -> None:
    event = entry_published(share_type="conditional", share_conditions="仅用于社保待遇资格认证")
    await apply(sessions, entries, event)

    entry = await held(sessions, entries, event.entry_id)
    assert entry is not None
    assert (entry.version, entry.code, entry.name) == (1, event.code, "常住人口基本信息")
    assert entry.share_type is ShareType.conditional
    assert entry.share_conditions == "仅用于社保待遇资格认证"
    assert entry.open_type is OpenType.not_open
    assert entry.items == (
        DataItemSpec(name="id_number", label="居民身份证号码", data_type=ItemType.string, length=18, required=True,
                     key=True, sensitivity=Sensitivity.highly_sensitive),
    )  # fmt: skip
    assert entry.retired_at is None


@pytest.mark.integration
async def test_a_newer_version_replaces_the_held_one_and_an_older_one_redelivered_changes_nothing_A14_1(
    sessions: Sessions, entries: Entries
) -> None:
    first = entry_published()
    second = first.model_copy(update={"version": 2, "name": "常住人口信息", "open_type": OpenType.conditional,
                                      "open_conditions": "签订开放利用协议"})  # fmt: skip

    await apply(sessions, entries, first, second, first)

    entry = await held(sessions, entries, first.entry_id)
    assert entry is not None
    assert (entry.version, entry.name, entry.open_type, entry.open_conditions) == (
        2, "常住人口信息", OpenType.conditional, "签订开放利用协议"
    )  # fmt: skip


@pytest.mark.integration
async def test_a_retired_entry_stays_retired_when_its_publication_is_redelivered_A14_1(
    sessions: Sessions, entries: Entries
) -> None:
    event = entry_published()
    await apply(sessions, entries, event, retired(event))
    entry = await held(sessions, entries, event.entry_id)
    assert entry is not None
    assert entry.retired_at is not None

    await apply(sessions, entries, event, retired(event))

    assert await held(sessions, entries, event.entry_id) == entry


@pytest.mark.integration
async def test_the_hooks_see_each_change_once_with_what_was_held_before(sessions: Sessions) -> None:
    seen: list[tuple[str, int | None, int]] = []

    async def on_published(_: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
        seen.append(("published", before.version if before else None, after.version))

    async def on_retired(_: AsyncSession, entry: PublishedVersion) -> None:
        assert entry.retired
        seen.append(("retired", None, entry.version))

    entries = PublishedEntries(PublishedEntry, on_published=on_published, on_retired=on_retired)
    first = entry_published()
    second = first.model_copy(update={"version": 2})

    await apply(sessions, entries, first, second, first, retired(second), retired(second), second)

    assert seen == [("published", None, 1), ("published", 1, 2), ("retired", None, 2)]


@pytest.mark.integration
async def test_a_reaction_that_fails_takes_the_change_back_with_it(sessions: Sessions) -> None:
    class ReactionFailed(Exception):
        pass

    async def on_published(session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
        raise ReactionFailed

    entries = PublishedEntries(PublishedEntry, on_published=on_published)
    event = entry_published()
    with pytest.raises(ReactionFailed):
        await apply(sessions, entries, event)

    assert await held(sessions, entries, event.entry_id) is None


@pytest.mark.integration
async def test_a_retirement_of_an_entry_never_seen_published_holds_nothing(
    sessions: Sessions, entries: Entries
) -> None:
    event = entry_published()
    await apply(sessions, entries, retired(event))

    assert await held(sessions, entries, event.entry_id) is None


@pytest.mark.integration
async def test_the_entries_of_a_region_are_those_of_the_regions_within_it_A4_1(
    sessions: Sessions, entries: Entries
) -> None:
    # GB/T 2260: 320200 Wuxi, its districts 320205 Xishan and 320206 Huishan, the county-level city 320281 Jiangyin,
    # 320205001 a street of Xishan; 320300 Xuzhou is another city.
    regions = ["320200", "320205", "320205001", "320206", "320281", "320300"]
    events = {region: entry_published(region_code=region, code=f"01-02/{region}") for region in regions}
    await apply(sessions, entries, *events.values())

    async with sessions() as session:
        city = await entries.entries_in_region(session, "320200")
        xishan = await entries.entries_in_region(session, "320205")
        street = await entries.entries_in_region(session, "320205001")

    assert [e.region_code for e in city] == ["320200", "320205", "320205001", "320206", "320281"]
    assert [e.region_code for e in xishan] == ["320205", "320205001"]
    assert [e.region_code for e in street] == ["320205001"]


@pytest.mark.integration
async def test_an_agencys_entries_come_in_code_order_in_pages_without_retired_ones_unless_asked(
    sessions: Sessions, entries: Entries
) -> None:
    agency = uuid.uuid4()
    own = [entry_published(provider_agency_id=agency, code=f"01-02/00000{n}") for n in range(1, 5)]
    other = entry_published(code="01-02/000000")
    await apply(sessions, entries, *reversed(own), other, retired(own[1]))

    async with sessions() as session:
        first = await entries.entries_of_agency(session, agency, limit=2)
        rest = await entries.entries_of_agency(session, agency, limit=2, after=first[-1].code)
        with_retired = await entries.entries_of_agency(session, agency, retired=True)

    assert [e.code for e in first] == ["01-02/000001", "01-02/000003"]
    assert [e.code for e in rest] == ["01-02/000004"]
    assert [e.code for e in with_retired] == ["01-02/000001", "01-02/000002", "01-02/000003", "01-02/000004"]


@pytest.mark.integration
async def test_a_stored_value_outside_the_vocabulary_fails_on_reading_instead_of_passing_as_a_string(
    sessions: Sessions, entries: Entries
) -> None:
    event = entry_published()
    await apply(sessions, entries, event)
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE published_entries SET share_type = 'sometimes'"))

    async with sessions() as session:
        with pytest.raises(LookupError, match="sometimes"):
            await entries.entry(session, event.entry_id)
