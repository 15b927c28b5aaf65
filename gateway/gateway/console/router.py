"""HTTP for the bureau's console: one page and its files, for anyone, at the gateway's /console/.

The console is for operators and agency officers (review queues, A14.1, A20.2, A20.3, A24.2, A26.1; the indicator
system, A32.1; audit search, chain verification and the inspector's export, A34.1; the legacy-channel register,
A12.1; security events, A28.1). The page and its files hold nobody's data and decide nothing: its scripts ask the
services' public APIs through the gateway with the signed-in user's token, so every request meets the policy table
and the audit like any other client's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from gateway.console.assets import PAGE, PAGE_HEADERS, STATIC, VENDOR
from hub.errors import NotFound
from hub.web_assets import ASSET_HEADERS, Asset

router = APIRouter(tags=["console"])
AssetName = Annotated[str, Path(max_length=100, description="A file of the console, e.g. console.js")]
ASSET_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/css": {}, "text/javascript": {}, "text/plain": {}}, "description": "The file"}
}


def _served(assets: dict[str, Asset], name: str) -> Response:
    found = assets.get(name)
    if found is None:
        raise NotFound(f"The console has no file {name}.")
    return Response(found.body, media_type=found.media_type, headers=ASSET_HEADERS)


@router.get("/console/", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    """The console's page: sign-in, then the views the user's roles open (Chinese, with an English switch)."""
    return HTMLResponse(PAGE, headers=PAGE_HEADERS)


@router.get("/console/{name}", response_class=Response, responses=ASSET_RESPONSES)
async def console_asset(name: AssetName) -> Response:
    """The console's stylesheet and scripts; their address carries their version, so browsers keep them."""
    return _served(STATIC, name)


@router.get("/console/vendor/{name}", response_class=Response, responses=ASSET_RESPONSES)
async def vendored_asset(name: AssetName) -> Response:
    """Apache ECharts as vendored from its npm package (tools/vendor_echarts.py), with its LICENSE and NOTICE."""
    return _served(VENDOR, name)
