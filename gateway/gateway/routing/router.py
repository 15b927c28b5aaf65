"""HTTP for routing: /api/<prefix>/… goes to the service declared with that prefix, /<mount>/… to the routes a mount
reaches (gateway.routing.upstreams.MOUNTS), and the hub's root address to the open data portal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, StreamingResponse

from gateway.context import GatewayContext
from gateway.routing import paths, proxy
from gateway.routing.refusals import unrouted
from gateway.routing.upstreams import MOUNTS

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
    raise unrouted(context.policy, upstream.name, request.method, request.url.path, upstream.routes + "/" + path)


@router.get(
    "/", status_code=307, response_class=RedirectResponse, responses={307: {"description": "To the open data portal"}}
)
async def portal_home() -> RedirectResponse:
    """The hub's own address leads citizens to the open data portal (issue 12, "The public portal")."""
    return RedirectResponse("/open/", status_code=307)


def _forward_mounted(mount: str) -> Callable[[Request], Awaitable[StreamingResponse]]:
    async def forward_mounted(request: Request) -> StreamingResponse:
        """Forward /<mount>/… to the routes the mount reaches, as /api/<prefix>/… is forwarded."""
        context: GatewayContext = request.app.state.gateway
        upstream = context.mounts[mount]
        target = paths.mounted_target(paths.raw_path(request.scope), request.scope["query_string"], mount)
        assert context.client is not None
        return await proxy.forward(
            request, context.client, context.signer, context.breakers, upstream, target,
            request.state.principal, request.state.audit,
        )  # fmt: skip

    return forward_mounted


def _unrouted_mounted(mount: str) -> Callable[[Request], Awaitable[None]]:
    async def options_mounted(request: Request) -> None:
        """OPTIONS that is no CORS preflight on a mount: 405 with Allow, as under /api/<prefix>/."""
        context: GatewayContext = request.app.state.gateway
        upstream = context.mounts[mount]
        inside = upstream.routes + "/" + request.path_params["path"]
        raise unrouted(context.policy, upstream.name, request.method, request.url.path, inside)

    return options_mounted


for _mount in MOUNTS:
    router.add_api_route(f"/{_mount}/{{path:path}}", _forward_mounted(_mount), methods=METHODS, include_in_schema=False)
    router.add_api_route(f"/{_mount}/{{path:path}}", _unrouted_mounted(_mount), methods=["OPTIONS"],
                         include_in_schema=False)  # fmt: skip
