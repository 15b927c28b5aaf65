"""HTTP for routing: /api/<prefix>/… goes to the service declared with that prefix, /<mount>/… to the routes a mount
reaches (gateway.routing.upstreams.MOUNTS), and the hub's root address to the open data portal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.context import GatewayContext
from gateway.routing import paths, proxy
from gateway.routing.refusals import unrouted
from gateway.routing.upstreams import MOUNTS

router = APIRouter(tags=["routing"])

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]


class Forward:
    """The forwarding endpoint, a plain ASGI app: the proxied request needs none of FastAPI's per-request work
    (parameters, dependencies, response serialisation), and skipping it is a good part of the gateway's CPU per
    read (bench/README.md). A Problem it raises is answered by the app's handlers like any route's.

    /api/<prefix>/… goes to the service declared with the prefix; with a `mount`, /<mount>/… goes to the routes the
    mount reaches. The service is asked for the path as the client encoded it, not for the decoded path parameters
    (see routing.paths), with an internal token naming the authenticated caller."""

    def __init__(self, mount: str | None = None) -> None:
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context: GatewayContext = scope["app"].state.gateway
        raw, query = paths.raw_path(scope), scope["query_string"]
        if self.mount is None:
            prefix = scope["path_params"]["prefix"]
            upstream = proxy.resolve(context.upstreams, prefix)
            target = paths.upstream_target(raw, query, prefix)
        else:
            upstream = context.mounts[self.mount]
            target = paths.mounted_target(raw, query, self.mount)
        response = await proxy.forward(Request(scope, receive), context, upstream, target)
        await response(scope, receive, send)


router.routes.append(Route("/api/{prefix}/{path:path}", Forward(), methods=METHODS, include_in_schema=False))


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


def _unrouted_mounted(mount: str) -> Callable[[Request], Awaitable[None]]:
    async def options_mounted(request: Request) -> None:
        """OPTIONS that is no CORS preflight on a mount: 405 with Allow, as under /api/<prefix>/."""
        context: GatewayContext = request.app.state.gateway
        upstream = context.mounts[mount]
        inside = upstream.routes + "/" + request.path_params["path"]
        raise unrouted(context.policy, upstream.name, request.method, request.url.path, inside)

    return options_mounted


for _mount in MOUNTS:
    router.routes.append(Route(f"/{_mount}/{{path:path}}", Forward(_mount), methods=METHODS, include_in_schema=False))
    router.add_api_route(f"/{_mount}/{{path:path}}", _unrouted_mounted(_mount), methods=["OPTIONS"],
                         include_in_schema=False)  # fmt: skip
