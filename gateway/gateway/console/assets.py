"""The console's files: its page, stylesheet and scripts (static/), and Apache ECharts vendored from its npm package
(vendor/, written and verified by tools/vendor_echarts.py). All served by the gateway itself: the hub runs on
networks without internet access, so nothing loads from a CDN or any outside host.

Each asset's address carries a version taken from its content, so browsers keep it until it changes; the page is
read once at start-up with those addresses filled in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PUBLIC_BASE = "/console"
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    "": "text/plain; charset=utf-8",  # the vendored LICENSE and NOTICE
}
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
ASSET_HEADERS = {"cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    version: str


def load(folder: Path) -> dict[str, Asset]:
    """The servable files of a folder, by name (none before `make install` has fetched the vendored ones)."""
    found: dict[str, Asset] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in MEDIA_TYPES:
            body = path.read_bytes()
            found[path.name] = Asset(body, MEDIA_TYPES[path.suffix], hashlib.sha256(body).hexdigest()[:12])
    return found


STATIC = load(HERE / "static")
VENDOR = load(HERE / "vendor")
FOLDERS = {"static": (STATIC, PUBLIC_BASE), "vendor": (VENDOR, f"{PUBLIC_BASE}/vendor")}


def asset_url(folder: str, name: str) -> str:
    """The public, versioned address of an asset (KeyError for one that does not exist)."""
    assets, base = FOLDERS[folder]
    return f"{base}/{name}?v={assets[name].version}"


def render_page(template: str) -> bytes:
    """The page with each `{{static:name}}` or `{{vendor:name}}` replaced by that asset's versioned address."""
    return re.sub(r"\{\{(static|vendor):([\w.-]+)\}\}", lambda m: asset_url(m[1], m[2]), template).encode()


PAGE = render_page((HERE / "index.html").read_text(encoding="utf-8"))
