"""The gateway: the one exchange channel through which everything enters the mesh (A11.1, A12.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from gateway.routing.router import router as routing_router
from gateway.routing.upstreams import create_upstream_client, declared_upstreams, upstream_readiness
from gateway.settings import Settings
from hub.internal_token import TokenSigner
from hub.service_app import ServiceSpec, create_service_app
from hub.telemetry import instrument_http_client

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The gateway app."""
    settings = settings or Settings()
    if settings.internal_token_private_key is None:
        raise ValueError("the gateway needs HUB_INTERNAL_TOKEN_PRIVATE_KEY to sign internal tokens (A12.1)")
    upstreams = declared_upstreams(settings)

    async def services_ready() -> dict[str, Any]:
        return await upstream_readiness(app.state.upstream_client, upstreams)

    @asynccontextmanager
    async def upstream_client(app: FastAPI) -> AsyncIterator[None]:
        client = create_upstream_client(settings)
        instrument_http_client(client, app.state.tracer_provider)
        app.state.upstream_client = client
        try:
            yield
        finally:
            await client.aclose()

    spec = ServiceSpec(
        title="gateway",
        description="The public data hub's one exchange channel (A12.1): every request enters here.",
        routers=[routing_router],
        migrations=MIGRATIONS,
        require_internal_token=False,
        extra_readiness=[services_ready],
        extra_lifespan=upstream_client,
    )
    app = create_service_app(spec, settings, tracer_provider)
    app.state.upstreams = upstreams
    app.state.token_signer = TokenSigner(
        settings.internal_token_private_key.get_secret_value(), settings.internal_token_ttl_seconds
    )
    return app
