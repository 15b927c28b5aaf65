"""Appending to the audit chain: records queue in memory and are written in batches (group commit).

One transaction per batch takes a transaction-level advisory lock, reads the chain head, links and hashes the
batch, inserts it with one outbox event for the batch (gateway.audit), and commits — so several gateway replicas
share one total order. Batching keeps the audit off the request's critical path: a request never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.chain import GENESIS, record_hash
from gateway.audit.models import AuditAnchor, AuditRecord
from hub import metrics
from hub.contracts.gateway import AuditAnchored, ExchangesAudited
from hub.outbox import record_event

log = structlog.get_logger(__name__)
SOURCE = "/hub/gateway"
LINGER_SECONDS = 0.005
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('gateway.audit_chain'))")


class AuditLog:
    """The gateway's audit writer; `append` never blocks the request unless the queue is full."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, batch_size: int = 500, max_queue: int = 100_000
    ) -> None:
        self._sessionmaker = sessionmaker
        self._batch_size = batch_size
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self._pending = 0
        self._drained = asyncio.Event()
        self._drained.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        await self.flush()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def append(self, record: dict[str, Any]) -> None:
        """Queue one record (every field of AuditRecord but seq, prev_hash and hash)."""
        record = fit_to_columns(record)
        self._pending += 1
        self._drained.clear()
        await self._queue.put(record)

    async def flush(self) -> None:
        """Wait until everything queued so far is committed."""
        await self._drained.wait()

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # A moment's wait lets the requests in flight join one transaction (group commit): the writer's cost
            # is per batch, not per record, and a request never waits for it.
            await asyncio.sleep(LINGER_SECONDS)
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            while True:
                try:
                    await self._write(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Never drop an audit record: retry until the database takes it.
                    log.error("audit batch not written; retrying", error=str(exc), records=len(batch))
                    await asyncio.sleep(0.5)
            self._pending -= len(batch)
            if self._pending == 0:
                self._drained.set()

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_LOCK)
            head = (
                await session.execute(
                    select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
                )
            ).first()
            seq, prev_hash = (head[0], head[1]) if head else (0, GENESIS)
            rows = []
            for fields in batch:
                seq += 1
                row = {**fields, "seq": seq, "prev_hash": prev_hash}
                row["hash"] = prev_hash = record_hash(row)
                rows.append(row)
            await session.execute(insert(AuditRecord), rows)
            record_event(session, ExchangesAudited.from_records(rows), source=SOURCE)
        metrics.AUDIT_RECORDS.inc(len(rows))


def fit_to_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every text cut to its column's length and NUL replaced (PostgreSQL text cannot hold it).

    Callers put headers and paths into records; one value the database refused would stall the writer, which
    retries its batch until the database takes it, and with it every record after it.
    """
    fitted = dict(record)
    for column in AuditRecord.__table__.columns:
        value = fitted.get(column.name)
        if isinstance(value, str):
            value = value.replace("\x00", "\ufffd")
            length = getattr(column.type, "length", None)
            fitted[column.name] = value[:length] if length else value
    return fitted


async def chain_head(session: AsyncSession) -> tuple[int, str] | None:
    """The newest record's sequence number and hash."""
    row = (
        await session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1))
    ).first()
    return (row[0], row[1]) if row else None


async def anchor_chain_head(session: AsyncSession) -> AuditAnchor | None:
    """Record the current chain head as an anchor and publish it (its copy outside the database)."""
    await session.execute(_LOCK)
    head = (
        await session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1))
    ).first()
    if head is None:
        return None
    last = (await session.execute(select(AuditAnchor.seq).order_by(AuditAnchor.id.desc()).limit(1))).scalar()
    if last == head[0]:
        return None
    anchor = AuditAnchor(seq=head[0], hash=head[1], anchored_at=datetime.now(UTC))
    session.add(anchor)
    record_event(
        session, AuditAnchored(seq=anchor.seq, hash=anchor.hash, anchored_at=anchor.anchored_at), source=SOURCE
    )
    return anchor
