"""API documentation through the gateway: every service's OpenAPI and its Swagger UI page under /api/<prefix>/,
served with assets from the hub itself (no CDN: the hub runs on networks without internet access)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.context import GatewayContext
from gateway.docs.annotate import annotate
from gateway.routing import proxy
from hub.errors import ServiceUnavailable
from hub.service_app import DOCS_STATIC_URL

router = APIRouter(tags=["documentation"])

# A service's document changes only when the service is redeployed; a minute keeps a refresh cheap and current.
CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


async def upstream_openapi(context: GatewayContext, prefix: str) -> dict[str, Any]:
    """The upstream's own OpenAPI document, annotated with the policy, cached for a minute."""
    cached = _cache.get(prefix)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    upstream = proxy.resolve(context.upstreams, prefix)
    assert context.client is not None
    try:
        response = await context.client.get(f"{upstream.base_url}/openapi.json", timeout=5.0)
        response.raise_for_status()
        document = annotate(response.json(), upstream.name, prefix, context.policy)
    except (httpx.HTTPError, ValueError) as exc:
        raise ServiceUnavailable(
            f"{upstream.name}'s API description is unavailable.", service=upstream.name, headers={"Retry-After": "5"}
        ) from exc
    _cache[prefix] = (time.monotonic(), document)
    return document


@router.get("/api/{prefix}/openapi.json", include_in_schema=False)
async def service_openapi(prefix: str, request: Request) -> JSONResponse:
    """A service's OpenAPI as seen through the gateway: its paths under /api/<prefix>, each with its roles."""
    return JSONResponse(await upstream_openapi(request.app.state.gateway, prefix))


@router.get("/api/{prefix}/docs", include_in_schema=False)
async def service_docs(prefix: str, request: Request) -> HTMLResponse:
    """Swagger UI for one service, from the hub's own assets."""
    upstream = proxy.resolve(request.app.state.gateway.upstreams, prefix)
    return get_swagger_ui_html(
        openapi_url=f"/api/{prefix}/openapi.json",
        title=f"{upstream.name} — API through the gateway",
        swagger_js_url=f"{DOCS_STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_STATIC_URL}/favicon.png",
    )
