"""`python -m aggregation_svc.trace` names the grant behind a leaked file from the centre's own database: the
entry's items from its catalogue read model, the keys of the entry's grants from its grants read model (A21.1)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import secrets
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from aggregation_svc import trace
from aggregation_svc.fingerprint.marks import mark_records
from hub.contracts.catalog import DataItemSpec
from hub.db import asyncpg_dsn

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
ITEMS = [
    DataItemSpec(name="record_id", label="业务编号", data_type="string", length=20, key=True),
    DataItemSpec(name="amount", label="金额", data_type="decimal", length=12),
    DataItemSpec(name="paid_at", label="缴费时间", data_type="datetime"),
]


async def seed(url: str, grants: int) -> tuple[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, bytes]]]:
    """A published entry and its grants (grant, consumer agency, key), and a grant of another entry."""
    entry, provider = uuid.uuid4(), uuid.uuid4()
    now = datetime(2025, 3, 1, tzinfo=UTC)
    issued = [(uuid.uuid4(), uuid.uuid4(), secrets.token_bytes(32)) for _ in range(grants)]
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO published_entries (entry_id, code, version, region_code, provider_agency_id, name, summary, "
            "update_cycle, share_type, open_type, secrecy, consent_required, items, published_at) "
            "VALUES ($1, '01-02/000001', 1, '320200', $2, '社保缴费信息', '社保缴费记录。', 'daily', "
            "'unconditional', 'not_open', 'internal', false, $3::jsonb, $4)",
            entry, provider, json.dumps([i.model_dump(mode="json") for i in ITEMS], ensure_ascii=False), now,
        )  # fmt: skip
        rows = [
            (grant_id, entry, uuid.uuid4(), consumer, provider, '["record_id", "amount", "paid_at"]', "核定待遇",
             now, now + timedelta(days=365), now, key)
            for grant_id, consumer, key in [*issued, (uuid.uuid4(), uuid.uuid4(), secrets.token_bytes(32))]
        ]  # fmt: skip
        rows[-1] = (rows[-1][0], uuid.uuid4(), *rows[-1][2:])  # the last grant is of another entry
        await conn.executemany(
            "INSERT INTO grants (grant_id, entry_id, application_id, consumer_agency_id, provider_agency_id, items, "
            "purpose, valid_from, valid_until, issued_at, fingerprint_key) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)",
            rows,
        )
    finally:
        await conn.close()
    return entry, issued


def leaked_csv(path: Path, records: list[dict[str, Any]], rng: random.Random) -> Path:
    """A 10% sample, shuffled, without its record ids, as CSV text."""
    sample = rng.sample(records, len(records) // 10)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=["paid_at", "amount"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sample)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


async def trace_command(*args: str, database_url: str) -> tuple[int, str]:
    """The command as an operator runs it, the database named by the service's own setting (DATABASE_URL)."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aggregation_svc.trace", *args, cwd=REPO, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def trace_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The command's `main` on a thread of its own (it runs its own event loop): what it returns and prints."""
    code = await asyncio.to_thread(trace.main, list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def stored(rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, tzinfo=UTC).astimezone()
    return [
        {"record_id": f"R{n:06d}", "amount": f"{rng.randrange(100, 10**7) / 100:.2f}",
         "paid_at": (start + timedelta(seconds=rng.randrange(10**8))).isoformat()}
        for n in range(500)
    ]  # fmt: skip


async def test_the_command_names_the_grant_and_its_consumer_behind_a_leaked_csv_A21_1(
    database_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await database_factory("aggregation")
    entry, grants = await seed(url, 12)
    rng = random.Random(5)
    records = stored(rng)
    grant_id, consumer, key = grants[4]
    leak = leaked_csv(tmp_path / "leak.csv", mark_records(records, ITEMS, key), rng)

    code, out = await trace_command(str(leak), "--entry", str(entry), "--json", database_url=url)
    assert code == 0, out
    verdict = json.loads(out)
    assert (verdict["grant_id"], verdict["consumer_agency_id"]) == (str(grant_id), str(consumer))
    assert verdict["grants"] == 12  # the other entry's grant is not a suspect
    assert verdict["rows"] == 50
    assert verdict["best"]["matches"] == verdict["cells"] > 0
    assert verdict["log10_false_alarm_bound"] < -9

    code, out = await trace_in_process(capsys, str(leak), "--entry", str(entry), "--database-url", url)
    assert code == 0, out
    assert f"verdict: grant {grant_id} of consumer agency {consumer}" in out
    assert "false-alarm probability at most" in out


async def test_the_command_names_no_grant_for_unmarked_data_and_refuses_an_unknown_entry_A21_1(
    database_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await database_factory("aggregation")
    entry, _ = await seed(url, 12)
    rng = random.Random(6)
    leak = leaked_csv(tmp_path / "unmarked.csv", stored(rng), rng)

    code, out = await trace_in_process(capsys, str(leak), "--entry", str(entry), "--database-url", url)
    assert code == 1, out
    assert "verdict: no grant" in out

    code, out = await trace_in_process(capsys, str(leak), "--entry", str(uuid.uuid4()), "--database-url", url)
    assert code == 2
    assert "knows no published entry" in out
