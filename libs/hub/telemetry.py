"""OpenTelemetry for every service: one tracer provider per service, exporters from the standard OTEL_* variables.

A provider per service (rather than the global one) keeps each span's `service.name` right even when several
services share a process, as they do in the end-to-end tests.

Exporters, as the SDK's autoconfiguration names them in OTEL_TRACES_EXPORTER: `otlp` (OTLP/HTTP, to an
OpenTelemetry Collector or any OTLP backend: OTEL_EXPORTER_OTLP_ENDPOINT), `zipkin` (Zipkin's JSON v2 API:
OTEL_EXPORTER_ZIPKIN_ENDPOINT, what `make up` uses for its local Zipkin, which takes no OTLP without a module that
is not published on Maven Central), `console`. Unset, it is every one whose endpoint is set. Spans name who and
what (hub.span_attributes), and URLs are recorded without their query's values (A28.1).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context, attach, detach
from opentelemetry.instrumentation import fastapi as fastapi_instrumentation
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware, asgi_getter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Tracer
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.span_attributes import redact_span_urls, redact_url

# Probes and scrapes would drown real traffic in traces.
UNTRACED_URLS = "healthz,readyz,metrics"


def _exporters_from_environment() -> list[SpanProcessor]:
    """Span processors named by OTEL_TRACES_EXPORTER (otlp, console, none), as the SDK's autoconfiguration does."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return []
    names = os.environ.get("OTEL_TRACES_EXPORTER")
    if names is None:
        # Export only where a collector is named, so a laptop run does not log connection errors.
        otlp = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        named = {"otlp": otlp, "zipkin": os.environ.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT")}
        names = ",".join(name for name, endpoint in named.items() if endpoint) or "none"
    processors: list[SpanProcessor] = []
    for name in (n.strip() for n in names.split(",")):
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            processors.append(BatchSpanProcessor(OTLPSpanExporter()))
        elif name == "zipkin":
            from opentelemetry.exporter.zipkin.json import ZipkinExporter

            # One exporter per provider: it names every span of a batch after the first span's service.
            processors.append(BatchSpanProcessor(ZipkinExporter()))
        elif name == "console":
            processors.append(BatchSpanProcessor(ConsoleSpanExporter()))
    return processors


def sampler(ratio: float) -> Sampler | None:
    """Parent-based sampling: a request joins its caller's decision (the gateway's, carried in `traceparent`), and a
    trace that starts here is sampled at `ratio`. None (the SDK's choice) when OTEL_TRACES_SAMPLER names a sampler,
    which then wins, as the SDK documents it."""
    if os.environ.get("OTEL_TRACES_SAMPLER"):
        return None
    return ParentBased(TraceIdRatioBased(ratio))


def create_tracer_provider(
    service_name: str, extra_processors: Iterable[SpanProcessor] = (), sample_ratio: float = 1.0
) -> TracerProvider:
    """A tracer provider for one service, sampling new traces at `sample_ratio` (HubSettings.trace_sample_ratio;
    see `sampler`); OTEL_RESOURCE_ATTRIBUTES adds to its resource."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=sampler(sample_ratio),
        id_generator=PlannedRootTraceIds(),
    )
    for processor in (*_exporters_from_environment(), *extra_processors):
        provider.add_span_processor(processor)
    return provider


# The trace id UnrecordedRequestBypass drew for a request that starts a trace, for the request's server span to take.
_PLANNED_TRACE_ID: ContextVar[int | None] = ContextVar("hub_planned_trace_id", default=None)


class PlannedRootTraceIds(RandomIdGenerator):
    """The SDK's random ids, except that a request's root span takes the trace id its sampling was decided on.

    UnrecordedRequestBypass asks the sampler about a request that starts a trace before the instrumentation sees it,
    and so must draw its trace id first; the span then started for it takes that id (once), so the sampler, which
    decides by trace id, decides the same again and a new trace is recorded at the configured ratio, not its square.
    """

    def generate_trace_id(self) -> int:
        planned = _PLANNED_TRACE_ID.get()
        if planned is None:
            return super().generate_trace_id()
        _PLANNED_TRACE_ID.set(None)
        return planned


_route_lists: dict[int, tuple[Sequence[BaseRoute], int, list[Any]]] = {}


def _flatten_routes_once(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    """The instrumentation's flattened route list, made once per app rather than once per request.

    The FastAPI instrumentation names each server span after its route, which it finds by flattening the app's
    routes (FastAPI nests included routers) and matching them; the flattening alone cost the gateway about a tenth
    of its CPU per proxied read (bench/README.md). An app's routes are fixed once it serves; a route added later
    changes the list's length, which makes a new flattening."""
    known = _route_lists.get(id(routes))
    if known is None or known[0] is not routes or known[1] != len(routes):
        known = (routes, len(routes), list(_flatten_every_route(routes)))
        _route_lists[id(routes)] = known
    return iter(known[2])


_flatten_every_route = fastapi_instrumentation._flatten_routes
fastapi_instrumentation._flatten_routes = _flatten_routes_once


def instrument_app(app: FastAPI, provider: TracerProvider) -> None:
    """Server spans for every request, continuing the caller's W3C trace context; a request the sampler drops skips
    the instrumentation altogether (`UnrecordedRequestBypass`)."""
    # The ASGI receive/send sub-spans (several per request) cost more than they tell about a request.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=_redact_server_span,
    )
    build_instrumented = app.build_middleware_stack

    def build_with_bypass() -> ASGIApp:
        stack = build_instrumented()
        # The instrumentor's stack: a ServerErrorMiddleware around its OpenTelemetryMiddleware around the app's own.
        if isinstance(stack, ServerErrorMiddleware) and isinstance(stack.app, OpenTelemetryMiddleware):
            stack.app = UnrecordedRequestBypass(stack.app, provider)
        return stack

    app.build_middleware_stack = build_with_bypass  # type: ignore[method-assign]


class UnrecordedRequestBypass:
    """Sends a request its sampler drops past OpenTelemetry's middleware, in a context of the trace it belongs to.

    The middleware would find the request's route, read its attributes and start a span for it that is never
    recorded: about a sixth of catalog-svc's CPU on a simple read (bench/README.md, "Unrecorded requests skip the
    instrumentation"). Such a request is either a call whose caller did not sample its trace (a `traceparent` with
    the sampled flag off, as the gateway sends 9 calls in 10 at the default ratio), which then runs in the caller's
    context, or a request that starts a trace the sampler drops, which runs in the unrecorded span the tracer gives
    it (the trace id drawn first, see PlannedRootTraceIds). Either way what it calls or publishes carries its trace,
    unsampled, and its logs and audit record the trace id. The sampler is asked as the tracer asks it, so a sampler
    set by OTEL_TRACES_SAMPLER that records such requests (always_on) still sees every one of them.
    """

    def __init__(self, instrumented: OpenTelemetryMiddleware, provider: TracerProvider) -> None:
        self._instrumented = instrumented
        self._app = instrumented.app
        self._sampler = provider.sampler
        self._tracer = provider.get_tracer(__name__)
        # Without planned ids a trace started here would be decided twice: such requests keep the middleware.
        self._plans_roots = isinstance(provider.id_generator, PlannedRootTraceIds)
        self._random_ids = RandomIdGenerator()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._instrumented(scope, receive, send)
            return
        context = propagate.extract(cast("dict[str, Any]", scope), getter=asgi_getter)
        parent = trace.get_current_span(context).get_span_context()
        if not parent.is_valid and not self._plans_roots:
            await self._instrumented(scope, receive, send)
            return
        trace_id = parent.trace_id if parent.is_valid else self._random_ids.generate_trace_id()
        planned = None if parent.is_valid else _PLANNED_TRACE_ID.set(trace_id)
        try:
            if self._sampler.should_sample(context, trace_id, scope.get("path", "")).decision is not Decision.DROP:
                await self._instrumented(scope, receive, send)
                return
            if not parent.is_valid:
                # The unrecorded span the tracer makes for a dropped trace: its ids and flags, nothing recorded.
                span = self._tracer.start_span("request", context, kind=SpanKind.SERVER)
                context = trace.set_span_in_context(span, context)
            token = attach(context)
            try:
                await self._app(scope, receive, send)
            finally:
                detach(token)
        finally:
            if planned is not None:
                _PLANNED_TRACE_ID.reset(planned)


def instrument_engine(engine: AsyncEngine, provider: TracerProvider) -> None:
    """Client spans for every SQL statement of this engine."""
    # The SQLAlchemy instrumentor is a process-wide singleton that instruments only once; its per-engine
    # tracer lets each service's engine report under its own provider.
    connections = metrics.get_meter("hub.db").create_up_down_counter("db.client.connections.usage", unit="connections")
    EngineTracer(provider.get_tracer("hub.db"), engine.sync_engine, connections)  # type: ignore[no-untyped-call]


def instrument_http_client(client: httpx.AsyncClient, provider: TracerProvider) -> None:
    """Client spans for outgoing HTTP calls, and the trace context injected into their headers."""
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider, request_hook=_redact_client_span)


@contextmanager
def client_span(tracer: Tracer, method: str, url: str, headers: MutableMapping[str, str]) -> Iterator[Span]:
    """A CLIENT span for an HTTP call made without an instrumented client (the gateway's proxy), its trace context
    written into the call's `headers` (W3C traceparent, also when the trace is not sampled, so the service joins
    the decision), its URL recorded without its query's values (A28.1). The caller adds the answer's status."""
    with tracer.start_as_current_span(method, kind=SpanKind.CLIENT) as span:
        if span.is_recording():
            parts = urlsplit(url)
            span.set_attributes({
                "http.request.method": method,
                "url.full": redact_url(url),
                "server.address": parts.hostname or "",
                "server.port": parts.port or 80,
            })  # fmt: skip
        inject_context(headers)
        yield span


def _redact_server_span(span: Span, _scope: dict[str, Any]) -> None:
    redact_span_urls(span)


async def _redact_client_span(span: Span, _request: Any) -> None:
    redact_span_urls(span)


def tracer(provider: TracerProvider, name: str) -> Tracer:
    """A tracer of the service's provider."""
    return provider.get_tracer(name)


def inject_context(carrier: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write the (current or given) trace context into a carrier, W3C traceparent/tracestate."""
    propagate.inject(carrier, context=context)


def extract_context(carrier: Mapping[str, Any]) -> Context:
    """Read a trace context back from a carrier written by inject_context."""
    return propagate.extract(carrier)
