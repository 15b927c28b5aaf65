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
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry import metrics, propagate
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Span, Tracer
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.span_attributes import redact_span_urls

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


def create_tracer_provider(service_name: str, extra_processors: Iterable[SpanProcessor] = ()) -> TracerProvider:
    """A tracer provider for one service; OTEL_RESOURCE_ATTRIBUTES adds to its resource."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    for processor in (*_exporters_from_environment(), *extra_processors):
        provider.add_span_processor(processor)
    return provider


def instrument_app(app: FastAPI, provider: TracerProvider) -> None:
    """Server spans for every request, continuing the caller's W3C trace context."""
    # The ASGI receive/send sub-spans (several per request) cost more than they tell about a request.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=_redact_server_span,
    )


def instrument_engine(engine: AsyncEngine, provider: TracerProvider) -> None:
    """Client spans for every SQL statement of this engine."""
    # The SQLAlchemy instrumentor is a process-wide singleton that instruments only once; its per-engine
    # tracer lets each service's engine report under its own provider.
    connections = metrics.get_meter("hub.db").create_up_down_counter("db.client.connections.usage", unit="connections")
    EngineTracer(provider.get_tracer("hub.db"), engine.sync_engine, connections)  # type: ignore[no-untyped-call]


def instrument_http_client(client: httpx.AsyncClient, provider: TracerProvider) -> None:
    """Client spans for outgoing HTTP calls, and the trace context injected into their headers."""
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider, request_hook=_redact_client_span)


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
