"""open-svc's sampled gauges for /metrics (hub.metrics_sampling): open applications by state and their 10-working-day
deadlines running and overdue (A24.2), and how far the open-data replica lags behind the open-records changelog
(A24.1: what the portal serves is what the centre published)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.contracts.open_records import TOPIC
from hub.metrics_domain import APPLICATIONS, deadlines, rows_by_state
from hub.metrics_kafka import close_shared_offsets, shared_offsets
from hub.metrics_sampling import Reading, Sampler
from hub.settings import HubSettings
from open_svc.applications.lifecycle import ApplicationState
from open_svc.applications.models import OpenApplication
from open_svc.replica import repository
from open_svc.replica.repository import FROM_START

# `new` is the state before an application's first step, never stored.
STORED_STATES = [state for state in ApplicationState if state is not ApplicationState.new]


def replica_group(settings: HubSettings) -> str:
    """The replica follower's name in `hub_consumer_lag`'s group label (it keeps its positions itself, no group)."""
    return f"{settings.kafka_topic_prefix}{settings.service_name}-replica"


async def sample_replica_lag(app: FastAPI) -> list[Reading]:
    """The changelog's messages the replica has not applied yet (a partition without a position: all of it)."""
    settings: HubSettings = app.state.settings
    async with app.state.sessionmaker() as session:
        stored = await repository.positions(session)
    kafka = await shared_offsets(app)
    partitions = await kafka.partitions([settings.topic(TOPIC)])
    positions = {
        tp: stored[tp.partition].next_offset
        for tp in partitions
        if tp.partition in stored and stored[tp.partition].next_offset != FROM_START
    }
    return await kafka.lag(replica_group(settings), partitions, positions)


SAMPLERS: tuple[Sampler, ...] = (
    rows_by_state("applications", APPLICATIONS, OpenApplication.state, STORED_STATES),
    deadlines("open_application", OpenApplication),
    Sampler("replica", sample_replica_lag, close=close_shared_offsets),
)
