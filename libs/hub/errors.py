"""RFC 9457 problem details: typed exceptions and the one place they become application/problem+json.

Whatever a handler raises is answered as a problem: typed problems as themselves, validation errors as 422, and,
through `ProblemForUnhandled`, anything else as 503 with Retry-After when the database is unavailable or as 500
with the trace id to quote (never a plain-text 500).
"""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.db import is_database_unavailable

log = structlog.get_logger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Stable type URIs, relative to the hub's public base: /problems/<kind> (RFC 9457 §3.1.1).
PROBLEM_BASE = "/problems/"
# A restarted PostgreSQL accepts connections again within seconds; asking sooner would only add load.
DEPENDENCY_RETRY_AFTER_SECONDS = 5


class Problem(Exception):
    """An error the client can act on; subclasses fix the kind and status."""

    kind = "internal-error"
    status = 500
    title = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        requirement: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.requirement = requirement
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem+json document."""
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        if self.requirement:
            doc["requirement"] = self.requirement
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extensions)
        return doc


class InternalError(Problem):
    """A fault of the service itself; the body carries the trace id to quote when reporting it."""


class BadRequest(Problem):
    kind, status, title = "bad-request", 400, "Bad request"


class Unauthorized(Problem):
    kind, status, title = "unauthorized", 401, "Not authenticated"


class Forbidden(Problem):
    kind, status, title = "forbidden", 403, "Not allowed"


class NotFound(Problem):
    kind, status, title = "not-found", 404, "Not found"


class Conflict(Problem):
    kind, status, title = "conflict", 409, "Conflict with the current state"


class InvalidInput(Problem):
    kind, status, title = "invalid-input", 422, "Invalid input"


class UnsupportedMediaType(Problem):
    """A body in a media type or charset the route cannot read (RFC 9110 §15.5.16)."""

    kind, status, title = "unsupported-media-type", 415, "Unsupported media type"


class RuleViolation(Problem):
    """A rule of the Measures refused the request; `requirement` names it (e.g. A19.2)."""

    kind, status, title = "rule-violation", 422, "Refused by a rule of the Measures"


class ServiceUnavailable(Problem):
    kind, status, title = "service-unavailable", 503, "Service unavailable"


class UpstreamTimeout(Problem):
    kind, status, title = "upstream-timeout", 504, "Upstream timed out"


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    """Render a problem as an application/problem+json response."""
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=problem.headers,
    )


def _field_path(loc: tuple[int | str, ...]) -> str:
    # FastAPI prefixes the location with where it came from ("body", "query", …); keep it, it helps clients.
    return ".".join(str(part) for part in loc)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request.url.path)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    fields = ", ".join(e["field"] for e in errors)
    return problem_response(InvalidInput(f"Invalid value for: {fields}", errors=errors), request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kinds: dict[int, type[Problem]] = {
        400: BadRequest,
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
        422: InvalidInput,
        503: ServiceUnavailable,
    }
    cls = kinds.get(exc.status_code)
    if cls is None:
        problem = Problem(str(exc.detail))
        problem.status = exc.status_code
        problem.kind = f"http-{exc.status_code}"
        problem.title = str(exc.detail)
    else:
        problem = cls(str(exc.detail))
    # Starlette's own headers matter to the client: `Allow` on a 405 (RFC 9110 §15.5.6), for one.
    problem.headers = {**(exc.headers or {}), **problem.headers}
    return problem_response(problem, request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to problem+json, in one place for the whole mesh."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)


def current_trace_id() -> str:
    """The trace id of the request being served; a fresh random one where the request is not traced (probes)."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else secrets.token_hex(16)


def problem_for_unhandled(exc: Exception) -> Problem:
    """The problem that answers an error no handler took, logged with the trace id the answer carries."""
    if isinstance(exc, Problem):
        return exc
    trace_id = current_trace_id()
    # Caught here, the error would otherwise never reach the span the tracing middleware records errors on.
    trace.get_current_span().record_exception(exc)
    if is_database_unavailable(exc):
        log.warning("database unavailable", error=f"{type(exc).__name__}: {exc}", trace_id=trace_id)
        return ServiceUnavailable(
            "The service cannot reach its database right now; retry later.",
            headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER_SECONDS)},
            trace_id=trace_id,
        )
    log.error("unhandled error", exc_info=exc, trace_id=trace_id)
    return InternalError("An unexpected error occurred; quote the trace id when reporting it.", trace_id=trace_id)


class ProblemForUnhandled:
    """Pure ASGI middleware: an error that escapes everything inside it is answered as problem+json.

    Inside it, exception handlers answer what they know; this answers the rest (a rollback failing on a closed
    connection after the handler's own error, a fault in a middleware). Once the response has started, a second
    one cannot be sent: the error is re-raised, and the server closes the connection, which the client sees as a
    truncated response rather than as a wrong answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:
            if started:
                raise
            await problem_response(problem_for_unhandled(exc), scope["path"])(scope, receive, send)
