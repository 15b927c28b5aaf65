"""The mesh declaration (services/mesh.toml): every service's name, port, route prefix, database and topics."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

# The declaration sits in the repository beside libs/; deployments may point elsewhere with HUB_MESH_FILE.
DEFAULT_MESH_FILE = Path(__file__).resolve().parents[2] / "services" / "mesh.toml"


# Instance k of a service listens on its port + k * REPLICA_PORT_STEP: clear of the mesh's own ports (8100-8105) and
# of a second hub's (bench: +2000) for up to 9 replicas.
REPLICA_PORT_STEP = 10


class ServiceDeclaration(BaseModel):
    """One service of the mesh as services/mesh.toml declares it."""

    name: str
    package: str
    port: int
    prefix: str | None = None
    database: str
    publishes: list[str] = Field(default_factory=list)
    consumes: list[str] = Field(default_factory=list)

    def instance_port(self, instance: int, port_offset: int = 0) -> int:
        """Where instance k of the service listens on one machine: its port + k * REPLICA_PORT_STEP (+ an offset)."""
        return self.port + port_offset + instance * REPLICA_PORT_STEP


class TopicDeclaration(BaseModel):
    """One topic of the mesh as services/mesh.toml declares it."""

    partitions: int = Field(ge=1)


class Mesh(BaseModel):
    """All services and topics of the mesh, keyed by name."""

    services: dict[str, ServiceDeclaration]
    topics: dict[str, TopicDeclaration] = Field(default_factory=dict)

    def service(self, name: str) -> ServiceDeclaration:
        """The declaration of one service; KeyError names an undeclared service."""
        return self.services[name]

    def by_prefix(self) -> dict[str, ServiceDeclaration]:
        """Services reachable through the gateway, keyed by their route prefix."""
        return {s.prefix: s for s in self.services.values() if s.prefix}


@cache
def load_mesh(path: Path = DEFAULT_MESH_FILE) -> Mesh:
    """Read and validate the mesh declaration."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    services = {name: {"name": name, **body} for name, body in raw["services"].items()}
    return Mesh.model_validate({"services": services, "topics": raw.get("topics", {})})
