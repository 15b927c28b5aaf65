"""A database fault answers 503 problem+json with Retry-After, whatever layer notices it, and the pool recovers.

The faults are real: a PostgreSQL cluster of this module's own is stopped under a running service and started
again (the shared test cluster is not touched).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI, status
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from harness import Infra, RunningService, free_socket, migrations_of, serve
from hub.db import SessionDep, asyncpg_dsn, is_database_unavailable
from hub.errors import InvalidInput
from hub.migrations import ensure_database, upgrade_to_head

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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = OwnPostgres(tempfile.mkdtemp(prefix="hub-pg-faults-"), port)
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
async def test_a_stopped_database_answers_503_with_retry_after_and_the_pool_recovers_A29_1(
    service: Service, own_postgres: OwnPostgres
) -> None:
    async with httpx.AsyncClient(base_url=service.running.url) as http:
        assert (await http.get("/one")).status_code == 200  # a pooled connection now exists
        await own_postgres.stop()
        try:
            _assert_unavailable(await http.get("/one"))
        finally:
            await own_postgres.start()
        # The pooled connection died with the server: pre-ping replaces it instead of handing it out.
        response = await http.get("/one")
    assert response.status_code == 200, response.text


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
