"""The one app factory behind every service: lifespan, database, outbox relay, consumer, probes, telemetry."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import probes
from hub.consumer import EventConsumer, EventHandlers
from hub.db import create_engine, create_read_sessionmaker, create_sessionmaker
from hub.errors import ProblemForUnhandled, install_problem_handlers
from hub.input_edge import refuse_unstorable_input
from hub.internal_token import TokenVerifier, require_caller
from hub.kafka import kafka_reachable
from hub.logs import configure_logging
from hub.metrics_sampling import Sampler, metrics_sampling
from hub.metrics_shared import SHARED_SAMPLERS
from hub.migrations import current_revision, head_revision
from hub.openapi import install_problem_openapi
from hub.outbox import OutboxRelay
from hub.settings import HubSettings
from hub.telemetry import create_tracer_provider, instrument_app, instrument_engine
from hub.workdays import WorkingCalendar


@dataclass
class ServiceSpec:
    """What makes one service different from the others; everything else is shared."""

    title: str
    description: str
    routers: Sequence[APIRouter]
    migrations: Path
    handlers: EventHandlers | None = None
    # Only the gateway is reached from outside; every other service demands the internal token (A12.1).
    require_internal_token: bool = True
    # The readiness of what this service forwards to (the gateway's upstreams): /readyz reports and counts it,
    # /readyz?scope=self leaves it out (hub.probes).
    upstream_readiness: probes.ReadinessCheck | None = None
    # ASGI middleware of the service's own, innermost first (inside metrics and tracing).
    middleware: Sequence[Middleware] = field(default_factory=tuple)
    # Resources and background work of the service's own (an HTTP client, a sweeper…), entered in order after the
    # shared ones, left in reverse before them.
    extra_lifespans: Sequence[Callable[[FastAPI], AbstractAsyncContextManager[None]]] = ()
    # Gauges of the service's own sampled for /metrics beside the shared ones (hub.metrics_sampling).
    samplers: Sequence[Sampler] = ()
    version: str = "0.1.0"


# Young objects a service allocates before the cyclic collector runs (CPython's default is 700). A service makes
# many short-lived containers per request or row and few cycles; at the default, the collector's passes cost the
# big data centre's ingest a third of its time (bench/aggregation_ingest.py).
GC_YOUNG_THRESHOLD = 10_000
# Swagger UI's and ReDoc's assets, served by each service itself: the hub runs on networks without internet access,
# where docs loading from a CDN stay blank. Under /docs so the gateway's guard leaves them public like /docs.
DOCS_STATIC_URL = "/docs/assets"


def tune_garbage_collector() -> None:
    """Run the cyclic garbage collector less often than CPython's default (process-wide)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def create_service_app(
    spec: ServiceSpec, settings: HubSettings, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """Build a service's FastAPI app from its spec and settings."""
    tune_garbage_collector()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    provider = tracer_provider or create_tracer_provider(
        settings.service_name, sample_ratio=settings.trace_sample_ratio
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        instrument_engine(engine, provider)
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        relay = OutboxRelay(settings, engine, provider)
        app.state.outbox_relay = relay
        relay.start()
        consumer = None
        if spec.handlers is not None and spec.handlers.topics:
            consumer = EventConsumer(settings, sessionmaker, spec.handlers, provider)
            consumer.start()
        app.state.consumer = consumer
        try:
            async with AsyncExitStack() as stack:
                for part in spec.extra_lifespans:
                    await stack.enter_async_context(part(app))
                await stack.enter_async_context(metrics_sampling(app, [*SHARED_SAMPLERS, *spec.samplers]))
                yield
        finally:
            if consumer:
                await consumer.stop()
            await relay.stop()
            await engine.dispose()

    app = FastAPIOffline(
        static_url=DOCS_STATIC_URL,
        redoc_url=None,
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.event_handlers = spec.handlers
    app.state.calendar = WorkingCalendar.from_file(settings.calendar_override_file)
    app.state.tracer_provider = provider
    app.state.token_verifier = TokenVerifier(settings.internal_token_public_keys, settings.service_name)
    app.state.readiness_checks = [
        _database_ready(app, spec.migrations),
        _kafka_ready(settings),
        _background_health(app),
    ]
    app.state.upstream_readiness_checks = [spec.upstream_readiness] if spec.upstream_readiness else []
    install_problem_handlers(app)
    app.include_router(probes.router)
    install_problem_openapi(app, skip_paths={r.path for r in probes.router.routes if isinstance(r, APIRoute)})
    # The caller first (401 before anything else), then the input edge, before any parameter reaches a handler.
    guard = [Depends(require_caller)] if spec.require_internal_token else []
    for router in spec.routers:
        app.include_router(router, dependencies=[*guard, Depends(refuse_unstorable_input)])
    # Innermost: a route's unhandled fault becomes a problem before the service's own middleware (the gateway's
    # guard audits the exchange) and the metrics see the response.
    app.add_middleware(ProblemForUnhandled)
    app.add_middleware(NoContentWithoutType)
    for middleware in spec.middleware:
        app.add_middleware(middleware.cls, *middleware.args, **middleware.kwargs)
    app.add_middleware(probes.HttpMetricsMiddleware, service=settings.service_name)
    # Outermost, yet inside the tracing middleware (so the answer carries the trace id): faults of the middleware.
    app.add_middleware(ProblemForUnhandled)
    instrument_app(app, provider)
    return app


class NoContentWithoutType:
    """Pure ASGI middleware: a 204 carries no Content-Type, whatever response class the route used.

    A 204 has no content (RFC 9110 §15.3.5), so naming its type misleads clients; FastAPI's default JSONResponse
    names one even for a route declared with status_code=204.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_without_type(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 204:
                headers = [
                    (name, value) for name, value in message.get("headers", []) if name.lower() != b"content-type"
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_without_type)


def _database_ready(app: FastAPI, migrations: Path) -> probes.ReadinessCheck:
    head = head_revision(migrations)

    async def check() -> dict[str, Any]:
        try:
            async with app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                revision = await current_revision(conn)
        except Exception as exc:
            return {"database": {"ok": False, "error": str(exc)}}
        return {
            "database": {"ok": True},
            "migrations": {"ok": revision == head, "current": revision, "head": head},
        }

    return check


def _kafka_ready(settings: HubSettings) -> probes.ReadinessCheck:
    async def check() -> dict[str, Any]:
        return {"kafka": {"ok": await kafka_reachable(settings)}}

    return check


def _background_health(app: FastAPI) -> probes.ReadinessCheck:
    """How the outbox relay, the consumer and the job runner fare (hub.background): reported, never a reason to be
    unready, since a Kafka outage is already the Kafka check's, events wait in the outbox and jobs in their table."""

    async def check() -> dict[str, Any]:
        works = [getattr(app.state, name, None) for name in ("outbox_relay", "consumer", "job_runner")]
        tasks = {work.name: work.health() for work in works if work is not None}
        return {"background": {"ok": True, "tasks": tasks}}

    return check
