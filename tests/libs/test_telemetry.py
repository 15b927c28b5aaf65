"""Trace sampling: parent-based, at the ratio HubSettings.trace_sample_ratio sets (HUB_TRACE_SAMPLE_RATIO), so a
trace is kept or dropped whole across the gateway and the services (docs/operations.md)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from starlette.types import Receive, Scope, Send

from hub.settings import HubSettings
from hub.telemetry import client_span, create_tracer_provider, extract_context, instrument_app

TRACES = 400


def recorded_roots(ratio: float) -> int:
    """How many of TRACES new traces a provider sampling at `ratio` records."""
    exporter = InMemorySpanExporter()
    tracer = create_tracer_provider("sampled", [SimpleSpanProcessor(exporter)], sample_ratio=ratio).get_tracer("t")
    for _ in range(TRACES):
        with tracer.start_as_current_span("request"):
            pass
    return len(exporter.get_finished_spans())


def test_new_traces_are_recorded_at_the_configured_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    assert recorded_roots(1.0) == TRACES
    assert recorded_roots(0.0) == 0
    # Trace ids are random: a tenth of 400 is 40, and 10..90 holds it with overwhelming probability.
    assert 10 <= recorded_roots(0.1) <= 90


def test_a_request_joins_its_callers_sampling_decision_whatever_the_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    exporter = InMemorySpanExporter()
    unsampled = create_tracer_provider("never", [SimpleSpanProcessor(exporter)], sample_ratio=0.0).get_tracer("t")
    sampled = create_tracer_provider("always", [SimpleSpanProcessor(exporter)], sample_ratio=1.0).get_tracer("t")
    parent = SpanContext(trace_id=0x1234, span_id=0x42, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    dropped = SpanContext(trace_id=0x5678, span_id=0x43, is_remote=True, trace_flags=TraceFlags(TraceFlags.DEFAULT))
    with unsampled.start_as_current_span("kept", context=trace.set_span_in_context(NonRecordingSpan(parent))):
        pass
    with sampled.start_as_current_span("dropped", context=trace.set_span_in_context(NonRecordingSpan(dropped))):
        pass
    assert [span.name for span in exporter.get_finished_spans()] == ["kept"]


def test_the_gateways_unsampled_call_still_carries_the_trace_so_the_service_drops_it_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    tracer = create_tracer_provider("gateway", sample_ratio=0.0).get_tracer("t")
    headers: dict[str, str] = {}
    with tracer.start_as_current_span("request") as request, client_span(tracer, "GET", "http://svc/x?q=1", headers):
        trace_id = request.get_span_context().trace_id
    carried = trace.get_current_span(extract_context(headers)).get_span_context()
    assert carried.trace_id == trace_id
    assert not carried.trace_flags.sampled


def test_the_sample_ratio_is_a_setting_and_otel_traces_sampler_overrides_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TRACE_SAMPLE_RATIO", "0")
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    assert HubSettings(service_name="s").trace_sample_ratio == 0.0
    assert HubSettings(service_name="s", trace_sample_ratio=0.5).trace_sample_ratio == 0.5
    with pytest.raises(ValueError, match=r"trace_sample_ratio|HUB_TRACE_SAMPLE_RATIO"):
        HubSettings(service_name="s", trace_sample_ratio=1.5)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    assert recorded_roots(0.0) == TRACES


def traced_app(provider: TracerProvider) -> FastAPI:
    """An instrumented app whose one route answers with the trace context its handler runs in."""
    app = FastAPI()

    @app.get("/context")
    async def context() -> dict[str, str]:
        current = trace.get_current_span().get_span_context()
        return {"trace_id": f"{current.trace_id:032x}", "span_id": f"{current.span_id:016x}"}

    instrument_app(app, provider)
    return app


def recording_app(name: str, ratio: float) -> tuple[FastAPI, InMemorySpanExporter]:
    """`traced_app` under a provider sampling new traces at `ratio`, and the exporter its recorded spans go to."""
    exporter = InMemorySpanExporter()
    return traced_app(create_tracer_provider(name, [SimpleSpanProcessor(exporter)], sample_ratio=ratio)), exporter


async def context_seen(app: FastAPI, headers: dict[str, str]) -> dict[str, str]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        answer = await client.get("/context", headers=headers)
    answer.raise_for_status()
    result: dict[str, str] = answer.json()
    return result


CALLER_TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


async def test_a_request_its_caller_left_unsampled_runs_in_the_callers_context_with_no_span_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    app, exporter = recording_app("svc", 1.0)
    # The W3C form the gateway sends for a trace it did not sample (flags 00).
    seen = await context_seen(app, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"})
    # Run past the instrumentation, the handler is in the caller's span itself: what it calls or publishes carries
    # the caller's trace, unsampled. Through the instrumentation it would be in a new, unrecorded span.
    assert seen == {"trace_id": CALLER_TRACE, "span_id": CALLER_SPAN}
    assert exporter.get_finished_spans() == ()


async def test_a_sampled_caller_or_none_still_gets_the_services_server_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    app, exporter = recording_app("svc", 1.0)
    joined = await context_seen(app, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
    assert joined["trace_id"] == CALLER_TRACE
    assert joined["span_id"] != CALLER_SPAN
    started_here = await context_seen(app, {})
    assert started_here["trace_id"] != CALLER_TRACE
    spans = {f"{span.context.span_id:016x}": span for span in exporter.get_finished_spans()}
    assert set(spans) == {joined["span_id"], started_here["span_id"]}
    assert spans[joined["span_id"]].kind is SpanKind.SERVER
    parent = spans[joined["span_id"]].parent
    assert parent is not None
    assert f"{parent.span_id:016x}" == CALLER_SPAN


async def test_a_sampler_that_records_unsampled_callers_still_gets_their_server_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    app, exporter = recording_app("svc", 0.0)
    seen = await context_seen(app, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"})
    assert seen["trace_id"] == CALLER_TRACE
    assert [f"{span.context.span_id:016x}" for span in exporter.get_finished_spans()] == [seen["span_id"]]


async def test_new_traces_at_the_edge_are_recorded_at_the_ratio_and_the_dropped_ones_still_have_a_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    app, exporter = recording_app("gateway", 0.1)
    seen = [await context_seen(app, {}) for _ in range(TRACES)]
    recorded = {f"{span.context.trace_id:032x}" for span in exporter.get_finished_spans()}
    # Decided once per trace, a tenth of 400 is 40 (10..90 holds it with overwhelming probability); decided twice,
    # by the bypass and again by the instrumentation, it would be a hundredth.
    assert 10 <= len(recorded) <= 90
    # Every request has a trace of its own, recorded or not, and a recorded one is the trace its handler ran in.
    assert len({context["trace_id"] for context in seen}) == TRACES
    assert recorded <= {context["trace_id"] for context in seen}
    assert all(int(context["span_id"], 16) != 0 for context in seen)


async def test_only_recorded_requests_go_through_the_instrumentation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    instrumented: list[str] = []
    through = OpenTelemetryMiddleware.__call__

    async def counted(self: OpenTelemetryMiddleware, scope: Scope, receive: Receive, send: Send) -> None:
        instrumented.append(scope["path"])
        await through(self, scope, receive, send)

    monkeypatch.setattr(OpenTelemetryMiddleware, "__call__", counted)
    never = traced_app(create_tracer_provider("never", sample_ratio=0.0))
    await context_seen(never, {})
    await context_seen(never, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"})
    assert instrumented == []
    await context_seen(never, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
    await context_seen(traced_app(create_tracer_provider("always", sample_ratio=1.0)), {})
    assert instrumented == ["/context", "/context"]
