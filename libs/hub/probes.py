"""Liveness, readiness and metrics endpoints, and the HTTP metrics middleware, the same for every service."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics

ReadinessCheck = Callable[[], Awaitable[dict[str, Any]]]

router = APIRouter(tags=["probes"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Liveness: answers as long as the event loop runs."""
    return {"status": "ok"}


class ReadinessScope(StrEnum):
    """What /readyz answers for: the service and what it forwards to (`all`), or the service itself (`self`)."""

    ALL = "all"
    SELF = "self"


@router.get("/readyz", summary="The service can do its work")
async def readyz(request: Request, scope: ReadinessScope = ReadinessScope.ALL) -> JSONResponse:
    """Readiness: every check of the service passes (database, migrations at head, Kafka, …) and, unless `scope` is
    `self`, every service it forwards to is ready (the gateway's upstreams).

    An orchestrator probes a gateway replica with `scope=self`: one service down must not take every gateway replica
    out of the load balancer (the gateway answers that service's routes with 503 and serves the others). Operators
    and `make up` ask without it, for the whole mesh."""
    checks: list[ReadinessCheck] = list(request.app.state.readiness_checks)
    if scope is ReadinessScope.ALL:
        checks += request.app.state.upstream_readiness_checks
    results: dict[str, Any] = {}
    for check in checks:
        results.update(await check())
    ready = all(r.get("ok") for r in results.values())
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "checks": results}, status_code=200 if ready else 503
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def prometheus_metrics() -> Response:
    """The process's metrics in the Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class HttpMetricsMiddleware:
    """Counts and times every request by route template (not raw path, which would explode the series)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(self.service, scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
