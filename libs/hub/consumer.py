"""The idempotent consumer: each event's effect and its inbox record commit together; offsets only after.

A redelivered event finds its id in the inbox and has no second effect. Records fetched together from a partition are
applied in order in one transaction when they apply cleanly (their inbox records entered by one statement), one that
fails among them alone. Offsets are committed after the effects, at most `OFFSET_COMMIT_SECONDS` after the first
effect they cover or as soon as the events stop coming: not after every fetch, since each commit is a round trip
the next fetch waited for and a write to Kafka's offsets log. A message that cannot be parsed, or
whose handler keeps failing after `consumer_max_attempts`, goes to `<topic>.dlq` with the error, and the
consumer moves on. The handler runs inside a CONSUMER span that continues the producer's trace (the aiokafka
instrumentation would end its span before the handler runs, so the span is opened here).
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, SpanKind
from pydantic import ValidationError
from sqlalchemy import DateTime, String, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from hub import metrics
from hub.background import BackgroundWork
from hub.db import MessagingBase, is_database_unavailable
from hub.events import Event, EventEnvelope, header_dict
from hub.kafka import DLQ_SUFFIX, create_consumer, create_producer, ensure_topics, stop_producer
from hub.settings import HubSettings
from hub.span_attributes import record_error, tag_ids
from hub.telemetry import extract_context

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Event)
# Records fetched at once at most, and how long an idle fetch waits (records are returned at once).
MAX_RECORDS = 500
FETCH_WAIT_MS = 1000
# How long an applied event's offset may wait for its commit while events keep coming: a consumer that dies
# meanwhile gets those events again, and the inbox absorbs them (bench/README.md, "Offsets committed by time").
OFFSET_COMMIT_SECONDS = 0.5
Handler = Callable[[AsyncSession, Any], Awaitable[None]]


class InboxEntry(MessagingBase):
    """An event whose effect has been applied in this database."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class _Route:
    model: type[Event]
    handler: Handler


class EventHandlers:
    """Which function applies which event type; a service declares one registry in its consumers.py."""

    def __init__(self) -> None:
        self._routes: dict[str, _Route] = {}

    def on(self, model: type[E]) -> Callable[[Callable[[AsyncSession, E], Awaitable[None]]], Handler]:
        """Register the decorated coroutine as the handler of `model`'s event type."""

        def register(fn: Callable[[AsyncSession, E], Awaitable[None]]) -> Handler:
            self._routes[model.type] = _Route(model, fn)
            return fn

        return register

    @property
    def topics(self) -> list[str]:
        """The logical topics the registered events are published on."""
        return sorted({r.model.topic for r in self._routes.values()})

    def route(self, event_type: str) -> _Route | None:
        """The handler of an event type, if this service cares about it."""
        return self._routes.get(event_type)


class PoisonMessage(Exception):
    """A message that can never be applied (not a CloudEvent, or data that fails its schema)."""


async def apply_once(session: AsyncSession, handlers: EventHandlers, envelope: EventEnvelope, topic: str) -> bool:
    """Apply one event in the session's transaction unless its id is already in the inbox.

    Returns False for a duplicate (or an event type this service ignores), True when the effect was applied.
    """
    return await apply_claimed(session, handlers, envelope, await claim(session, handlers, [(envelope, topic)]))


async def claim(
    session: AsyncSession, handlers: EventHandlers, events: Sequence[tuple[EventEnvelope, str]]
) -> set[str]:
    """Enter the events this service handles (each with its topic) in the inbox, in one statement: the ids that were
    not there yet, whose effects the transaction applies (`apply_claimed`). Rolled back with the transaction."""
    handled = [(envelope, topic) for envelope, topic in events if handlers.route(envelope.type) is not None]
    if not handled:
        return set()
    claimed = await session.execute(
        _CLAIM,
        {
            "ids": [envelope.id for envelope, _ in handled],
            "types": [envelope.type for envelope, _ in handled],
            "topics": [topic for _, topic in handled],
            "at": datetime.now(UTC),
        },
    )
    return set(claimed.scalars())


async def apply_claimed(
    session: AsyncSession, handlers: EventHandlers, envelope: EventEnvelope, claimed: set[str]
) -> bool:
    """Apply the event if this transaction claimed it (`claim`), once however often it was fetched: True when the
    effect was applied. PoisonMessage when it does not match its type's schema, claimed or not."""
    route = handlers.route(envelope.type)
    if route is None:
        return False
    try:
        event = route.model.model_validate(envelope.data)
    except ValidationError as exc:
        raise PoisonMessage(f"{envelope.type} does not match its schema: {exc}") from exc
    if envelope.id not in claimed:
        return False
    claimed.discard(envelope.id)  # the same event twice in one fetch has one effect
    await route.handler(session, event)
    return True


# One statement for a fetch's events, whatever their number (a multi-row VALUES would compile once per count).
_CLAIM = text(
    "INSERT INTO inbox (event_id, type, topic, processed_at) "
    "SELECT e.event_id, e.type, e.topic, CAST(:at AS timestamptz) "
    "FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[]), CAST(:topics AS varchar[])) "
    "AS e(event_id, type, topic) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


class EventConsumer(BackgroundWork):
    """Consumes the topics of a handler registry for one service; start() in the lifespan, stop() on shutdown.
    Uncommitted messages are redelivered to the next consumer of the group."""

    def __init__(
        self,
        settings: HubSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: EventHandlers,
        provider: TracerProvider,
    ) -> None:
        super().__init__(f"consumer-{settings.service_name}")
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._handlers = handlers
        self._tracer = provider.get_tracer("hub.consumer")
        self.is_running = False

    async def run(self) -> None:
        """Consume until cancelled; while Kafka is away, the base reconnects with backoff."""
        topics = self._handlers.topics
        await ensure_topics(self._settings, [*topics, *(t + DLQ_SUFFIX for t in topics)])
        consumer = create_consumer(self._settings, *topics)
        dlq = create_producer(self._settings)
        try:
            # Started inside: a start that fails or is cancelled half-way still closes what it opened.
            await consumer.start()
            await dlq.start()
            self.is_running = True
            loop = asyncio.get_running_loop()
            # Offsets whose effects have committed, not committed to Kafka yet, and when they are due.
            pending: dict[TopicPartition, int] = {}
            due = 0.0
            while True:
                wait_ms = FETCH_WAIT_MS if not pending else max(1, round((due - loop.time()) * 1000))
                fetched = await consumer.getmany(timeout_ms=wait_ms, max_records=MAX_RECORDS)
                for records in fetched.values():
                    await self._apply_fetched(records, dlq)
                if fetched and not pending:
                    due = loop.time() + OFFSET_COMMIT_SECONDS
                pending.update({partition: records[-1].offset + 1 for partition, records in fetched.items()})
                # What was applied but not committed (the process died, a handler raised) comes again and finds its
                # id in the inbox.
                if pending and (not fetched or loop.time() >= due):
                    await commit_assigned(consumer, pending)
                    pending = {}
        finally:
            self.is_running = False
            with contextlib.suppress(Exception):
                await consumer.stop()
            await stop_producer(dlq, self._settings.kafka_request_timeout_ms / 1000)

    async def _apply_fetched(self, records: list[ConsumerRecord[bytes, bytes]], dlq: AIOKafkaProducer) -> None:
        """Apply a partition's fetched records in order, as many as apply cleanly together in one transaction (one
        commit for many events); one that fails among them is handled alone (its retries, then the DLQ)."""
        start = 0
        while start < len(records):
            applied, failure = await self._apply_together(records[start:])
            start += applied
            if start < len(records):
                await self._handle(records[start], dlq, failure)
                start += 1

    async def _apply_together(self, records: list[ConsumerRecord[bytes, bytes]]) -> tuple[int, Exception | None]:
        """Apply the leading records that parse in one transaction: how many committed, and the failure of the one
        after them if it failed among them (its first attempt). A record that does not parse is left for `_handle`."""
        together = []
        for record in records:
            try:
                together.append((record, EventEnvelope.from_kafka(list(record.headers), record.value)))
            except ValueError:
                break
        outcomes: list[bool] = []
        if not together:
            return 0, None
        try:
            async with self._sessionmaker() as session, session.begin():
                # One inbox statement for the whole fetch rather than one per event.
                claimed = await claim(
                    session, self._handlers, [(envelope, record.topic) for record, envelope in together]
                )
                for record, envelope in together:
                    with self._span(record, envelope) as span:
                        try:
                            outcomes.append(await apply_claimed(session, self._handlers, envelope, claimed))
                        except Exception as exc:
                            record_error(span, exc)
                            raise
        except Exception as exc:
            failed_at = len(outcomes)
            if failed_at in (0, len(together)):  # the first one failed, or the commit: each alone
                return 0, exc if failed_at == 0 else None
            # Those before it applied cleanly: together again, without it.
            applied, failure = await self._apply_together(records[:failed_at])
            return (applied, exc) if applied == failed_at else (applied, failure)
        for (record, _), applied in zip(together, outcomes, strict=True):
            outcome = "applied" if applied else "skipped"
            metrics.EVENTS_CONSUMED.labels(self._settings.service_name, record.topic, outcome).inc()
        return len(together), None

    @contextlib.contextmanager
    def _span(self, record: ConsumerRecord[bytes, bytes], envelope: EventEnvelope | None = None) -> Iterator[Span]:
        """The CONSUMER span of one record, continuing the producer's trace."""
        with self._tracer.start_as_current_span(
            f"{record.topic} process",
            context=extract_context(header_dict(list(record.headers))),
            kind=SpanKind.CONSUMER,
            # A failure is recorded by record_error, by its type only: the SDK's own recording would copy the
            # exception's message, which may quote the record's values (A28.1).
            record_exception=False,
            set_status_on_exception=False,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.kafka.message.offset": record.offset,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.consumer.group.name": f"{self._settings.kafka_topic_prefix}{self._settings.service_name}",
            },
        ) as span:
            if envelope is not None:
                _tag(span, envelope)
            yield span

    async def _handle(
        self, record: ConsumerRecord[bytes, bytes], dlq: AIOKafkaProducer, failed_once: Exception | None = None
    ) -> None:
        """Apply one record alone, with retries (`failed_once`: its first attempt, made among others, failed);
        dead-letter it if it cannot be parsed or keeps failing."""
        with self._span(record) as span:
            error: BaseException | None = None
            try:
                envelope = EventEnvelope.from_kafka(list(record.headers), record.value)
                _tag(span, envelope)
            except ValueError as exc:
                error = exc
            else:
                error = await self._apply_with_retries(envelope, record.topic, failed_once)
            if error is None:
                return
            # Its type only: the message may quote the event's data; the DLQ's header keeps it whole.
            record_error(span, error)
            await self._dead_letter(record, error, dlq)

    async def _apply_with_retries(
        self, envelope: EventEnvelope, topic: str, failed_once: Exception | None
    ) -> BaseException | None:
        service = self._settings.service_name
        error = failed_once
        for attempt in range(2 if failed_once else 1, self._settings.consumer_max_attempts + 1):
            if error is not None:
                await asyncio.sleep(self._settings.consumer_retry_backoff_seconds * (attempt - 1))
            try:
                async with self._sessionmaker() as session, session.begin():
                    applied = await apply_once(session, self._handlers, envelope, topic)
                outcome = "applied" if applied else "skipped"
                metrics.EVENTS_CONSUMED.labels(service, topic, outcome).inc()
                return None
            except PoisonMessage as exc:
                return exc
            except Exception as exc:
                log.warning("event failed", event_id=envelope.id, attempt=attempt, error=str(exc))
                error = exc
        if error is not None and is_database_unavailable(error):
            # No fault of the event: dead-lettered, it would lose its effect. Raised, the consumer starts over
            # after a backoff without committing it, and the event comes again.
            raise error
        return error

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException, dlq: AIOKafkaProducer
    ) -> None:
        service = self._settings.service_name
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
        headers = [
            *record.headers,
            ("dlq_error", text.encode()[:4000]),
            ("dlq_consumer", service.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
        ]
        await dlq.send_and_wait(record.topic + DLQ_SUFFIX, value=record.value, key=record.key, headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(service, record.topic).inc()
        metrics.EVENTS_CONSUMED.labels(service, record.topic, "dead-lettered").inc()
        log.error("event dead-lettered", topic=record.topic, offset=record.offset, error=text)


def _tag(span: Span, envelope: EventEnvelope) -> None:
    span.set_attribute("messaging.message.id", envelope.id)
    span.set_attribute("cloudevents.event_type", envelope.type)
    tag_ids(envelope.data, span)


async def commit_assigned(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    """Commit the offsets of the partitions still assigned to the consumer. A rebalance may have taken one away
    since its events were applied: its new owner gets them again, and the inbox absorbs them."""
    assigned = consumer.assignment()
    kept = {partition: offset for partition, offset in offsets.items() if partition in assigned}
    if kept:
        await consumer.commit(kept)
