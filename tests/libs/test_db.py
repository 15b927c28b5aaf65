"""A database fault answers 503 problem+json with Retry-After, whatever layer notices it, and the pool recovers;
read sessions and read connections run without a transaction, read sessions refuse to write, write sessions commit
all or nothing.

The faults are real: a PostgreSQL cluster of this module's own is stopped under a running service and started
again (the shared test cluster is not touched).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI, status
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from harness import Infra, RunningService, eventually, free_port, free_socket, migrations_of, serve
from hub.db import (
    ReadConnectionDep,
    SessionDep,
    asyncpg_dsn,
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
    is_database_unavailable,
    new_metadata,
    read_connection,
)
from hub.errors import InvalidInput
from hub.migrations import ensure_database, upgrade_to_head
from hub.settings import HubSettings

POSTGRES_SH = Path(__file__).resolve().parents[2] / "deploy" / "postgres.sh"


def _raised_while_handling(cause: BaseException, error: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException:
            raise error  # noqa: B904 - the implicit __context__ is what this builds
    except BaseException as raised:
        return raised


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        DBAPIError("ROLLBACK", None, Exception("closed"), connection_invalidated=True),
        _raised_while_handling(asyncpg.exceptions.ConnectionDoesNotExistError("closed"), KeyError("later")),
        ExceptionGroup("task group", [ValueError("other"), ConnectionResetError()]),
    ],
    ids=repr,
)
def test_a_lost_refused_or_overloaded_database_is_unavailable_not_a_bug(error: BaseException) -> None:
    assert is_database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.exceptions.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        DBAPIError("INSERT", None, Exception("bad value"), connection_invalidated=False),
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        ValueError("a bug"),
    ],
    ids=repr,
)
def test_a_refused_statement_or_a_bug_is_not_the_database_being_unavailable(error: BaseException) -> None:
    assert not is_database_unavailable(error)


@dataclass
class OwnPostgres:
    """A throwaway cluster this module starts, stops and starts again."""

    run_dir: str
    port: int

    async def _run(self, command: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # else the script manages nothing
        env.update(RUN_DIR=self.run_dir, PG_PORT=str(self.port), PG_TUNING="test")
        env.update(PG_SHARED_BUFFERS="32MB", PG_MAX_WAL_SIZE="256MB")
        process = await asyncio.create_subprocess_exec(
            str(POSTGRES_SH), command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()

    async def start(self) -> None:
        await self._run("start")

    async def stop(self) -> None:
        await self._run("stop")

    def url(self, database: str) -> str:
        return f"postgresql://hub@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
async def own_postgres() -> AsyncIterator[OwnPostgres]:
    cluster = OwnPostgres(tempfile.mkdtemp(prefix="hub-pg-faults-"), free_port())
    try:
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()
        shutil.rmtree(cluster.run_dir, ignore_errors=True)


@dataclass
class Held:
    """A request parked inside its handler, with its session open, until the test lets it go on."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    go_on: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.entered, self.go_on = asyncio.Event(), asyncio.Event()

    async def park(self) -> None:
        self.entered.set()
        await self.go_on.wait()


def _router(held: Held) -> APIRouter:
    router = APIRouter()

    @router.get("/one")
    async def one(session: SessionDep) -> dict[str, int]:
        return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}

    @router.get("/read-one")
    async def read_one(connection: ReadConnectionDep) -> dict[str, int]:
        return {"one": await connection.fetchval("SELECT 1")}

    @router.post("/notes/{note}", status_code=status.HTTP_201_CREATED)
    async def add_note(note: str, session: SessionDep) -> dict[str, str]:
        await session.execute(text("INSERT INTO notes (note) VALUES (:note)"), {"note": note})
        await held.park()
        return {"note": note}  # the session commits after this, on whatever connection is left

    @router.get("/refusal")
    async def refusal(session: SessionDep) -> None:
        await session.execute(text("SELECT 1"))
        await held.park()
        raise InvalidInput("refused by the handler")  # the rollback that follows is what meets the fault

    return router


@dataclass
class Service:
    running: RunningService
    held: Held
    database_url: str

    async def notes(self) -> list[str]:
        conn = await asyncpg.connect(asyncpg_dsn(self.database_url))
        try:
            return [row["note"] for row in await conn.fetch("SELECT note FROM notes ORDER BY note")]
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def service(
    own_postgres: OwnPostgres, infra: Infra, make_service_app: Callable[..., FastAPI]
) -> AsyncIterator[Service]:
    url = own_postgres.url(f"faults_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    await upgrade_to_head(migrations_of("share"), url)  # the outbox the shared relay polls
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("CREATE TABLE notes (note text PRIMARY KEY)")
    finally:
        await conn.close()
    held = Held()
    app = make_service_app(_router(held), database_url=url, kafka_bootstrap_servers=infra.kafka_bootstrap)
    running = await serve(app, free_socket(), "tiny")
    try:
        yield Service(running, held, url)
    finally:
        running.server.should_exit = True
        with contextlib.suppress(Exception):
            await running.task


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"] == "/problems/service-unavailable"
    assert len(body["trace_id"]) == 32


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/one", "/read-one"], ids=["session", "read connection"])
async def test_a_stopped_database_answers_503_with_retry_after_and_the_pool_recovers_A29_1(
    service: Service, own_postgres: OwnPostgres, path: str
) -> None:
    async with httpx.AsyncClient(base_url=service.running.url) as http:
        assert (await http.get(path)).status_code == 200  # a pooled connection now exists
        await own_postgres.stop()
        try:
            _assert_unavailable(await http.get(path))
        finally:
            await own_postgres.start()
        # The pooled connection died with the server: the pool replaces it instead of handing it out.
        response = await http.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == {"one": 1}


@pytest.mark.integration
async def test_a_rollback_failing_after_the_handlers_own_error_answers_503_not_a_plain_500_A29_1(
    service: Service, own_postgres: OwnPostgres
) -> None:
    service.held.reset()
    async with httpx.AsyncClient(base_url=service.running.url, timeout=30) as http:
        request = asyncio.create_task(http.get("/refusal"))
        await service.held.entered.wait()
        await own_postgres.stop()
        service.held.go_on.set()
        try:
            _assert_unavailable(await request)
        finally:
            await own_postgres.start()
        assert (await http.get("/one")).status_code == 200


@pytest.mark.integration
async def test_a_commit_failing_after_the_handler_answers_503_and_nothing_is_stored_A29_1(
    service: Service, own_postgres: OwnPostgres
) -> None:
    service.held.reset()
    async with httpx.AsyncClient(base_url=service.running.url, timeout=30) as http:
        request = asyncio.create_task(http.post("/notes/first"))
        await service.held.entered.wait()
        await own_postgres.stop()
        service.held.go_on.set()
        try:
            _assert_unavailable(await request)  # not a 201 for a write that did not commit
        finally:
            await own_postgres.start()
        assert await service.notes() == []
        # go_on is still set: the retry runs straight through.
        assert (await http.post("/notes/first")).status_code == 201
    assert await service.notes() == ["first"]


# --- sessions and the pool, on the shared test server -------------------------------------------------------------


class _ScratchBase(DeclarativeBase):
    metadata = new_metadata()


class _Note(_ScratchBase):
    __tablename__ = "notes"

    note: Mapped[str] = mapped_column(primary_key=True)


@pytest.fixture(scope="module")
async def scratch(infra: Infra) -> AsyncIterator[AsyncEngine]:
    """An engine as every service makes it, on a database of this module's own with one table of notes."""
    url = infra.database(f"t_db_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    engine = create_engine(HubSettings(service_name="tiny", database_url=url, log_json=False))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_ScratchBase.metadata.create_all)
        yield engine
    finally:
        await engine.dispose()
        await infra.drop_database(url)


# now() is when the statement's transaction started: the same for two statements of one transaction, and two
# instants for two statements that each run alone (autocommit).
_NOW = text("SELECT now()")


@pytest.mark.integration
async def test_a_read_session_sends_no_begin_nor_commit_and_leaves_no_transaction_open(scratch: AsyncEngine) -> None:
    async with create_read_sessionmaker(scratch)() as session:
        alone = {(await session.execute(_NOW)).scalar_one() for _ in range(2)}
        backend = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    async with create_sessionmaker(scratch)() as session, session.begin():
        in_transaction = {(await session.execute(_NOW)).scalar_one() for _ in range(2)}
    assert (len(alone), len(in_transaction)) == (2, 1)
    assert await _state_of(scratch, backend) == "idle"  # back in the pool, not "idle in transaction"


async def _state_of(engine: AsyncEngine, backend: int) -> str:
    outside = await asyncpg.connect(asyncpg_dsn(engine.url.render_as_string(hide_password=False)))
    try:
        state: str = await outside.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", backend)
    finally:
        await outside.close()
    return state


@pytest.mark.integration
async def test_a_read_connection_runs_each_statement_alone_and_goes_back_to_the_pool_idle(scratch: AsyncEngine) -> None:
    async with read_connection(scratch) as connection:
        alone = {await connection.fetchval("SELECT now()") for _ in range(2)}
        in_transaction = connection.is_in_transaction()
        backend = await connection.fetchval("SELECT pg_backend_pid()")
    assert (len(alone), in_transaction) == (2, False)
    assert scratch.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert await _state_of(scratch, backend) == "idle"


@pytest.mark.integration
async def test_a_read_connection_goes_back_to_the_pool_usable_when_its_reader_fails(scratch: AsyncEngine) -> None:
    backends: list[int] = []

    async def divide_by_zero() -> None:
        async with read_connection(scratch) as connection:
            backends.append(await connection.fetchval("SELECT pg_backend_pid()"))
            await connection.fetchval("SELECT 1 / 0")

    async def refuse() -> None:
        async with read_connection(scratch):
            raise InvalidInput("refused by the reader")

    with pytest.raises(asyncpg.exceptions.DivisionByZeroError):
        await divide_by_zero()
    with pytest.raises(InvalidInput):
        await refuse()
    assert scratch.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with read_connection(scratch) as connection:
        assert await connection.fetchval("SELECT 1") == 1
    assert await _state_of(scratch, backends[0]) == "idle"


@pytest.mark.integration
async def test_a_read_session_refuses_every_write_before_it_reaches_the_database(scratch: AsyncEngine) -> None:
    """A write through a read session would commit alone, apart from the outbox event it should ride with."""
    reads = create_read_sessionmaker(scratch)
    async with reads() as session:
        session.add(_Note(note="added"))
        with pytest.raises(InvalidRequestError, match="does not write"):
            await session.flush()
    for statement in (
        insert(_Note).values(note="inserted"),
        update(_Note).values(note="updated"),
        delete(_Note),
    ):
        async with reads() as session:
            with pytest.raises(InvalidRequestError, match="does not write"):
                await session.execute(statement)
    async with scratch.connect() as conn:
        assert (await conn.execute(select(_Note.note))).all() == []


@pytest.mark.integration
async def test_a_write_session_still_commits_its_rows_together_or_not_at_all(scratch: AsyncEngine) -> None:
    writes = create_sessionmaker(scratch)

    async def add(*notes: str) -> None:
        async with writes() as session, session.begin():
            for note in notes:
                session.add(_Note(note=note))
                await session.flush()

    await add("one", "two")
    with pytest.raises(IntegrityError):
        await add("three", "one")  # a duplicate: the whole transaction rolls back, "three" with it
    async with scratch.connect() as conn:
        assert sorted((await conn.execute(select(_Note.note))).scalars()) == ["one", "two"]
        await conn.execute(delete(_Note))
        await conn.commit()


@pytest.mark.integration
async def test_a_pooled_connection_the_database_closed_is_replaced_when_checked_out_A29_1(
    scratch: AsyncEngine,
) -> None:
    """The pool hands out no connection the server closed while it waited (a restart, a terminated backend)."""
    async with scratch.connect() as conn:
        driver: asyncpg.Connection = (await conn.get_raw_connection()).driver_connection
        backend = await conn.scalar(text("SELECT pg_backend_pid()"))
    outside = await asyncpg.connect(asyncpg_dsn(scratch.url.render_as_string(hide_password=False)))
    try:
        assert await outside.fetchval("SELECT pg_terminate_backend($1)", backend)
    finally:
        await outside.close()
    await eventually(lambda: driver.is_closed(), within=10)
    async with scratch.connect() as conn:  # the pool's one connection is the closed one
        again = await conn.scalar(text("SELECT pg_backend_pid()"))
    assert again != backend
