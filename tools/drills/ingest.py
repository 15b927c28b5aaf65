"""The PostgreSQL drill (A29.1, A17.1): kill -9 the database server in the middle of a big ingest, start it again;
the ingest job (hub-client, deterministic batch ids, retries) resends the batch it was waiting on, and the data
centre holds each record exactly once. The server is a private cluster: the shared ones are never killed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tools.drills.events import SETTLE_SECONDS, centre_prober
from tools.drills.hub import DrillHub, PrivatePostgres, wait_until
from tools.drills.load import effects, query
from tools.drills.report import Outcome
from tools.drills.world import World, record

HUB_CLIENT = Path(sys.executable).with_name("hub-client")


def write_file(path: Path, records: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        for start in range(0, records, 10_000):
            lines = (json.dumps(record(n), ensure_ascii=False) for n in range(start, min(start + 10_000, records)))
            file.write("\n".join(lines) + "\n")


def batches_done(state: Path) -> int:
    """Batches the job has had answered (its state file: an identity line, then one line per batch)."""
    try:
        return max(0, len(state.read_text().splitlines()) - 1)
    except FileNotFoundError:
        return 0


def postgres_kill(hub: DrillHub, cluster: PrivatePostgres, world: World, records: int, batch_size: int) -> Outcome:
    """`hub-client ingest` of `records` records; kill -9 the postmaster once half the batches are stored."""
    work = hub.run_dir / "ingest"
    data, state, errors = work / "records.ndjson", work / "state.jsonl", work / "errors.jsonl"
    write_file(data, records)
    state.unlink(missing_ok=True)
    errors.unlink(missing_ok=True)
    batches = -(-records // batch_size)
    env = hub.env() | {"HUB_GATEWAY_URL": hub.gateway_url(), "HUB_CLIENT_ID": world.job.login,
                       "HUB_CLIENT_SECRET": world.job.secret}  # fmt: skip
    prober = centre_prober(hub, world)
    job = subprocess.Popen(  # noqa: S603 - the repository's own command line
        [str(HUB_CLIENT), "ingest", "--entry", world.entry_id, str(data), "--batch-size", str(batch_size),
         "--state", str(state), "--errors", str(errors), "--attempts", "30", "--max-wait", "10"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_until(lambda: batches_done(state) >= batches // 2 or job.poll() is not None, 3600, "half the batches")
    done_before = batches_done(state)
    killed = cluster.kill()
    cluster.start()
    back = time.monotonic() - killed
    out, err = job.communicate(timeout=3600)
    prober.stop()
    centre = hub.service_database("aggregation")
    stored, changes = asyncio.run(effects(centre, world.entry_id))
    summed = asyncio.run(query(centre, "SELECT coalesce(sum(stored), 0) FROM batches WHERE entry_id = $1",
                               uuid.UUID(world.entry_id)))[0][0]  # fmt: skip
    during, after, last = prober.split(killed, killed + back + SETTLE_SECONDS)
    outcome = Outcome(drill="PostgreSQL", killed="postmaster (kill -9), restarted",
                      at=f"{done_before:,} of {batches:,} batches stored", in_flight=batch_size, sent=records,
                      lost=records - stored, duplicated=changes - stored, recovery=back, errors_during=during,
                      errors_after=after)  # fmt: skip
    retries = sum(1 for line in err.decode(errors="replace").splitlines() if "retry" in line.lower())
    outcome.notes.append(f"PostgreSQL serving again {back:.1f} s after the kill; the job retried {retries} times and "
                         f"exited {job.returncode}; batches' stored counts sum to {summed:,}")  # fmt: skip
    outcome.notes.append(f"gateway: last error {last:.1f} s after the kill")
    if job.returncode != 0:
        outcome.failed.append(f"hub-client exited {job.returncode}: {err.decode(errors='replace')[-500:]}")
    elif json.loads(out)["stored"] != records:
        outcome.failed.append(f"hub-client reports {json.loads(out)['stored']} stored")
    return outcome
