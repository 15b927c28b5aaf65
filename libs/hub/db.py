"""The async SQLAlchemy engine, the declarative base every service's models share, and the request session."""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import MetaData, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from hub.settings import HubSettings

# Stable constraint names make Alembic migrations reproducible.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata for one service's tables, with the mesh's constraint naming convention.

    Each service declares its own declarative base on a fresh metadata: services share no tables, and several
    services may live in one process (the end-to-end tests), where a shared metadata would clash.
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


class MessagingBase(DeclarativeBase):
    """Base of the outbox and inbox tables, which every service's database has."""

    metadata = new_metadata()


def async_url(url: str) -> str:
    """The URL with the asyncpg driver, whatever driver (or none) the operator wrote."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The URL as plain libpq/asyncpg DSN, for the raw connections that LISTEN."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(settings: HubSettings) -> AsyncEngine:
    """The service's engine, pooled; a connection the database closed is never handed out.

    A connection that fails with a disconnect error is invalidated by SQLAlchemy rather than returned to the pool,
    and one the server closed while it waited in the pool (a restart, a terminated backend) is replaced when it is
    checked out (`_replace_closed_connection`), so a database restart or a failed request never hands the next
    request a dead connection.
    """
    # Every connection the pool opens it keeps: an overflow connection is closed when it comes back while the pool is
    # full, so under load the pool opened and closed connections all the time, each a new PostgreSQL backend and a
    # connection handshake (bench/README.md, "The pool keeps its connections").
    engine = create_async_engine(
        async_url(settings.database_url), pool_size=settings.database_pool_size, max_overflow=0
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed_connection)
    return engine


def _replace_closed_connection(
    _dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """Pool checkout: a connection whose server closed it is swapped for a new one (the pool does so on
    DisconnectionError).

    asyncpg reads every pooled connection's socket, so it knows of a closed one without asking the server. SQLAlchemy's
    pre-ping asked: BEGIN, SELECT and ROLLBACK on every checkout, three round trips that cost a simple read twice its
    own query.
    """
    driver: asyncpg.Connection = proxy.driver_connection
    if driver.is_closed():
        raise sa_exc.DisconnectionError("the database closed this pooled connection")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)


class ReadOnlySession(Session):
    """The session under a read session (`create_read_sessionmaker`): it refuses to write."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _context: object, _instances: object) -> None:
    raise sa_exc.InvalidRequestError("A read session does not write: take SessionDep for a request that writes.")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise sa_exc.InvalidRequestError("A read session does not write: take SessionDep for a request that writes.")


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read: each statement runs alone (autocommit), without BEGIN and COMMIT.

    A read then costs its own queries' round trips only, not two more. It sees what a transaction would: the hub's
    transactions are READ COMMITTED, in which each statement takes its own snapshot anyway. What needs a transaction
    (a cursor streaming rows, a lock held past its statement, COPY) takes SessionDep. A flush, insert, update or
    delete through one of these sessions is refused before it reaches the database (ReadOnlySession), so no write
    commits alone, apart from the outbox event it should ride with; SQL text sent through it is the caller's to keep
    to reads. The sessions share the engine's pool.
    """
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        sync_session_class=ReadOnlySession,
    )


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, inside the session's transaction: for what SQLAlchemy does not
    speak, such as COPY, the fastest way to write many rows. (Under a read session there is no transaction; a hot
    read that needs no session at all takes `ReadConnectionDep`.)"""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction() and not isinstance(session.sync_session, ReadOnlySession):
        # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement: without one, a COPY would commit alone.
        await connection.execute(text("SELECT 1"))
    return driver


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once when the handler returns; rolled back if it raises.

    The outbox row of any event rides this session, so a state change and its event commit together.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        yield session


# "function" scope: the commit happens before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One read session per request (`create_read_sessionmaker`): no transaction to begin or commit."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    async with sessionmaker() as session:
        yield session


# For a request that only reads, as a GET of one row: a write through it is refused (ReadOnlySession).
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


@asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled asyncpg connection, outside any transaction, for a read with SQL of its own; back to the pool after.

    No session and no transaction: each statement runs alone (autocommit), as under a read session, and what SQL is
    sent is the caller's to keep to reads. A Session's checkout and close cost a simple read several times what the
    pool's own checkout does (bench/README.md, "Hot reads take the pool's connection"). The pool's checkout checks
    (`_replace_closed_connection`) and reset on return apply as to any connection.
    """
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        # In SQLAlchemy's greenlet: the reset on return may have to await the driver.
        await greenlet_spawn(pooled.close)


async def get_read_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """One pooled driver connection per request (`read_connection`)."""
    async with read_connection(request.app.state.engine) as connection:
        yield connection


# For the hottest reads, a row or a few by key, written in SQL: no session, no transaction (`read_connection`).
ReadConnectionDep = Annotated[asyncpg.Connection, Depends(get_read_connection, scope="function")]


# What says the database (or the way to it) is unavailable, rather than that a statement was wrong.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # 08xxx: the connection failed, was refused or is gone
    asyncpg.exceptions.OperatorInterventionError,  # 57xxx: shutting down, starting up, statement cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # 53xxx: too many connections, disk full, out of memory
    sa_exc.TimeoutError,  # no pooled connection came free in time
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,  # connecting took too long
    socket.gaierror,  # the database's host name does not resolve
)
# A plain OSError with these numbers is the network failing, not the program (asyncpg raises them connecting).
_NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it or was being handled when it was raised, and so on; groups included."""
    pending, seen = [exc], set()
    while pending:
        link = pending.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        if isinstance(link, BaseExceptionGroup):
            pending.extend(link.exceptions)
        pending.extend(e for e in (link.__cause__, link.__context__) if e is not None)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether the error, or one it arose from, says the database cannot be reached or cannot serve now.

    Such an error is no fault of the request: it answers 503 with Retry-After (hub.errors). The chain matters
    because the layer that notices is often not the one that failed: a rollback on a closed connection raises
    while the handler's own error is being handled.
    """
    for link in _chain(exc):
        if isinstance(link, _UNAVAILABLE):
            return True
        if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, OSError) and link.errno in _NETWORK_ERRNOS:
            return True
        # asyncpg's own words for a connection used after it closed (SQLAlchemy's asyncpg dialect matches them too).
        if isinstance(link, asyncpg.InterfaceError) and "connection is closed" in str(link):
            return True
        # A connection whose server vanished during a statement can be left mid-operation (the statement was
        # cancelled while it waited on the dead socket): asyncpg refuses the next statement on it in these words.
        if isinstance(link, asyncpg.InternalClientError) and "another operation" in str(link):
            return True
    return False
