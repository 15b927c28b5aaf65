"""The transactional outbox: events written with the state change, published to Kafka by a relay.

Write side: `record_event` inserts a row in the same transaction as the change, so both commit or neither.
Relay side: one relay per database at a time (a PostgreSQL advisory lock elects it among replicas), woken by
LISTEN/NOTIFY within milliseconds of a commit (and lingering `outbox_linger_seconds` after that, where a service sets
it, to take the commits of that moment in the same cycle), claims rows in id order with FOR UPDATE SKIP LOCKED,
publishes them and deletes those the broker acknowledged in the same transaction. Rows whose transaction has not
committed yet are invisible and simply picked up on a later wake-up, so no row is skipped however sequence values
commit. While Kafka is down, the unacknowledged rows wait; a broker restart republishes none it had acknowledged.

Each event is published once (issue 15). A relay killed between the broker's acknowledgement and its delete's commit,
or a send that timed out after the broker took it, leaves rows that are already on their topic. So whenever a relay
cannot be sure (it has just taken over, or a publish failed in a way that may have written records), it first looks
back over its topics and deletes the rows whose event id it finds there: at a takeover from the oldest pending row's
time, after such a failure from that attempt's. A record the broker refused for good (too large for its topic) was
not written.

One event the broker (or the producer) refuses for good, such as one larger than its topic takes, must not stop the
others behind it (A29.1): it moves to `outbox_dead_letters` with the refusal, in the transaction that deletes its
batch's published rows, and the relay goes on. `hub_outbox_dead_letters` and the `HubOutboxDeadLetters` alert show
it; once the cause is fixed, `requeue_dead_letters` (`python -m hub.outbox_requeue`) puts it back in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import BrokerResponseError, KafkaError
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from sqlalchemy import BigInteger, DateTime, String, insert, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub import metrics
from hub.background import BackgroundWork
from hub.db import MessagingBase, asyncpg_dsn
from hub.events import Event, EventEnvelope
from hub.kafka import create_producer, ensure_topics, event_ids_since, stop_producer
from hub.settings import HubSettings
from hub.span_attributes import tag_ids
from hub.telemetry import extract_context, inject_context

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL = "hub_outbox"
# Any fixed number: the lock is per database, and each service has its own database.
RELAY_LOCK_KEY = 0x0B0C5
# The look-back starts this long before the oldest pending row was recorded: the producer stamps a record with its own
# clock, which may run behind the clock of the replica that recorded the row.
CLOCK_SKEW = timedelta(seconds=60)
# "From the oldest pending row": what a relay taking over may find already published.
_TAKEOVER = datetime.min.replace(tzinfo=UTC)


class _EventColumns:
    """An event as an outbox table holds it (the declarative mixin of both tables)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    topic: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    trace_headers: Mapped[dict[str, str]] = mapped_column(JSONB)


class OutboxMessage(_EventColumns, MessagingBase):
    """An event waiting to be published."""

    __tablename__ = "outbox"


class OutboxDeadLetter(_EventColumns, MessagingBase):
    """An event the broker refused for good, set aside so that the events behind it are published."""

    __tablename__ = "outbox_dead_letters"

    # The refusal as the client names it (an error class and code: never the event's values, A28.1).
    error: Mapped[str] = mapped_column(String(500))
    dead_lettered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def record_event(session: AsyncSession, event: Event, *, source: str) -> uuid.UUID:
    """Insert an event into the outbox in the session's transaction; it is published only if the transaction commits
    (and, recorded inside a savepoint, only if the savepoint is kept).

    The current trace context is stored with it, so the publish and every consumer join the request's trace. A Core
    insert rather than an ORM object: flushing one outbox row through the unit of work cost a producing service
    about 0.8 ms of CPU per event (bench/README.md, "Event latency").
    """
    trace: dict[str, str] = {}
    inject_context(trace)
    event_id = uuid.uuid4()
    await session.execute(
        _RECORD,
        {
            "event_id": event_id,
            "topic": event.topic,
            "type": event.type,
            "source": source,
            "subject": event.aggregate_id(),
            "occurred_at": datetime.now(UTC),
            "payload": event.model_dump(mode="json"),
            "trace_headers": trace,
        },
    )
    return event_id


# The table, not the mapped class: an insert of the class would take the ORM's bulk path, with its autoflush.
_RECORD = insert(OutboxMessage.metadata.tables[OutboxMessage.__tablename__])


_CLAIM = text(
    "SELECT id, event_id, topic, type, source, subject, occurred_at, payload, trace_headers FROM outbox "
    "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_PUBLISHED = text("DELETE FROM outbox WHERE id = ANY(:ids)")
_PENDING_BY_TOPIC = text("SELECT topic, min(occurred_at) AS since FROM outbox GROUP BY topic")
_PENDING_IDS = text("SELECT event_id::text FROM outbox")
_ALREADY_PUBLISHED = text("DELETE FROM outbox WHERE event_id = ANY(CAST(:ids AS uuid[]))")
_DEAD_LETTER = text(
    "WITH refused AS (SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:errors AS text[])) AS r(id, error)), "
    "moved AS (DELETE FROM outbox o USING refused r WHERE o.id = r.id RETURNING o.*, r.error) "
    "INSERT INTO outbox_dead_letters "
    "(event_id, topic, type, source, subject, occurred_at, payload, trace_headers, error, dead_lettered_at) "
    "SELECT event_id, topic, type, source, subject, occurred_at, payload, trace_headers, error, clock_timestamp() "
    "FROM moved RETURNING topic"
)
# Back behind the events waiting (a new id); the insert's trigger wakes the relay.
_REQUEUE = text(
    "WITH moved AS (DELETE FROM outbox_dead_letters WHERE :all OR event_id = ANY(CAST(:ids AS uuid[])) "
    "RETURNING id, event_id, topic, type, source, subject, occurred_at, payload, trace_headers) "
    "INSERT INTO outbox (event_id, topic, type, source, subject, occurred_at, payload, trace_headers) "
    "SELECT event_id, topic, type, source, subject, occurred_at, payload, trace_headers FROM moved ORDER BY id"
)


class PublishFailed(Exception):
    """Some claimed rows were neither published nor refused for good (a timeout, a lost connection): they wait, and
    may have reached the broker all the same."""


def _refused_for_good(failure: BaseException | None) -> bool:
    """Whether a send's failure means the record was not written and never will be: the broker's (or the producer's)
    answer, one that retrying will not change. A timeout, a lost connection or a cancelled send may have written
    it."""
    return isinstance(failure, BrokerResponseError) and not failure.retriable


class OutboxRelay(BackgroundWork):
    """Publishes a database's outbox to Kafka; start() it in the service's lifespan, stop() on shutdown. Unpublished
    rows stay for the next relay."""

    def __init__(self, settings: HubSettings, engine: AsyncEngine, provider: TracerProvider) -> None:
        super().__init__(f"outbox-relay-{settings.service_name}")
        self._settings = settings
        self._engine = engine
        self._tracer = provider.get_tracer("hub.outbox")
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._provisioned_topics: set[str] = set()
        # Since when rows still pending may have reached their topic (None: none may have): at a takeover, since
        # they were recorded; after a failed publish, since that attempt began.
        self._uncertain_since: datetime | None = _TAKEOVER
        self.is_leader = False

    async def run(self) -> None:
        await self._lead_and_relay()

    async def cleanup(self) -> None:
        if self._producer:
            await stop_producer(self._producer, self._settings.kafka_request_timeout_ms / 1000)
            self._producer = None

    async def _lead_and_relay(self) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(self._settings.database_url))
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):  # noqa: ASYNC110
                # Another replica relays this database; stand by in case it goes away.
                await asyncio.sleep(self._settings.outbox_fallback_poll_seconds)
            self.is_leader = True
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            while True:
                self._wake.clear()
                await self._drain()
                # A missed notification (e.g. after a reconnect) costs at most one poll interval.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.outbox_fallback_poll_seconds)
                # A dead LISTEN connection would silently stop the notifications.
                await conn.fetchval("SELECT 1")
                if self._settings.outbox_linger_seconds:
                    # Whatever commits meanwhile is published with this wake-up's rows (a full batch never waits:
                    # _drain goes on while batches come full).
                    await asyncio.sleep(self._settings.outbox_linger_seconds)
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await conn.close()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(self._settings)
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drain(self) -> None:
        """Publish until the outbox is empty; on a Kafka failure the claimed rows roll back and wait."""
        while True:
            try:
                producer = await self._ensure_producer()
            except Exception as exc:
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self._settings.service_name).inc()
                log.warning("kafka unavailable; events wait in the outbox", error=str(exc))
                await asyncio.sleep(1.0)
                continue
            attempt = datetime.now(UTC)
            try:
                if self._uncertain_since is not None:
                    await self._forget_published(self._uncertain_since)
                    self._uncertain_since = None
                published = await self._publish_batch(producer)
            except Exception as exc:
                self._uncertain_since = min(self._uncertain_since or attempt, attempt)
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self._settings.service_name).inc()
                log.warning("publishing failed; events wait in the outbox", error=str(exc))
                await asyncio.sleep(1.0)
                continue
            if published < self._settings.outbox_batch_size:
                return

    async def _forget_published(self, uncertain_since: datetime) -> None:
        """Delete the pending rows whose event is already on its topic (see the module's docstring): what each topic
        got since its oldest pending row was recorded, or since `uncertain_since` if later, is read once per takeover
        or failure, not per batch."""
        async with self._engine.connect() as conn:
            oldest = (await conn.execute(_PENDING_BY_TOPIC)).all()
            if not oldest:
                return
            pending = set((await conn.execute(_PENDING_IDS)).scalars())
        found: set[str] = set()
        async with asyncio.timeout(self._settings.kafka_request_timeout_ms / 1000 * 3):
            for topic, recorded in oldest:
                since = max(recorded, uncertain_since) - CLOCK_SKEW
                found |= await event_ids_since(self._settings, [self._settings.topic(topic)], since)
        already = sorted(pending & found)
        if already:
            async with self._engine.begin() as conn:
                await conn.execute(_ALREADY_PUBLISHED, {"ids": already})
            metrics.OUTBOX_ALREADY_PUBLISHED.labels(self._settings.service_name).inc(len(already))
            log.info("outbox rows already on their topic deleted, not republished", rows=len(already))

    async def _publish_batch(self, producer: AIOKafkaProducer) -> int:
        """Publish the next claimed rows, delete those the broker acknowledged and dead-letter those it refused for
        good, in one transaction; how many rows were claimed. Any other failed send raises PublishFailed after that
        commit: only its rows (and any not yet sent) wait."""
        async with self._engine.begin() as conn:
            rows = (await conn.execute(_CLAIM, {"limit": self._settings.outbox_batch_size})).mappings().all()
            if not rows:
                return 0
            new_topics = sorted({r["topic"] for r in rows} - self._provisioned_topics)
            if new_topics:
                await ensure_topics(self._settings, new_topics)
                self._provisioned_topics.update(new_topics)
            published, failures = await self._send_all(producer, rows)
            if any(_refused_for_good(failure) for failure in failures.values()):
                await self._resend_refused_alone(producer, rows, published, failures)
            if published:
                await conn.execute(_PUBLISHED, {"ids": published})
            refused = {row_id: failure for row_id, failure in failures.items() if _refused_for_good(failure)}
            if refused:
                errors = [(str(failure) or type(failure).__name__)[:500] for failure in refused.values()]
                moved = (await conn.execute(_DEAD_LETTER, {"ids": list(refused), "errors": errors})).scalars().all()
        metrics.OUTBOX_PUBLISHED.labels(self._settings.service_name).inc(len(published))
        if refused:
            for topic in moved:
                metrics.OUTBOX_DEAD_LETTERED.labels(self._settings.service_name, topic).inc()
            log.error("events refused for good set aside in outbox_dead_letters", rows=len(moved), errors=errors)
        waiting = [failure for row_id, failure in failures.items() if row_id not in refused]
        if waiting:
            raise PublishFailed(f"{len(waiting)} not published: {waiting[0]!r}")
        return len(rows)

    async def _send_all(
        self, producer: AIOKafkaProducer, rows: Sequence[Any]
    ) -> tuple[list[int], dict[int, Exception]]:
        """Send the rows in id order and wait for every send's outcome: the ids the broker acknowledged, and the
        failures of the others by id (a row not sent because an earlier one could not be queued has none).

        Every future is awaited, failed or not: one left unawaited after a broker failure is logged as "Future
        exception was never retrieved" when it is collected. Acknowledged rows are deleted even if others failed,
        so a broker restart republishes only what it had not acknowledged (the inbox absorbs a record whose
        acknowledgement was lost). Order per key holds while aiokafka retries: it sends one batch per partition at
        a time and puts a batch it retries back at the head of its partition's queue. Only a batch that expires
        (the broker away longer than the request timeout) can let a later batch of its partition through first.
        """
        futures: list[tuple[int, asyncio.Future[Any]]] = []
        failures: dict[int, Exception] = {}
        for row in rows:
            try:
                futures.append((row["id"], await self._send(producer, row)))
            except Exception as exc:  # not queued (no metadata, no buffer space, too large): send no later row
                failures[row["id"]] = exc
                break
        outcomes = await asyncio.gather(*(future for _, future in futures), return_exceptions=True)
        published = []
        for (row_id, _), outcome in zip(futures, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                # A send cancelled (its producer closing) is as unpublished as one the broker refused.
                failures[row_id] = outcome if isinstance(outcome, Exception) else KafkaError(repr(outcome))
            else:
                published.append(row_id)
        return published, failures

    async def _resend_refused_alone(
        self, producer: AIOKafkaProducer, rows: Sequence[Any], published: list[int], failures: dict[int, Exception]
    ) -> None:
        """Send each row refused for good once more, alone, updating `published` and `failures`: the broker refuses
        a whole producer batch for one record too large, and the records queued with it must not share its fate."""
        for row in rows:
            if _refused_for_good(failures.get(row["id"])):
                try:
                    await (await self._send(producer, row))
                except Exception as exc:
                    failures[row["id"]] = exc
                else:
                    del failures[row["id"]]
                    published.append(row["id"])

    async def _send(self, producer: AIOKafkaProducer, row: Any) -> asyncio.Future[Any]:
        envelope = EventEnvelope(
            id=str(row["event_id"]),
            type=row["type"],
            source=row["source"],
            subject=row["subject"],
            time=row["occurred_at"],
            data=row["payload"],
        )
        topic = self._settings.topic(row["topic"])
        with self._tracer.start_as_current_span(
            f"{topic} publish",
            context=extract_context(row["trace_headers"]),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": topic,
                "messaging.message.id": envelope.id,
                "messaging.kafka.message.key": envelope.subject,
                "cloudevents.event_type": envelope.type,
            },
        ) as span:
            # The entry, grant, application or agency the event is about, from its own fields (ids only).
            tag_ids(envelope.data, span)
            trace: dict[str, str] = {}
            inject_context(trace)
            key, headers, value = EventEnvelope(**{**envelope.__dict__, "trace_headers": trace}).to_kafka()
            # send() only enqueues; awaiting its future confirms the broker has the record.
            future: asyncio.Future[Any] = await producer.send(topic, value=value, key=key, headers=headers)
            return future


async def requeue_dead_letters(engine: AsyncEngine, event_ids: Sequence[uuid.UUID] = ()) -> int:
    """Put dead-lettered events back in the outbox (all of them, or those of `event_ids`) once their refusal's cause
    is fixed; how many were put back. They go behind the events waiting there, and the relay is woken."""
    async with engine.begin() as conn:
        ids = [str(event_id) for event_id in event_ids]
        moved = await conn.execute(_REQUEUE, {"all": not ids, "ids": ids})
    return int(moved.rowcount)


async def pending_count(session: AsyncSession) -> int:
    """How many events wait to be published (a readiness and metrics figure)."""
    return int((await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one())
