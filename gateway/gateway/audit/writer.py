"""Appending to the audit chain, durable first (A36.1): no response starts before its exchange's record is
committed, so every exchange a caller saw answered is in the chain, whatever happens to the gateway next (kill -9).

Group commit keeps this cheap. `append` queues a record and waits for the batch it lands in; one writer task takes
everything queued and, in one transaction, takes a transaction-level advisory lock and reads the chain head (one
statement: `audit_chain_head()`, migration 0006), links and hashes the batch, inserts it and commits — so several
gateway replicas share one total order. The committed records are published on gateway.audit from the chain itself
(gateway.audit.publisher), which `on_commit` wakes. While one batch commits the next one gathers, so under load a
request waits for about two commits, not for one commit per request ahead of it, and an idle gateway adds one
commit.

Guarantees:
- `append` returns once its record is committed. A caller cancelled while it waits (its client went away) does not
  withdraw the record: it is written all the same.
- A batch the database refuses is retried until the database takes it; a record is never dropped while the gateway
  runs. A caller that has waited `commit_timeout` seconds gets AuditUnavailable (503 with Retry-After) and answers
  that instead of what it would have answered; its record, holding the service's answer the caller never received,
  stays queued and is written when the database is back.
- Texts are fitted to their columns before queueing, so no value a caller chose can stall the chain.
- What is still queued at shutdown belongs to exchanges not answered yet; `stop` writes it, giving up after
  `commit_timeout` seconds (the database is gone, and those callers get no answer either).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.audit.chain import GENESIS, link
from gateway.audit.models import AuditAnchor, AuditRecord
from hub import metrics
from hub.background import BackgroundWork
from hub.contracts.gateway import AuditAnchored
from hub.errors import ServiceUnavailable
from hub.outbox import record_event

log = structlog.get_logger(__name__)
SOURCE = "/hub/gateway"
RETRY_SECONDS = 0.5
# The chain head, read once the chain's lock is held (to the end of the transaction): one lock orders every appender
# of the chain, the gateway replicas and the anchoring.
_HEAD_SQL = "SELECT seq, hash FROM audit_chain_head()"
_HEAD = text(_HEAD_SQL)


class AuditUnavailable(ServiceUnavailable):
    """The audit chain did not take a record in time; the exchange may not be answered without it (A36.1)."""

    def __init__(self) -> None:
        super().__init__(
            "The audit trail cannot be written just now, and no exchange is answered without it; retry shortly.",
            requirement="A36.1",
            headers={"Retry-After": "5"},
        )


@dataclass
class _Queued:
    record: dict[str, Any]
    committed: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class AuditLog(BackgroundWork):
    """The gateway's audit writer: `append` returns once the record is committed, batched with its neighbours."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        batch_size: int = 500,
        max_queue: int = 100_000,
        commit_timeout: float = 10.0,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__("audit-writer")
        self._engine = engine
        self._on_commit = on_commit
        self._batch_size = batch_size
        self._commit_timeout = commit_timeout
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue(max_queue)
        self._pending = 0
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def pending(self) -> int:
        """Records appended and not committed yet (hub_audit_pending_records: many, for long, is a stalled writer)."""
        return self._pending

    async def stop(self) -> None:
        """Write what is queued (for at most `commit_timeout` seconds), then stop."""
        if self._pending:
            try:
                await asyncio.wait_for(self._drained.wait(), self._commit_timeout)
            except TimeoutError:
                log.error("audit writer stopped with records of unanswered exchanges unwritten", records=self._pending)
        await super().stop()

    async def append(self, record: dict[str, Any]) -> None:
        """Append one record (every field of AuditRecord but seq, prev_hash and hash) and wait for its commit.

        AuditUnavailable when it is not committed within `commit_timeout` seconds (it stays queued).
        """
        queued = _Queued(fit_to_columns(record))
        try:
            async with asyncio.timeout(self._commit_timeout):
                await self._queue.put(queued)
                self._pending += 1
                self._drained.clear()
                # Shielded: a caller cancelled while it waits leaves the record to be written all the same.
                await asyncio.shield(queued.committed)
        except TimeoutError as exc:
            raise AuditUnavailable() from exc

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # Whatever queued while the last batch committed joins this one (group commit).
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write_until_taken([queued.record for queued in batch])
            self._on_commit()
            for queued in batch:
                if not queued.committed.done():
                    queued.committed.set_result(None)
            self._pending -= len(batch)
            if self._pending == 0:
                self._drained.set()

    async def _write_until_taken(self, batch: list[dict[str, Any]]) -> None:
        while True:
            try:
                await self._write(batch)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Never drop an audit record: retry until the database takes it.
                log.error("audit batch not written; retrying", error=str(exc), records=len(batch))
                await asyncio.sleep(RETRY_SECONDS)

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        # The pool's asyncpg connection itself, statement by statement: every answer waits for this commit, and
        # through the ORM each statement cost more than its round trip (at one connection a commit took 9-11 ms,
        # of which about 1.5 ms were round trips; 5-6 ms this way: bench/README.md).
        async with self._engine.connect() as pooled:
            connection: asyncpg.Connection = (await pooled.get_raw_connection()).driver_connection
            async with connection.transaction():
                head = await connection.fetchrow(_HEAD_SQL)
                rows = link(batch, *((head["seq"], head["hash"]) if head else (0, GENESIS)))
                await connection.executemany(_INSERT_SQL, [tuple(row[name] for name in _COLUMNS) for row in rows])
        metrics.AUDIT_RECORDS.inc(len(rows))


def fit_to_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every text cut to its column's length and NUL replaced (PostgreSQL text cannot hold it).

    Callers put headers and paths into records; one value the database refused would stall the writer, which
    retries its batch until the database takes it, and with it every record after it.
    """
    fitted = dict(record)
    for name, length in _COLUMN_LENGTHS:
        value = fitted.get(name)
        if isinstance(value, str):
            value = value.replace("\x00", "\ufffd")
            fitted[name] = value[:length] if length else value
    return fitted


_TABLE = AuditRecord.metadata.tables[AuditRecord.__tablename__]
# (column, its length or None) of every column of AuditRecord, read from the model once.
_COLUMN_LENGTHS = tuple((c.name, getattr(c.type, "length", None)) for c in _TABLE.columns)
# The writer's insert as SQLAlchemy compiles it for asyncpg ($1, $2 … in `_COLUMNS` order), run on the bare
# connection (AuditLog._write).
_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's dialect classes are not typed
_INSERT = insert(_TABLE).compile(dialect=_DIALECT)
_INSERT_SQL, _COLUMNS = str(_INSERT), tuple(_INSERT.positiontup or ())


async def locked_chain_head(session: AsyncSession) -> tuple[int, str] | None:
    """Take the chain's lock (nobody appends until the session's transaction ends), then the newest record's
    sequence number and hash."""
    row = (await session.execute(_HEAD)).first()
    return (row[0], row[1]) if row else None


async def anchor_chain_head(session: AsyncSession) -> AuditAnchor | None:
    """Record the current chain head as an anchor and publish it (its copy outside the database).

    The anchor's seq is the number of records the chain held at that moment (seq counts from 1 without gaps), so a
    verifier finding fewer records than an anchor's seq knows the chain lost its tail.
    """
    head = await locked_chain_head(session)
    if head is None:
        return None
    last = (await session.execute(select(AuditAnchor.seq).order_by(AuditAnchor.id.desc()).limit(1))).scalar()
    if last == head[0]:
        return None
    anchor = AuditAnchor(seq=head[0], hash=head[1], anchored_at=datetime.now(UTC))
    session.add(anchor)
    await record_event(
        session, AuditAnchored(seq=anchor.seq, hash=anchor.hash, anchored_at=anchor.anchored_at), source=SOURCE
    )
    return anchor
