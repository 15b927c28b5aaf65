"""Everything the gateway's request path needs, built once per app and kept on app.state.gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
import httpx
from opentelemetry.trace import Tracer
from purgatory import AsyncCircuitBreakerFactory
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.access.limits import RateLimits
from gateway.access.policy import Policy
from gateway.audit.writer import AuditLog
from gateway.identities.keyring import KeyRing
from gateway.identities.state import CredentialState
from gateway.routing.upstreams import Upstream
from gateway.settings import Settings
from hub.internal_token import TokenSigner


@dataclass
class GatewayContext:
    settings: Settings
    upstreams: dict[str, Upstream]
    signer: TokenSigner
    keyring: KeyRing
    limits: RateLimits
    breakers: AsyncCircuitBreakerFactory
    policy: Policy = field(default_factory=Policy)
    # Root-level addresses of services (gateway.routing.upstreams.MOUNTS), by mount.
    mounts: dict[str, Upstream] = field(default_factory=dict)
    credentials: CredentialState = field(default_factory=CredentialState)
    # Opened by the lifespan: the proxy's session (gateway.routing.proxy), and a client for the gateway's own calls
    # to the services (readiness, API descriptions).
    session: aiohttp.ClientSession | None = None
    tracer: Tracer | None = None
    client: httpx.AsyncClient | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None
    audit: AuditLog | None = None
