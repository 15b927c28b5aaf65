"""HTTP for routing: /api/<prefix>/… goes to the service declared with that prefix."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from gateway.context import GatewayContext
from gateway.routing import paths, proxy
from gateway.routing.refusals import unrouted

router = APIRouter(tags=["routing"])

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]


@router.api_route("/api/{prefix}/{path:path}", methods=METHODS, include_in_schema=False)
async def forward(prefix: str, path: str, request: Request) -> StreamingResponse:
    """Forward to the upstream service, signing the authenticated caller into an internal token.

    The service is asked for the path as the client encoded it, not for `path` (decoded), see routing.paths.
    """
    context: GatewayContext = request.app.state.gateway
    upstream = proxy.resolve(context.upstreams, prefix)
    target = paths.upstream_target(paths.raw_path(request.scope), request.scope["query_string"], prefix)
    assert context.client is not None
    return await proxy.forward(
        request, context.client, context.signer, context.breakers, upstream, target,
        request.state.principal, request.state.audit,
    )  # fmt: skip


@router.options("/api/{prefix}/{path:path}", include_in_schema=False)
async def options(prefix: str, path: str, request: Request) -> None:
    """OPTIONS that is no CORS preflight (the guard passes OPTIONS through for CORS): the hub takes no OPTIONS, so
    405 with Allow listing what the policy takes on the path, as for any other method it has no rule for."""
    context: GatewayContext = request.app.state.gateway
    upstream = proxy.resolve(context.upstreams, prefix)
    raise unrouted(context.policy, upstream.name, request.method, request.url.path, "/" + path)
