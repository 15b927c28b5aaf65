"""The gateway drill (A29.1, A36.1): kill -9 one of two gateway replicas under load. Clients of the other one see no
error; every exchange a client saw answered is in the audit chain exactly once; the chain, which both replicas
append to, verifies afterwards; the killed replica is started again and serves."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tools.drills.hub import REPO, DrillHub, wait_until
from tools.drills.load import query, wall
from tools.drills.report import Outcome
from tools.drills.world import World, bearer

SETTLE_SECONDS = 5.0


@dataclass
class Client:
    """One client calling one gateway in a loop; each call names a fresh id in its path, to find its audit record."""

    gateway: int
    url: str
    headers: dict[str, str]
    answered: list[tuple[str, float]] = field(default_factory=list)
    failures: list[float] = field(default_factory=list)
    busy: bool = False

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.url, timeout=10.0) as client:
            while not stop.is_set():
                marker = str(uuid.uuid4())
                self.busy = True
                try:
                    status = client.get(f"/api/aggregation/entries/{marker}", headers=self.headers).status_code
                except httpx.HTTPError:
                    status = 0
                self.busy = False
                if 0 < status < 500:
                    self.answered.append((marker, time.monotonic()))
                else:
                    self.failures.append(time.monotonic())
                    stop.wait(0.1)


def audit_verifies(hub: DrillHub) -> tuple[bool, str]:
    """`python -m gateway.audit verify` on the hub's gateway database: the one chain both replicas wrote."""
    env = hub.env() | {"DATABASE_URL": hub.service_database("gateway"), "KAFKA_BOOTSTRAP_SERVERS": hub.kafka}
    done = subprocess.run(
        [sys.executable, "-m", "gateway.audit", "verify"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, said[-1] if said else ""


def gateway_kill(hub: DrillHub, world: World, seconds: float, clients_per_gateway: int = 3) -> Outcome:
    """Load both gateways for `seconds`, kill gateway-1 half way, start it again, load a little longer."""
    with hub.restarted_after("gateway", 1):
        started = wall()
        # One token for every client: both gateways sign and accept the same keys (the gateway database's).
        with httpx.Client(base_url=hub.gateway_url(), timeout=60.0) as client:
            headers = bearer(client, world.system.form())
        clients = [Client(k, hub.gateway_url(k), headers) for k in (0, 1) for _ in range(clients_per_gateway)]
        stop = threading.Event()
        threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
        for thread in threads:
            thread.start()

        def answered(gateway: int) -> int:
            return sum(len(c.answered) for c in clients if c.gateway == gateway)

        wait_until(lambda: min(answered(0), answered(1)) >= 10, 300, "both gateways answering")
        time.sleep(seconds / 2)
        in_flight = sum(1 for c in clients if c.gateway == 1 and c.busy)
        answered_before = answered(0) + answered(1)
        killed = hub.kill("gateway", 1)
        time.sleep(1.0)  # the killed replica's clients meet a closed port meanwhile
        hub.restart("gateway", 1)
        back = time.monotonic() - killed
        time.sleep(max(seconds / 2, SETTLE_SECONDS + 2))
        stop.set()
        for thread in threads:
            thread.join(30)
        acknowledged = [m for c in clients for m, _ in c.answered]
        served_again = min((t for c in clients if c.gateway == 1 for _, t in c.answered if t > killed), default=0.0)
        audit_sql = "SELECT path FROM audit_records WHERE request_in >= $1 AND path LIKE '/api/aggregation/entries/%'"
        rows = asyncio.run(query(hub.service_database("gateway"), audit_sql, started))
        audited = Counter(r["path"].rsplit("/", 1)[1] for r in rows)
        lost = sum(1 for m in acknowledged if audited[m] == 0)
        duplicated = sum(n - 1 for n in audited.values() if n > 1)
        settled = killed + back + SETTLE_SECONDS
        other = [t for c in clients if c.gateway == 0 for t in c.failures if t >= killed]
        mine = [t for c in clients if c.gateway == 1 for t in c.failures if t >= killed]
        outcome = Outcome(drill="gateway replica", killed="gateway-1 (kill -9), restarted",
                          at=f"after {answered_before:,} exchanges", in_flight=in_flight, sent=len(acknowledged),
                          lost=lost, duplicated=duplicated, recovery=max(0.0, served_again - killed),
                          errors_during=sum(1 for t in other + mine if t <= settled),
                          errors_after=sum(1 for t in other + mine if t > settled))  # fmt: skip
        outcome.notes.append(f"{len(acknowledged):,} exchanges answered; errors seen by gateway-0's clients: "
                             f"{len(other)}, by gateway-1's: {len(mine)}; gateway-1 serving again {back:.1f} s after "
                             "the kill")  # fmt: skip
        if other:
            outcome.failed.append(f"clients of the surviving gateway saw {len(other)} errors")
        verified, said = audit_verifies(hub)
        outcome.notes.append(f"audit chain verify: {'ok' if verified else 'BROKEN'} ({said})")
        if not verified:
            outcome.failed.append("the audit chain does not verify")
        return outcome
