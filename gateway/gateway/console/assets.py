"""The console's files: its page, stylesheet and scripts (static/, beside the hub's base stylesheet), and Apache
ECharts vendored from its npm package (vendor/, written and verified by tools/vendor_echarts.py). All served by the
gateway itself: the hub runs on networks without internet access, so nothing loads from a CDN or any outside host.

Each asset's address carries a version taken from its content, so browsers keep it until it changes; the page is
read once at start-up with those addresses filled in.
"""

from __future__ import annotations

import re
from pathlib import Path

from hub.web_assets import MEDIA_TYPES, SHARED, load_assets

HERE = Path(__file__).parent
PUBLIC_BASE = "/console"
# The vendored LICENSE and NOTICE have no suffix.
CONSOLE_MEDIA_TYPES = {**MEDIA_TYPES, "": "text/plain; charset=utf-8"}
# Same origin only, no inline script: the page's scripts are its own files. Chart tooltips are drawn on the canvas
# (ECharts' rich-text mode), so no inline style is needed either.
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-cache",
}

# The hub's base stylesheet is served with the console's own files.
STATIC = {**SHARED, **load_assets(HERE / "static", CONSOLE_MEDIA_TYPES)}
VENDOR = load_assets(HERE / "vendor", CONSOLE_MEDIA_TYPES)
FOLDERS = {"static": (STATIC, PUBLIC_BASE), "vendor": (VENDOR, f"{PUBLIC_BASE}/vendor")}


def asset_url(folder: str, name: str) -> str:
    """The public, versioned address of an asset (KeyError for one that does not exist)."""
    assets, base = FOLDERS[folder]
    return f"{base}/{name}?v={assets[name].version}"


def render_page(template: str) -> bytes:
    """The page with each `{{static:name}}` or `{{vendor:name}}` replaced by that asset's versioned address."""
    return re.sub(r"\{\{(static|vendor):([\w.-]+)\}\}", lambda m: asset_url(m[1], m[2]), template).encode()


PAGE = render_page((HERE / "index.html").read_text(encoding="utf-8"))
