"""The gateway's guard: every request is authenticated, authorised against the one policy table, limited, and
audited (A12.1, A28.1, A36.1). A pure ASGI middleware, so the streamed proxy path stays cheap.

Audited durable first: no answer starts before its exchange's record is committed — a refusal's security event
before the problem is sent, a passed request's record when its answer starts — so an exchange a caller saw
answered is in the chain even if the gateway is killed the next moment. Commits are shared by the requests in
flight (the writer's group commit), so each waits for its batch, not for a commit of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.access.limits import BodyTooLarge
from gateway.access.policy import Rule, allows
from gateway.audit.models import UNDECLARED_LENGTH
from gateway.audit.writer import AuditUnavailable
from gateway.context import GatewayContext
from gateway.identities.keyring import ANONYMOUS, Principal
from gateway.identities.service import authenticate_api_key
from gateway.routing.refusals import unrouted
from hub import metrics
from hub.errors import Forbidden, Problem, Unauthorized, problem_response
from hub.span_attributes import route_parameters, tag_caller, tag_ids

UNGUARDED = ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/problems/")
API_PREFIX = "/api/"


class _Refused(Exception):
    def __init__(self, problem: Problem, event: str) -> None:
        self.problem, self.event = problem, event


def resolve_route(context: GatewayContext, path: str) -> tuple[str, str]:
    """(service, path inside it) for a gateway path: /api/<prefix>/rest → (service, /rest), or for an alias's prefix
    (gateway.routing.upstreams.ALIASES) the path under the alias's routes; /<mount>/rest (MOUNTS) → (service,
    <routes>/rest)."""
    if path.startswith(API_PREFIX):
        prefix, _, rest = path[len(API_PREFIX) :].partition("/")
        upstream = context.upstreams.get(prefix)
        return (upstream.name, upstream.routes + "/" + rest) if upstream else (f"?{prefix}", "/" + rest)
    mount, _, rest = path[1:].partition("/")
    mounted = context.mounts.get(mount)
    return (mounted.name, mounted.routes + "/" + rest) if mounted else ("gateway", path)


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
            tag_caller(principal.client_id, principal.kind, principal.agency_id)
            rule = context.policy.match(service, scope["method"], path)
            if rule is None:
                # Every route of the mesh is in the policy (a test checks it), so no rule means no such route (404),
                # or a route without this method (405, Allow listing the methods the policy has for the path).
                raise _Refused(unrouted(context.policy, service, scope["method"], scope["path"], path), "")
            tag_ids(route_parameters(rule.path, path))
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
            # More digits than any cap has is over it too (and never a long int() of a hostile header).
            if length and length.isdigit() and (len(length) > 18 or int(length) > rule.max_body_bytes):
                raise _Refused(BodyTooLarge(f"At most {rule.max_body_bytes} bytes on this route."), "body.too_large")
        except _Refused as refused:
            exchange = _Exchange(context, scope, service, path, request_in, client_ip, principal, rule)
            await exchange.refuse(refused.problem, refused.event, receive, send)
            return
        await self._pass(
            _Exchange(context, scope, service, path, request_in, client_ip, principal, rule), receive, send
        )

    async def _pass(self, exchange: _Exchange, receive: Receive, send: Send) -> None:
        scope, rule = exchange.scope, exchange.rule
        assert rule is not None
        scope.setdefault("state", {})
        scope["state"]["principal"] = exchange.principal
        scope["state"]["audit"] = exchange.reported
        received = 0
        answered_status: int | None = None  # set once the answer's start is recorded
        withheld = False  # the audit did not take the record: the caller got 503 instead of this answer
        limit = rule.max_body_bytes
        overflow: list[BodyTooLarge] = []

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow.append(BodyTooLarge(f"At most {limit} bytes on this route."))
                    raise overflow[-1]
            return message

        async def committing_send(message: Message) -> None:
            nonlocal answered_status, withheld
            if overflow and answered_status is None:
                # Whatever the app made of the overflow (FastAPI's form parser answers 400, the proxy's transport
                # reports the aborted send as 503), the caller sent too much: it gets 413 instead, below.
                return
            if message["type"] == "http.response.start":
                answered_status = message["status"]
                event = "auth.failed" if answered_status == 401 else "exchange"
                length = declared_length(message, exchange.reported)
                try:
                    # Committed before the caller sees a byte of the answer (A36.1).
                    await exchange.commit(answered_status, received, length, event)
                except AuditUnavailable as unavailable:
                    withheld = True
                    await problem_response(unavailable, scope["path"])(scope, receive, send)
            if not withheld:
                await send(message)

        try:
            await self.app(scope, counting_receive, committing_send)
        except Exception as exc:
            # With an overflow, this is counting_receive's BodyTooLarge or what the app made of it: answered below.
            if not overflow:
                if answered_status is None:
                    # The server answers 500 once this propagates; the exchange's record goes first.
                    await exchange.commit(
                        500, received, UNDECLARED_LENGTH, "exchange", f"unhandled {type(exc).__name__}"
                    )
                raise
        if overflow and answered_status is None:
            await exchange.refuse(overflow[-1], "body.too_large", receive, send, received)
        elif overflow and answered_status is not None:
            # The answer had started, and was recorded, before the body overflowed: the overflow is its own event.
            await exchange.commit(answered_status, received, UNDECLARED_LENGTH, "body.too_large", overflow[-1].detail)


def declared_length(start: Message, reported: Mapping[str, Any]) -> int:
    """The length an answer declares as it starts: its content-length, or for a service's answer the gateway
    streams on, the length the service declared; UNDECLARED_LENGTH when neither is known."""
    declared = next((v.decode("latin-1") for k, v in start.get("headers", []) if k.lower() == b"content-length"), None)
    value = str(declared if declared is not None else reported.get("response_length", ""))
    # At most 18 digits: any such length fits the BIGINT column.
    return int(value) if value.isdigit() and len(value) <= 18 else UNDECLARED_LENGTH


@dataclass
class _Exchange:
    """One request passing the guard, and its audit record (A28.1, A36.1).

    The record is committed before the caller receives anything: before the problem for a refused request, at the
    answer's start for a passed one. It holds what is known at that moment: the status, the request bytes received
    so far, the answer's declared length (UNDECLARED_LENGTH if it is streamed without one), and as response_out
    the moment the answer started. The client's x-hub-purpose is recorded as its declared purpose; the grant only
    as the serving service reported it (`x-hub-audit-grant`), never from a header the client chose.
    """

    context: GatewayContext
    scope: Scope
    service: str
    path: str
    request_in: datetime
    client_ip: str | None
    principal: Principal
    rule: Rule | None
    # What the serving service reported for the audit (x-hub-audit-*, via the proxy) and when it was called.
    reported: dict[str, Any] = field(default_factory=dict)

    async def commit(
        self, status: int, request_bytes: int, response_bytes: int, event: str, detail: str | None = None
    ) -> None:
        """Append the record and wait for its commit; an exchange on an unaudited route leaves none."""
        # The entry and grant the serving service reported (x-hub-audit-*) name the exchange's span too.
        tag_ids({"entry_id": self.reported.get("entry"), "grant_id": self.reported.get("grant")})
        if event != "exchange":
            metrics.SECURITY_EVENTS.labels(event).inc()
        elif self.rule is None or not self.rule.audited:
            return
        if self.context.audit is not None:
            await self.context.audit.append(self.record(status, request_bytes, response_bytes, event, detail))

    async def refuse(self, problem: Problem, event: str, receive: Receive, send: Send, request_bytes: int = 0) -> None:
        """Answer a problem; a security event (when `event` names one) is committed first, or the caller gets 503."""
        response = problem_response(problem, self.scope["path"])
        if event:
            try:
                await self.commit(problem.status, request_bytes, len(response.body), event, problem.detail)
            except AuditUnavailable as unavailable:
                response = problem_response(unavailable, self.scope["path"])
        await response(self.scope, receive, send)

    def record(
        self, status: int, request_bytes: int, response_bytes: int, event: str, detail: str | None
    ) -> dict[str, Any]:
        """The record's fields (all but seq, prev_hash and hash)."""
        scope, principal, reported = self.scope, self.principal, self.reported
        span = trace.get_current_span().get_span_context()
        purpose = header(scope, b"x-hub-purpose")
        return {
            "kind": "exchange" if event == "exchange" else "security",
            "event": event,
            "caller": principal.client_id,
            "caller_kind": principal.kind,
            "roles": ",".join(sorted(principal.roles)),
            "agency_id": principal.agency_id,
            "region_code": principal.region_code,
            "client_ip": self.client_ip,
            "method": scope["method"],
            "route": self.rule.path if self.rule else self.path,
            "path": scope["path"][:2000],
            "service": self.service,
            "entry": reported.get("entry"),
            "items": reported.get("items"),
            "row_count": row_count(reported.get("rows")),
            # The client's claim, as claimed: nothing checked it.
            "purpose": unquote(purpose)[:500] if purpose else None,
            "grant_id": reported.get("grant"),
            "status": status,
            "request_bytes": request_bytes,
            "response_bytes": response_bytes,
            "request_in": self.request_in,
            "request_out": reported.get("request_out"),
            "response_in": reported.get("response_in"),
            "response_out": datetime.now(UTC),
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "detail": detail[:500] if detail else None,
        }
