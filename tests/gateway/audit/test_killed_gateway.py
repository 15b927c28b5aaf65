"""The gateway killed (SIGKILL) under load: every exchange a client saw answered has its record in the audit chain,
and the chain verifies (A36.1). The gateway and catalog-svc run in processes of their own, as services/run.py
starts them, so the kill is a real one: nothing the gateway held in memory survives it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from gateway.audit.models import AuditRecord
from gateway.audit.service import verify
from harness import Infra, Keys, bootstrap_admin, eventually, free_port, token
from hub.db import async_url

pytestmark = pytest.mark.integration

CLIENTS = 16
KILL_AFTER_ANSWERS = 100


@dataclass
class Process:
    """One service under uvicorn in a process of its own."""

    package: str
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", f"{self.package}.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def answering(self, path: str) -> None:
        async with httpx.AsyncClient(base_url=self.url) as client:

            async def ok() -> bool:
                assert self.process is not None
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    return (await client.get(path)).status_code == 200
                except httpx.HTTPError:
                    return False

            # Generous: on a CPU shared with other test runs, importing a service alone can take half a minute.
            await eventually(ok, within=120, every=0.2)

    def kill(self) -> None:
        """SIGKILL, as an out-of-memory killer or a pulled plug ends it: no shutdown runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
async def gateway_and_catalog(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[tuple[Process, str]]:
    """The gateway in front of catalog-svc, each in its own process and database; the gateway's database URL."""
    databases = {name: await database_factory(name) for name in ("gateway", "catalog")}
    common = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([keys.public_pem]),
    }
    catalog = Process("catalog_svc", {**common, "DATABASE_URL": databases["catalog"]}, tmp_path / "c.log", free_port())
    gateway_env = {
        **common,
        "DATABASE_URL": databases["gateway"],
        "HUB_INTERNAL_TOKEN_PRIVATE_KEY": keys.private_pem,
        "HUB_UPSTREAM_URLS": json.dumps({"catalog": catalog.url}),
        # The load comes from one address and one operator: no rate limit may refuse it.
        "HUB_RATE_LIMITS": json.dumps({"anonymous": "100000/second", "operator": "100000/second"}),
    }
    gateway = Process("gateway", gateway_env, tmp_path / "g.log", free_port())
    try:
        catalog.start()
        gateway.start()
        await asyncio.gather(catalog.answering("/readyz"), gateway.answering("/healthz"))
        yield gateway, databases["gateway"]
    finally:
        gateway.kill()
        catalog.kill()


async def test_every_exchange_answered_before_the_gateway_was_killed_is_in_the_chain_A36_1(
    gateway_and_catalog: tuple[Process, str],
) -> None:
    gateway, database = gateway_and_catalog
    login, password = await bootstrap_admin(database)
    answered: list[tuple[str, int]] = []
    async with httpx.AsyncClient(
        base_url=gateway.url, timeout=10, limits=httpx.Limits(max_connections=CLIENTS)
    ) as http:
        operator = await token(http, login, password)

        async def client(n: int) -> None:
            # Operators reach catalog-svc (404: no such agency); anonymous callers are refused (401, a security
            # event). A unique path per request finds its record.
            headers = operator if n % 2 else {}
            while True:
                path = f"/api/catalog/agencies/{uuid.uuid4()}"
                try:
                    response = await http.get(path, headers=headers)
                except httpx.HTTPError:
                    return  # the gateway is gone; this exchange was never answered
                answered.append((path, response.status_code))

        async def kill_under_load() -> None:
            await eventually(lambda: len(answered) >= KILL_AFTER_ANSWERS, within=30, every=0.002)
            gateway.kill()

        await asyncio.gather(kill_under_load(), *(client(n) for n in range(CLIENTS)))

    engine = create_async_engine(async_url(database))
    try:
        async with async_sessionmaker(engine)() as session:
            recorded = set((await session.execute(select(AuditRecord.path, AuditRecord.status))).all())
            breaks = await verify(session)
    finally:
        await engine.dispose()

    assert {status for _, status in answered} == {401, 404}
    assert [exchange for exchange in answered if exchange not in recorded] == []
    assert breaks == []
