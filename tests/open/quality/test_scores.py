"""An open dataset's quality score is published on `open.events` (DatasetQualityScored, A25.1) whenever the figure
the portal shows changes, in the transaction of what changed it: a catalogue version, the records reaching the
replica, the update cycle running out; never when it is unchanged, and never for a dataset that is not open or is
secret (A22.1). What the indicator system counts of quality comes from here (A32.1).

Expected figures are counted by hand from udata's nine criteria (tests/open/quality/test_rules.py): the world's
default entry is unconditionally open, monthly, with a date item and a summary under 100 characters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from open.datasets.world import NOT_OPEN, SECRET, World, payments
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from harness import CITY, eventually, records_of, rows
from hub.contracts.catalog import EntryPublished
from hub.contracts.open_records import TOPIC as OPEN_RECORDS
from hub.contracts.open_records import message_key
from hub.db import async_url
from hub.events import EventEnvelope
from hub.published_catalogue.versions import PUBLISHED_FIELDS
from open_svc.catalogue.service import published_entries
from open_svc.quality.scores import restate, restate_open
from open_svc.replica.models import OpenRecord

pytestmark = pytest.mark.integration

SCORED = "open.dataset.quality_scored"
LONG_SUMMARY = "全市参保单位按月缴纳社会保险费的明细记录，包括缴费单位、缴费金额和缴费日期。" * 3  # over 100 characters
# Without records: licence, temporal coverage, spatial, frequency, on time; not the description, nor the three
# resource criteria. udata 5/9, which the portal shows as 56 (%).
NO_RECORDS = (56.0, 5, 9)
# With records: the three resource criteria too (8/9).
WITH_RECORDS = (89.0, 8, 9)
# With records and a summary over 100 characters: every criterion (9/9).
COMPLETE = (100.0, 9, 9)


@pytest.fixture
async def sessions(world: World) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(async_url(world.open_db))
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def published(world: World) -> list[EventEnvelope]:
    """Every score published so far, once open-svc's outbox is empty (everything committed is on the topic)."""
    await eventually(lambda: _empty_outbox(world), within=30)
    try:
        found = await records_of(world.kafka, f"{world.topic_prefix}open.events")
    except AssertionError:  # nothing published on the topic yet
        return []
    envelopes = [(r.key, EventEnvelope.from_kafka(list(r.headers), r.value)) for r in found]
    for key, envelope in envelopes:
        if envelope.type == SCORED:
            assert key == envelope.data["entry_id"].encode()  # keyed by the dataset: its scores stay in order
    return [envelope for _, envelope in envelopes if envelope.type == SCORED]


async def _empty_outbox(world: World) -> bool:
    return not await rows(world.open_db, "SELECT 1 FROM outbox LIMIT 1")


async def scores_of(world: World, entry_id: str) -> list[tuple[float, int, int]]:
    """The figures published of one dataset, in order."""
    return [
        (e.data["score"], e.data["met"], e.data["criteria"]) for e in await published(world)
        if e.data["entry_id"] == entry_id
    ]  # fmt: skip


async def stored(world: World, entry_id: str) -> list[Any]:
    return await rows(world.open_db, "SELECT score FROM published_quality_scores WHERE entry_id = $1",
                      uuid.UUID(entry_id))  # fmt: skip


async def replicate_through_the_changelog(world: World, entry_id: str, records: list[dict[str, Any]]) -> None:
    """The records as the centre publishes them on the open-records changelog, once open-svc's follower applied
    them."""
    producer = AIOKafkaProducer(bootstrap_servers=world.kafka)
    await producer.start()
    try:
        for record in records:
            key = message_key(uuid.UUID(entry_id), json.dumps([record["record_no"]]))
            await producer.send_and_wait(f"{world.topic_prefix}{OPEN_RECORDS}", json.dumps(record).encode(), key=key)
    finally:
        await producer.stop()
    held = "SELECT count(*) AS n FROM open_records WHERE entry_id = $1"
    await eventually(lambda: _count_is(world, held, entry_id, len(records)), within=30)


async def _count_is(world: World, query: str, entry_id: str, count: int) -> bool:
    return bool((await rows(world.open_db, query, uuid.UUID(entry_id)))[0]["n"] == count)


async def test_a_datasets_score_is_published_when_the_catalogue_or_its_records_change_it_A25_1_A32_1(
    world: World,
) -> None:
    started = datetime.now(UTC)
    entry_id = await world.publish(name="社会保险缴费明细")
    assert await scores_of(world, entry_id) == [NO_RECORDS]

    await replicate_through_the_changelog(world, entry_id, payments(3))
    assert await scores_of(world, entry_id) == [NO_RECORDS, WITH_RECORDS]

    await world.republish(entry_id, 2, summary=LONG_SUMMARY)
    # A version that leaves the figure as it was publishes nothing: a new name, more records.
    await world.republish(entry_id, 3, name="社会保险缴费明细（月度）", summary=LONG_SUMMARY)
    await replicate_through_the_changelog(world, entry_id, payments(5))
    assert await scores_of(world, entry_id) == [NO_RECORDS, WITH_RECORDS, COMPLETE]

    [*_, last] = [e for e in await published(world) if e.data["entry_id"] == entry_id]
    assert last.source == "/hub/open"
    assert set(last.data) == {"entry_id", "provider_agency_id", "region_code", "score", "met", "criteria",
                              "scored_at"}  # fmt: skip
    assert (last.data["provider_agency_id"], last.data["region_code"]) == (world.hrss.id, CITY)
    assert started <= datetime.fromisoformat(last.data["scored_at"]) <= datetime.now(UTC)
    # The figure the portal shows of the dataset.
    quality = await world.ok(f"/datasets/{entry_id}/quality")
    assert round(quality["udata"]["score"] * 100) == last.data["score"]


async def test_a_score_lapses_when_the_update_cycle_runs_out_and_is_published_once_A25_1(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    entry_id = await world.publish(name="公积金缴存明细")
    await replicate_through_the_changelog(world, entry_id, payments(2))
    # Monthly: udata allows the last update plus 31 days, and one more; 40 days on, it is late.
    later = datetime.now(UTC) + timedelta(days=40)

    await restate_open(sessions, later)
    await restate_open(sessions, later)

    assert await scores_of(world, entry_id) == [NO_RECORDS, WITH_RECORDS, (78.0, 7, 9)]


async def test_no_score_is_ever_published_of_a_dataset_not_open_or_secret_A22_1(world: World) -> None:
    closed = await world.publish(name="参保人员名单", **NOT_OPEN)
    secret = await world.publish(name="涉密参保数据", **SECRET)
    # Open, then closed by a new version, then retired: published while open only, forgotten when closed.
    reopened = await world.publish(name="企业参保人数")
    await world.republish(reopened, 2, **NOT_OPEN)
    assert await stored(world, reopened) == []
    await world.republish(reopened, 3)
    retired = await world.publish(name="失业保险金发放")
    await world.retire(retired)

    assert await scores_of(world, closed) == []
    assert await scores_of(world, secret) == []
    assert await stored(world, closed) == []
    assert await stored(world, secret) == []
    # Opened again, its score is published afresh; retired, it is forgotten.
    assert await scores_of(world, reopened) == [NO_RECORDS, NO_RECORDS]
    assert await scores_of(world, retired) == [NO_RECORDS]
    assert await stored(world, retired) == []


async def test_a_catalogue_version_the_open_platform_refuses_publishes_nothing_A14_1_A25_1(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    entry_id = await world.publish(name="工伤认定结果")
    await world.republish(entry_id, 2, summary=LONG_SUMMARY)
    async with sessions() as session, session.begin():
        held = await published_entries.entry(session, uuid.UUID(entry_id))
        assert held is not None
        current = held.snapshot()
    # Version 1 delivered again after version 2 (a redelivery, a replay): older, it is not held (A14.1), and its
    # short summary, which would lower the score, publishes nothing.
    stale = EntryPublished.model_validate(
        {name: getattr(current, name) for name in PUBLISHED_FIELDS} | {"version": 1, "summary": "工伤认定。"}
    )
    async with sessions() as session, session.begin():
        await published_entries.apply_published(session, stale)

    assert await scores_of(world, entry_id) == [NO_RECORDS, (67.0, 6, 9)]
    assert [r["score"] for r in await stored(world, entry_id)] == [67.0]


async def test_a_score_commits_with_the_change_that_moved_it_or_not_at_all_A25_1(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    entry_id = await world.publish(name="医保定点机构")
    records = [{"entry_id": uuid.UUID(entry_id), "key": json.dumps([r["record_no"]]), "data": r,
                "updated_at": datetime.now(UTC)} for r in payments(2)]  # fmt: skip

    async with sessions() as session:
        await session.execute(insert(OpenRecord), records)
        assert await restate(session, [uuid.UUID(entry_id)], datetime.now(UTC)) == [uuid.UUID(entry_id)]
        await session.rollback()
    assert await scores_of(world, entry_id) == [NO_RECORDS]
    assert [r["score"] for r in await stored(world, entry_id)] == [NO_RECORDS[0]]

    async with sessions() as session, session.begin():
        await session.execute(insert(OpenRecord), records)
        await restate(session, [uuid.UUID(entry_id)], datetime.now(UTC))
    assert await scores_of(world, entry_id) == [NO_RECORDS, WITH_RECORDS]
