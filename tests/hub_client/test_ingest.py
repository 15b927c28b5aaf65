"""The ingest client against the real mesh (catalog, aggregation, gateway on real PostgreSQL and Kafka): a file
with bad rows pushed in batches, its row errors written at their lines; a job killed mid-way and run again storing
every good row once; 429 and 503 answered with Retry-After waited for as told (A12.1, A17.1)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest
from aggregation.centre import World, centre_world
from fastapi import FastAPI, Request, Response
from openpyxl import Workbook  # type: ignore[import-untyped]

from harness import CITY, Infra, Keys, free_socket, serve
from hub_client.errors import HubRefused
from hub_client.gateway import Gateway
from hub_client.ingest import IngestJob, IngestSummary, run_ingest
from hub_client.retry import RetryPolicy

pytestmark = pytest.mark.integration

ROWS = 3000
BATCH = 200
# Bad rows by their index in the file (0 = the first record), each with the field the centre names, for the entry's
# items in aggregation.centre.PERSON_ITEMS (id_number key of 18, full_name required of 10, age integer, a date).
BAD: dict[int, tuple[str, dict[str, str]]] = {
    7: ("age", {"age": "thirty"}),
    450: ("full_name", {"full_name": ""}),
    451: ("registered_on", {"registered_on": "2024-02-30"}),
    1203: ("full_name", {"full_name": "一个非常非常长的名字啊"}),
    1999: ("id_number", {"id_number": "3" * 19}),
    2999: ("age", {"age": "1.5"}),
}
# A run of bad rows in one batch, more than a report's first page of quarantined rows (100): the rest are paged.
BAD.update({n: ("age", {"age": "abc"}) for n in range(600, 750)})
SHORT_ROW = 1500  # one field short: the centre quarantines it as a row


@dataclass
class Credentials:
    login: str
    secret: str


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with centre_world(infra, keys) as running:
        yield running


async def ingest_job_of(world: World, agency_id: str) -> Credentials:
    """A new ingest job of the agency, with its secret (shown once, at registration)."""
    login = f"ingest-{uuid.uuid4().hex[:8]}"
    body = {"kind": "ingest_job", "login": login, "display_name": login, "roles": ["ingest_job"],
            "region_code": CITY, "agency_id": agency_id}  # fmt: skip
    response = await world.gateway.post("/admin/clients", json=body, headers=world.admin)
    assert response.status_code == 201, response.text
    return Credentials(login, response.json()["client_secret"])


def people_csv(path: Path) -> tuple[int, set[tuple[int, str]]]:
    """A CSV of ROWS people with the BAD rows and a short one; the good rows' count, and (line, field) of each bad
    row (the header is line 1)."""
    lines = ["id_number,full_name,age,registered_on"]
    expected: set[tuple[int, str]] = set()
    for n in range(ROWS):
        values = {"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "age": str(n % 100),
                  "registered_on": "2024-01-31"}  # fmt: skip
        if n in BAD:
            fieldname, changed = BAD[n]
            values.update(changed)
            expected.add((n + 2, fieldname))
        line = ",".join(values.values())
        if n == SHORT_ROW:
            line = line.rsplit(",", 1)[0]
            expected.add((n + 2, "row"))
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ROWS - len(expected), expected


def error_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def state_batches(path: Path) -> int:
    return len(path.read_text().splitlines()) - 1 if path.exists() else 0


async def stored_counts(world: World, entry_id: str) -> tuple[int, int, int]:
    """Records, history entries and batches the centre holds for the entry."""
    entry = uuid.UUID(entry_id)
    [(records,)] = await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry)
    [(history,)] = await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry)
    [(batches,)] = await world.rows("SELECT count(*) FROM batches WHERE entry_id = :e", e=entry)
    return records, history, batches


def cli(world: World, *args: str) -> list[str]:
    return [sys.executable, "-m", "hub_client", "ingest", "--gateway", world.mesh.url("gateway"), "--quiet", *args]


def cli_env(credentials: Credentials) -> dict[str, str]:
    return {**os.environ, "HUB_CLIENT_ID": credentials.login, "HUB_CLIENT_SECRET": credentials.secret}


async def test_a_job_killed_mid_way_and_run_again_stores_every_good_row_once_and_lists_each_bad_row_A17_1(
    world: World, tmp_path: Path
) -> None:
    entry_id = await world.publish(world.police)
    credentials = await ingest_job_of(world, world.police.id)
    source = tmp_path / "people.csv"
    good, bad = people_csv(source)
    errors, state = tmp_path / "people.errors.jsonl", tmp_path / "people.state.jsonl"
    command = cli(world, "--entry", entry_id, "--batch-size", str(BATCH), "--errors", str(errors),
                  "--state", str(state), str(source))  # fmt: skip

    first = await asyncio.create_subprocess_exec(
        *command, env=cli_env(credentials), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while state_batches(state) < 4:
        assert first.returncode is None, (await first.communicate())[1].decode()
        assert time.monotonic() < deadline, "the job did not get through 4 batches in 60 s"
        await asyncio.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    await first.communicate()
    assert first.returncode == -signal.SIGKILL
    done_before = state_batches(state)
    assert done_before < ROWS // BATCH, "the job ended before it was killed"
    # The answer to the last batch noted is lost, as when a job dies between the centre's commit and its own note:
    # the rerun sends that batch again, under its id, and the centre must not store it twice.
    noted = state.read_text().splitlines()
    state.write_text("\n".join(noted[:-1]) + "\n")

    second = await asyncio.create_subprocess_exec(
        *command, env=cli_env(credentials), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["batches"] == ROWS // BATCH
    assert summary["resumed"] == done_before - 1
    assert summary["sent"] == ROWS // BATCH - (done_before - 1)
    assert summary["replayed"] >= 1
    assert (summary["received"], summary["stored"], summary["quarantined"]) == (ROWS, good, len(bad))

    # Each good row stored once: one record, one history entry each; one batch per batch id.
    assert await stored_counts(world, entry_id) == (good, good, ROWS // BATCH)
    reported = error_lines(errors)
    assert {(e["line"], e["field"]) for e in reported} == bad
    assert len(reported) == len(bad), "a row's errors are listed once"
    assert {e["batch"] for e in reported} == {(line - 2) // BATCH + 1 for line, _ in bad}
    assert all(e["requirement"] == "A17.1" for e in reported)


async def test_a_batch_refused_whole_stops_the_job_with_its_reason_and_nothing_noted_as_done_A17_1(
    world: World, tmp_path: Path
) -> None:
    entry_id = await world.publish(world.police)
    credentials = await ingest_job_of(world, world.police.id)
    source = tmp_path / "no-names.csv"
    source.write_text("id_number,age\n320200199000000001,30\n", encoding="utf-8")  # full_name is required
    errors, state = tmp_path / "errors.jsonl", tmp_path / "state.jsonl"
    process = await asyncio.create_subprocess_exec(
        *cli(world, "--entry", entry_id, "--errors", str(errors), "--state", str(state), str(source)),
        env=cli_env(credentials), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 1
    assert out == b""
    assert "Batch 1 (lines 2–2) was refused: 422" in err.decode()
    assert [(e["batch"], e["line"], e["field"]) for e in error_lines(errors)] == [(1, None, "full_name")]
    assert state_batches(state) == 0
    assert await stored_counts(world, entry_id) == (0, 0, 0)


@dataclass
class Busy:
    """A real HTTP server in front of the gateway that refuses the first batch pushes as a busy gateway does (429
    or 503 with Retry-After), then forwards every request; it notes when each batch push arrived."""

    gateway: str
    refusals: list[tuple[int, str]]
    arrivals: list[tuple[float, int]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()
        upstream = httpx.AsyncClient(base_url=self.gateway, timeout=60)

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def forward(path: str, request: Request) -> Response:
            body = await request.body()
            pushing = request.method == "POST" and "/batches/" in path
            if pushing and self.refusals:
                status, retry_after = self.refusals.pop(0)
                self.arrivals.append((time.time(), status))
                problem = {"type": "/problems/busy", "title": "Busy", "status": status, "detail": "busy"}
                return Response(json.dumps(problem), status, {"retry-after": retry_after}, "application/problem+json")
            if pushing:
                self.arrivals.append((time.time(), 0))
            headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length")}
            answer = await upstream.request(request.method, f"/{path}", params=request.query_params,
                                            content=body, headers=headers)  # fmt: skip
            kept = {k: v for k, v in answer.headers.items() if k in ("content-type", "location", "retry-after")}
            return Response(answer.content, answer.status_code, kept)

        return app


def people_xlsx(path: Path, rows: int) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id_number", "full_name", "age", "registered_on"])
    for n in range(rows):
        sheet.append([f"3202001991{n:08d}", f"居民{n}", n, date(2024, 1, n % 28 + 1)])
    workbook.save(path)


async def test_429_and_503_with_retry_after_are_waited_for_as_told_and_the_push_completes(
    world: World, tmp_path: Path
) -> None:
    entry_id = await world.publish(world.police)
    credentials = await ingest_job_of(world, world.police.id)
    source = tmp_path / "people.xlsx"
    people_xlsx(source, 45)
    # The HTTP-date form first (whole seconds, so 1 to 2 s from now), then delay-seconds (RFC 9110 §10.2.3).
    until = int(time.time()) + 2
    busy = Busy(world.mesh.url("gateway"), [(503, formatdate(until, usegmt=True)), (429, "1")])
    running = await serve(busy.app(), free_socket(), "busy")
    notes: list[str] = []
    job = IngestJob(entry_id, source, tmp_path / "errors.jsonl", tmp_path / "state.jsonl", batch_size=20)

    def push() -> IngestSummary:
        with Gateway(running.url, credentials.login, credentials.secret, policy=RetryPolicy(attempts=4),
                     on_retry=notes.append) as gateway:  # fmt: skip
            return run_ingest(gateway, job)

    try:
        summary = await asyncio.to_thread(push)
    finally:
        running.server.should_exit = True
        await running.task
    # The first batch: refused twice, then forwarded; the other two forwarded at once.
    assert [status for _, status in busy.arrivals] == [503, 429, 0, 0, 0]
    (_, _), (after_503, _), (after_429, _) = busy.arrivals[:3]
    assert after_503 >= until, "retried before the date the 503 named"
    assert after_429 - after_503 >= 1.0, "retried sooner than the 429's Retry-After"
    assert after_429 - after_503 < 3.0, "waited far longer than asked"
    assert len(notes) == 2
    assert (summary.batches, summary.sent, summary.stored, summary.quarantined) == (3, 3, 45, 0)
    stored = {r["id_number"]: r for r in await world.all_records(entry_id, world.police.system)}
    assert stored["320200199100000031"] == {"id_number": "320200199100000031", "full_name": "居民31", "age": 31,
                                            "registered_on": "2024-01-04"}  # fmt: skip


def _lines(rows: Iterator[str]) -> str:
    return "\n".join(rows) + "\n"


async def test_a_pusher_other_than_the_responsible_agency_is_refused_A15_2(world: World, tmp_path: Path) -> None:
    entry_id = await world.publish(world.police)
    credentials = await ingest_job_of(world, world.water.id)
    source = tmp_path / "people.ndjson"
    source.write_text(_lines(json.dumps({"id_number": f"3202001992{n:08d}", "full_name": "x"}) for n in range(3)))
    job = IngestJob(entry_id, source, tmp_path / "errors.jsonl", tmp_path / "state.jsonl")

    def push() -> IngestSummary:
        with Gateway(world.mesh.url("gateway"), credentials.login, credentials.secret) as gateway:
            return run_ingest(gateway, job)

    with pytest.raises(HubRefused) as refused:
        await asyncio.to_thread(push)
    assert (refused.value.status, refused.value.problem.get("requirement")) == (403, "A15.2")
    assert await stored_counts(world, entry_id) == (0, 0, 0)
