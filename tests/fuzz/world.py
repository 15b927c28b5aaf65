"""The hub the fuzzing suite attacks: all five services behind the gateway on real PostgreSQL and Kafka, the callers
it attacks them as, real resources for path parameters to name, and every service's own OpenAPI document."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fuzz.seed import seed
from harness import Infra, Keys, LocalMesh, hub_on_fresh_databases
from hub.mesh import load_mesh

SERVICES = ("catalog", "share", "open", "aggregation", "supervision", "gateway")
# The order the suite attacks them in: the big data centre before the catalogue, whose routes may retire the seeded
# entry (after which the centre rightly refuses its data, and the fuzzing would stop at that refusal).
ATTACK_ORDER = ("aggregation", "share", "open", "supervision", "catalog", "gateway")
# Each service's probes answer on its own port only (the gateway answers its own, which answer 503 by design while a
# dependency is down): they are no route of the API a client calls.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
# The fuzzing is about what inputs do, not how often they come: rates far beyond what the suite sends.
UNLIMITED = {
    kind: "100000/second"
    for kind in ("anonymous", "portal_user", "agency_system", "ingest_job", "agency_person", "operator")
}


@dataclass
class Hub:
    """A running hub and what the suite knows about it."""

    mesh: LocalMesh
    callers: dict[str, dict[str, str]]  # identity → authorization headers
    known: dict[str, str]  # path parameter name (or a resource's role) → a real resource's id
    scoped: dict[str, dict[str, str]]  # service → the same, where its parameter of that name is another resource
    documents: dict[str, dict[str, Any]]  # service → the OpenAPI document it serves on its own port
    cache: dict[Any, Any] = field(default_factory=dict)  # generated inputs, shared by the suite's tests

    @property
    def gateway_url(self) -> str:
        return self.mesh.url("gateway")

    def known_to(self, service: str) -> dict[str, str]:
        """The real resources a service's path parameters name."""
        return {**self.known, **self.scoped.get(service, {})}

    def base_url(self, service: str) -> str:
        """Where a client reaches the service: through the gateway, under its route prefix (A12.1)."""
        if service == "gateway":
            return self.gateway_url
        return f"{self.gateway_url}/api/{load_mesh().service(service).prefix}"


@contextlib.asynccontextmanager
async def running_hub(infra: Infra, keys: Keys) -> AsyncIterator[Hub]:
    """Start the whole hub on fresh databases, seed it, and drop the databases afterwards."""
    # Backups the fuzzing starts (A31.1) are written here, never into the working directory.
    backups = tempfile.mkdtemp(prefix="hub-fuzz-backups-")
    settings: dict[str, dict[str, Any]] = {
        "gateway": {"HUB_RATE_LIMITS": UNLIMITED},
        "aggregation": {"HUB_BACKUP_DIR": backups},
    }
    try:
        async with hub_on_fresh_databases(
            infra, keys, SERVICES, settings_overrides=lambda name: dict(settings.get(name, {}))
        ) as (mesh, gateway):
            seeded = await seed(mesh, gateway)
            documents = {}
            for name in SERVICES:
                async with mesh.client(name) as own_port:
                    served = await own_port.get("/openapi.json")
                    assert served.status_code == 200, served.text
                    documents[name] = served.json()
            yield Hub(mesh, seeded.callers, seeded.known, seeded.scoped, documents)
    finally:
        shutil.rmtree(backups, ignore_errors=True)
