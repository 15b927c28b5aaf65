"""The gateway: the one exchange channel through which everything enters the mesh (A11.1, A12.1).

It authenticates every caller, authorises each request against the one policy table, limits it, forwards it
with a signed internal token, and appends it to the hash-chained audit (A36.1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from purgatory import AsyncCircuitBreakerFactory
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware import Middleware

from gateway.access.guard import Guard
from gateway.access.limits import RateLimits, caused_by_overflow
from gateway.audit.publisher import AuditPublisher
from gateway.audit.router import router as audit_router
from gateway.audit.writer import AuditLog, anchor_chain_head
from gateway.console.router import router as console_router
from gateway.consumers import handlers
from gateway.context import GatewayContext
from gateway.docs.annotate import annotate
from gateway.docs.router import router as docs_router
from gateway.identities import service as identities
from gateway.identities.keyring import KeyRing
from gateway.identities.repository import CHANNEL as IDENTITIES_CHANNEL
from gateway.identities.router import router as identities_router
from gateway.identities.secrets import use_cost
from gateway.legacy.router import router as legacy_router
from gateway.metrics import SAMPLERS
from gateway.routing.cors import PortalCORS
from gateway.routing.forwarded import TrustedProxies
from gateway.routing.proxy import create_session
from gateway.routing.router import router as routing_router
from gateway.routing.upstreams import (
    create_upstream_client,
    declared_mounts,
    declared_upstreams,
    upstream_readiness,
)
from gateway.settings import Settings
from hub.internal_token import TokenSigner
from hub.notifications import ChannelListener
from hub.periodic import every
from hub.service_app import ServiceSpec, create_service_app
from hub.telemetry import instrument_http_client

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The gateway app."""
    settings = settings or Settings()
    if settings.internal_token_private_key is None:
        raise ValueError("the gateway needs HUB_INTERNAL_TOKEN_PRIVATE_KEY to sign internal tokens (A12.1)")
    use_cost(settings)
    context = GatewayContext(
        settings=settings,
        upstreams=declared_upstreams(settings),
        mounts=declared_mounts(settings),
        signer=TokenSigner(settings.internal_token_private_key.get_secret_value(), settings.internal_token_ttl_seconds),
        keyring=KeyRing(settings.access_token_ttl_seconds),
        limits=RateLimits(settings.rate_limits),
        breakers=AsyncCircuitBreakerFactory(
            default_threshold=settings.circuit_failure_threshold,
            default_ttl=settings.circuit_open_seconds,
            # A send aborted because the caller's body overflowed its cap says nothing of the upstream's health.
            exclude=[(Exception, caused_by_overflow)],
        ),
    )

    async def services_ready() -> dict[str, Any]:
        assert context.client is not None
        return await upstream_readiness(context.client, context.upstreams)

    spec = ServiceSpec(
        title="gateway",
        description=(
            "The public data hub's one exchange channel (A12.1): every request enters here. Each service's API, "
            "with the roles that may call each route: `/api/catalog/docs`, `/api/share/docs`, `/api/open/docs`, "
            "`/api/aggregation/docs` (their documents: `/api/<prefix>/openapi.json`)."
        ),
        # Forwarding first (the services' documents before the catch-all /api/<prefix>/…): a proxied request, most
        # of the gateway's traffic, then matches within the first few routes, both in the router and in the tracing
        # middleware, which looks each request's route up again to name its span. No route of the other routers
        # lies under /api/ or a mount.
        routers=[docs_router, routing_router, identities_router, audit_router, legacy_router, console_router],
        migrations=MIGRATIONS,
        handlers=handlers,
        require_internal_token=False,
        upstream_readiness=services_ready,
        extra_lifespans=[lambda app: _gateway_lifespan(app, context)],
        samplers=SAMPLERS,
        middleware=[
            Middleware(Guard),
            Middleware(PortalCORS, origins=settings.portal_origins),
            # Outermost of the three: the guard limits and audits the client a trusted proxy names (A28.1, A36.1).
            Middleware(TrustedProxies, proxies=settings.trusted_proxies),
        ],
    )
    app = create_service_app(spec, settings, tracer_provider)
    app.state.gateway = context
    _state_roles_in_openapi(app, context)
    return app


def _state_roles_in_openapi(app: FastAPI, context: GatewayContext) -> None:
    """The gateway's own OpenAPI states each route's roles from the policy table, like the services' do."""
    document_of = app.openapi
    annotated: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not annotated:
            annotated.append(annotate(document_of(), "gateway", None, context.policy))
        return annotated[0]

    app.openapi = openapi  # type: ignore[method-assign]


@asynccontextmanager
async def _gateway_lifespan(app: FastAPI, context: GatewayContext) -> AsyncIterator[None]:
    settings = context.settings
    context.sessionmaker = sessionmaker = app.state.sessionmaker
    context.session = create_session(settings)
    context.tracer = app.state.tracer_provider.get_tracer("gateway.routing.proxy")
    context.client = create_upstream_client(settings)
    instrument_http_client(context.client, app.state.tracer_provider)

    async def reload_identities() -> None:
        async with sessionmaker() as session, session.begin():
            await identities.load_key_ring(session, context.keyring)
            await identities.load_credentials(session, context.credentials)

    await reload_identities()
    listener = ChannelListener(settings.database_url, IDENTITIES_CHANNEL, reload_identities)
    listener.start()
    publisher = AuditPublisher(sessionmaker, interval=settings.audit_publish_interval_seconds)
    publisher.start()
    context.audit = AuditLog(
        app.state.engine, commit_timeout=settings.audit_commit_timeout_seconds, on_commit=publisher.wake
    )
    context.audit.start()
    # Anchoring the chain head now and then makes truncating or rewriting the chain's tail detectable.
    anchoring = every("audit-anchor", settings.audit_anchor_interval_seconds, _anchor)
    try:
        async with anchoring(app):
            yield
    finally:
        await context.audit.stop()
        await publisher.stop()
        await listener.stop()
        await context.client.aclose()
        await context.session.close()


async def _anchor(app: FastAPI, session: AsyncSession) -> None:
    await anchor_chain_head(session)
