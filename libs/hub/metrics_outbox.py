"""The outbox's backlog as sampled gauges (hub.metrics_sampling): how many events wait to be published, and how long
the oldest has waited. The relay publishes within milliseconds of a commit, so an age of minutes means Kafka or the
relay is away (the `HubOutboxBacklogAging` alert). And how many events the broker refused for good wait in
outbox_dead_letters for an operator (the `HubOutboxDeadLetters` alert)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from hub.metrics_sampling import Reading, SampledGauge, Sampler

OUTBOX_BACKLOG = SampledGauge("hub_outbox_backlog", "Events in the outbox waiting to be published to Kafka.")
OUTBOX_OLDEST_AGE = SampledGauge(
    "hub_outbox_oldest_age_seconds", "How long the oldest event in the outbox has waited (0 when it is empty)."
)
OUTBOX_DEAD_LETTERS = SampledGauge(
    "hub_outbox_dead_letters", "Events the broker refused for good, waiting in outbox_dead_letters to be requeued."
)

# Index-free passes over tables kept near empty; the age on the database's clock, as the rows'.
_BACKLOG = text(
    "SELECT count(*) AS backlog, "
    "coalesce(extract(epoch FROM clock_timestamp() - min(occurred_at)), 0) AS oldest_age, "
    "(SELECT count(*) FROM outbox_dead_letters) AS dead_letters FROM outbox"
)


async def sample_outbox(app: FastAPI) -> list[Reading]:
    """The outbox's backlog, the age of its oldest row and its dead letters."""
    async with app.state.engine.connect() as conn:
        row = (await conn.execute(_BACKLOG)).one()
    return [
        OUTBOX_BACKLOG.reading(row.backlog),
        OUTBOX_OLDEST_AGE.reading(max(float(row.oldest_age), 0.0)),
        OUTBOX_DEAD_LETTERS.reading(row.dead_letters),
    ]


OUTBOX_SAMPLER = Sampler("outbox", sample_outbox)
