"""The gateway's guard: every request is authenticated, authorised against the one policy table, limited, and
audited (A12.1, A28.1, A36.1). A pure ASGI middleware, so the streamed proxy path stays cheap."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.access.limits import BodyTooLarge
from gateway.access.policy import Rule, allows
from gateway.context import GatewayContext
from gateway.identities.keyring import ANONYMOUS, Principal
from gateway.identities.service import authenticate_api_key
from hub import metrics
from hub.errors import Forbidden, NotFound, Problem, Unauthorized, problem_response

UNGUARDED = ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/problems/")
API_PREFIX = "/api/"


class _Refused(Exception):
    def __init__(self, problem: Problem, event: str) -> None:
        self.problem, self.event = problem, event


def resolve_route(context: GatewayContext, path: str) -> tuple[str, str]:
    """(service, path inside it) for a gateway path: /api/<prefix>/rest → (service, /rest)."""
    if path.startswith(API_PREFIX):
        prefix, _, rest = path[len(API_PREFIX) :].partition("/")
        upstream = context.upstreams.get(prefix)
        return (upstream.name if upstream else f"?{prefix}", "/" + rest)
    return "gateway", path


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def authenticate(context: GatewayContext, scope: Scope) -> Principal:
    """The caller: a bearer access token, an API key, or nobody (anonymous)."""
    authorization = header(scope, b"authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Use `Authorization: Bearer <access token>`.")
        return context.credentials.check(context.keyring.verify(token.strip()))
    api_key = header(scope, b"x-api-key")
    if api_key:
        assert context.sessionmaker is not None
        return await authenticate_api_key(context.sessionmaker, context.credentials, api_key)
    return ANONYMOUS


def row_count(value: object) -> int | None:
    """The row count a service reported for a delivery, if it is a plausible one (it lands in an int column)."""
    try:
        count = int(str(value))
    except ValueError:
        return None
    return count if 0 <= count < 2**31 else None


class Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNGUARDED) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        context: GatewayContext = scope["app"].state.gateway
        request_in = datetime.now(UTC)
        service, path = resolve_route(context, scope["path"])
        client_ip = scope["client"][0] if scope.get("client") else None
        principal, rule = ANONYMOUS, None
        try:
            try:
                principal = await authenticate(context, scope)
            except Unauthorized as exc:
                raise _Refused(exc, "auth.failed") from exc
            rule = context.policy.match(service, scope["method"], path)
            if rule is None:
                # Every route of the mesh is in the policy (a test checks it), so no rule means no such route.
                raise _Refused(NotFound(f"No route {scope['method']} {scope['path']}."), "")
            if not allows(rule, principal.roles):
                # The policy names the refused route, so a caller (and the access-control test) can tell the
                # gateway's refusal from a service's own re-check.
                if principal.is_anonymous:
                    denied: Problem = Unauthorized("This route needs an authenticated caller.", policy_route=rule.path)
                else:
                    roles = ", ".join(sorted(principal.roles))
                    denied = Forbidden(
                        f"Role(s) {roles} may not {scope['method']} {rule.path}.", policy_route=rule.path
                    )
                raise _Refused(denied, "access.denied")
            limit_key = (client_ip or "") if principal.is_anonymous else principal.client_id
            try:
                await context.limits.check(principal.kind, limit_key)
            except Problem as exc:
                raise _Refused(exc, "rate.limited") from exc
            length = header(scope, b"content-length")
            if length and length.isdigit() and int(length) > rule.max_body_bytes:
                raise _Refused(BodyTooLarge(f"At most {rule.max_body_bytes} bytes on this route."), "body.too_large")
        except _Refused as refused:
            await problem_response(refused.problem, scope["path"])(scope, receive, send)
            if refused.event:
                metrics.SECURITY_EVENTS.labels(refused.event).inc()
                problem = refused.problem
                await self._audit(context, scope, principal, rule, service, path, request_in, client_ip,
                                  problem.status, 0, 0, "security", refused.event, problem.detail)  # fmt: skip
            return
        await self._pass(context, scope, receive, send, principal, rule, service, path, request_in, client_ip)

    async def _pass(
        self, context: GatewayContext, scope: Scope, receive: Receive, send: Send, principal: Principal,
        rule: Rule, service: str, path: str, request_in: datetime, client_ip: str | None,
    ) -> None:  # fmt: skip
        scope.setdefault("state", {})
        scope["state"]["principal"] = principal
        audit: dict[str, Any] = {}
        scope["state"]["audit"] = audit
        sizes = {"in": 0, "out": 0}
        status = 500
        started = False
        limit = rule.max_body_bytes
        overflow: list[BodyTooLarge] = []

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sizes["in"] += len(message.get("body", b""))
                if sizes["in"] > limit:
                    overflow.append(BodyTooLarge(f"At most {limit} bytes on this route."))
                    raise overflow[-1]
            return message

        async def counting_send(message: Message) -> None:
            nonlocal status, started
            if overflow and not started:
                # Whatever the app made of the overflow (FastAPI's form parser answers 400, the proxy's transport
                # reports the aborted send as 503), the caller sent too much: it gets 413 instead, below.
                return
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            elif message["type"] == "http.response.body":
                sizes["out"] += len(message.get("body", b""))
            await send(message)

        event, detail = "exchange", None
        with contextlib.suppress(BodyTooLarge):  # counting_receive kept it in `overflow`
            await self.app(scope, counting_receive, counting_send)
        if overflow:
            event, detail = "body.too_large", overflow[-1].detail
            metrics.SECURITY_EVENTS.labels(event).inc()
            if not started:
                status = overflow[-1].status
                await problem_response(overflow[-1], scope["path"])(scope, receive, send)
        if status == 401 and event == "exchange":
            event = "auth.failed"
            metrics.SECURITY_EVENTS.labels(event).inc()
        if rule.audited or event != "exchange":
            kind = "exchange" if event == "exchange" else "security"
            await self._audit(context, scope, principal, rule, service, path, request_in, client_ip, status,
                              sizes["in"], sizes["out"], kind, event, detail, audit)  # fmt: skip

    async def _audit(
        self, context: GatewayContext, scope: Scope, principal: Principal, rule: Rule | None, service: str,
        path: str, request_in: datetime, client_ip: str | None, status: int, request_bytes: int,
        response_bytes: int, kind: str, event: str, detail: str | None, extra: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        if context.audit is None:
            return
        extra = extra or {}
        span = trace.get_current_span().get_span_context()
        purpose = header(scope, b"x-hub-purpose")
        rows = extra.get("rows")
        record = {
            "kind": kind,
            "event": event,
            "caller": principal.client_id,
            "caller_kind": principal.kind,
            "roles": ",".join(sorted(principal.roles)),
            "agency_id": principal.agency_id,
            "region_code": principal.region_code,
            "client_ip": client_ip,
            "method": scope["method"],
            "route": rule.path if rule else path,
            "path": scope["path"][:2000],
            "service": service,
            "entry": extra.get("entry"),
            "items": extra.get("items"),
            "row_count": row_count(rows),
            "purpose": unquote(purpose)[:500] if purpose else None,
            "grant_id": extra.get("grant") or header(scope, b"x-hub-grant"),
            "status": status,
            "request_bytes": request_bytes,
            "response_bytes": response_bytes,
            "request_in": request_in,
            "request_out": extra.get("request_out"),
            "response_in": extra.get("response_in"),
            "response_out": datetime.now(UTC),
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "detail": detail[:500] if detail else None,
        }
        await context.audit.append(record)
