"""Every error is problem+json (RFC 9457): an unhandled one is a 500 with the trace id to quote, whatever layer
raised it, and never a second response once one has started."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import ProblemForUnhandled
from hub.telemetry import create_tracer_provider

PROBLEM = "application/problem+json"


class Broken(RuntimeError):
    """A bug of the service's own."""


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/broken")
    async def broken() -> None:
        raise Broken("a secret detail that must not reach the client")

    @router.get("/fine")
    async def fine() -> dict[str, str]:
        return {"status": "ok"}

    return router


async def test_an_unhandled_error_answers_problem_json_500_with_the_requests_trace_id(
    make_service_app: Callable[..., FastAPI],
) -> None:
    exporter = InMemorySpanExporter()
    provider = create_tracer_provider("tiny", [SimpleSpanProcessor(exporter)])
    app = make_service_app(_router(), tracer_provider=provider)
    # ASGITransport re-raises what the app lets escape: an escaped error would fail this test before its asserts.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        response = await http.get("/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/problems/internal-error"
    assert body["status"] == 500
    assert "secret" not in response.text
    (server,) = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.context is not None
    assert body["trace_id"] == format(server.context.trace_id, "032x")


class RefusingMiddleware:
    """A service's own middleware with a bug: it fails before the app runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/fine":
            raise Broken("in a middleware")
        await self.app(scope, receive, send)


async def test_a_fault_in_a_middleware_answers_problem_json_too(make_service_app: Callable[..., FastAPI]) -> None:
    app = make_service_app(_router(), middleware=[Middleware(RefusingMiddleware)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        response = await http.get("/fine")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert len(response.json()["trace_id"]) == 32


async def test_an_error_after_the_response_started_is_raised_not_answered_a_second_time() -> None:
    async def streams_then_fails(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
        await send({"type": "http.response.body", "body": b"a,b\n", "more_body": True})
        raise Broken("mid-stream")

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/export", "headers": []}
    with pytest.raises(Broken):
        await ProblemForUnhandled(streams_then_fails)(scope, receive, send)
    # The server closes the connection on the raised error: the client sees a truncated body, not a new status.
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


async def test_an_unknown_method_on_a_known_path_is_a_405_problem_with_allow(
    make_service_app: Callable[..., FastAPI],
) -> None:
    app = make_service_app(_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        response = await http.delete("/fine")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == "GET"  # RFC 9110 §15.5.6: a 405 names the methods the resource has
