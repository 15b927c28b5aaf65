"""Publishing the audit chain on gateway.audit, its copy outside the gateway's database (A36.1), from the chain.

The writer commits records only; this publishes what is committed past the published mark (AuditPublished) as
ExchangesAudited events, and moves the mark in the same transaction, through the outbox. So:

- every record is published once and in chain order, whichever replica publishes it: the mark's row lock
  serialises the publishers, and a record past the mark is committed with all the records before it (the writer
  holds the chain's lock until its commit);
- a gateway killed after a commit leaves nothing unpublished: the next publisher to run, on any replica or at the
  next start, takes up from the mark;
- at most one event each `interval` seconds per replica, however many batches the writer committed meanwhile. An
  event per batch cost more than the read it audited at low traffic (bench/README.md, "The audit's events from
  the chain"), and nobody waits for these events: supervision-svc counts them into daily figures, and a verifier
  reads them as marks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.models import AuditPublished, AuditRecord
from gateway.audit.writer import SOURCE
from hub import metrics
from hub.background import BackgroundWork
from hub.contracts.gateway import AuditedExchange, ExchangesAudited
from hub.outbox import record_event

log = structlog.get_logger(__name__)
# Half of Kafka's default largest message (1 MiB, the broker's and aiokafka's), leaving room for the envelope: a
# record's texts may reach about 20 KB in JSON (items, purpose and route at their column lengths, escaped), so a
# count alone could not bound an event, and the broker would refuse it for good.
EVENT_BUDGET_BYTES = 512 * 1024
# Records one transaction publishes; a longer backlog (a restart after an outage) takes several.
RECORDS_PER_TRANSACTION = 5_000
# How long a stopping gateway tries to publish what it committed last.
STOP_SECONDS = 5.0
_COLUMNS = [AuditRecord.__table__.c[name] for name in AuditedExchange.model_fields]


def events_of(rows: Iterable[Mapping[Any, Any]], budget_bytes: int = EVENT_BUDGET_BYTES) -> Iterator[ExchangesAudited]:
    """The events publishing these records, in order, each as many whole records as fit in `budget_bytes` of
    JSON (at least one)."""
    batch: list[AuditedExchange] = []
    size = 0
    for row in rows:
        exchange = AuditedExchange.model_validate(row)
        length = len(exchange.__pydantic_serializer__.to_json(exchange))
        if batch and size + length > budget_bytes:
            yield ExchangesAudited.of(batch)
            batch, size = [], 0
        batch.append(exchange)
        size += length
    if batch:
        yield ExchangesAudited.of(batch)


async def publish_committed(session: AsyncSession, limit: int = RECORDS_PER_TRANSACTION) -> int:
    """Record, in the session's transaction, the events of up to `limit` committed records past the published mark,
    and move the mark past them. How many records that was."""
    # The row lock orders the publishers; in READ COMMITTED the next statement then sees every record committed.
    mark = (await session.execute(select(AuditPublished.seq).with_for_update())).scalar_one()
    rows = (
        (await session.execute(select(*_COLUMNS).where(AuditRecord.seq > mark).order_by(AuditRecord.seq).limit(limit)))
        .mappings()
        .all()
    )
    for event in events_of(rows):
        await record_event(session, event, source=SOURCE)
    if rows:
        await session.execute(update(AuditPublished).values(seq=rows[-1]["seq"]))
    return len(rows)


class AuditPublisher(BackgroundWork):
    """Publishes the committed chain after each `wake()` (the writer's commits), at most once each `interval`
    seconds; at its start, whatever an earlier process left unpublished."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval: float) -> None:
        super().__init__("audit-publisher")
        self._sessionmaker = sessionmaker
        self._interval = interval
        self._woken = asyncio.Event()
        self._woken.set()

    def wake(self) -> None:
        """Records were committed: publish them within `interval` seconds."""
        self._woken.set()

    async def run(self) -> None:
        while True:
            await self._woken.wait()
            self._woken.clear()
            try:
                await self.publish()
            except BaseException:
                self._woken.set()  # the records are still unpublished: the run after the backoff takes them
                raise
            # What commits meanwhile waits for the next event rather than having one of its own.
            await asyncio.sleep(self._interval)

    async def publish(self) -> None:
        """Publish every record committed past the mark."""
        while True:
            async with self._sessionmaker() as session, session.begin():
                published = await publish_committed(session)
            metrics.AUDIT_RECORDS_PUBLISHED.inc(published)
            if published < RECORDS_PER_TRANSACTION:
                return

    async def stop(self) -> None:
        """Stop, then publish what is committed (a failure leaves it to the next publisher: nothing is lost)."""
        await super().stop()
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self.publish()
        except Exception as exc:
            log.warning("audit records left for the next publisher", error=str(exc))
