"""The files a service's pages load (stylesheets, scripts), served by the service itself: the hub runs on networks
without internet access, so nothing loads from a CDN or any outside host.

Each asset's address carries a version taken from its content, so browsers keep it until it changes. `SHARED`
holds what every page of the hub loads first (web/base.css: the palette, fonts, focus ring and skip link;
web/session.js: the signed-in user's token and the one way to call the API), which the open data portal and the
bureau's console both serve beside their own files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# Kept for good: the address changes with the content.
ASSET_HEADERS = {"cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff"}


@dataclass(frozen=True)
class Asset:
    """A file served as it is, with its media type and the version its address carries."""

    body: bytes
    media_type: str
    version: str


def load_assets(folder: Path, media_types: Mapping[str, str] = MEDIA_TYPES) -> dict[str, Asset]:
    """The files of a folder with a suffix `media_types` names, by file name (none if the folder is missing)."""
    found: dict[str, Asset] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in media_types:
            body = path.read_bytes()
            found[path.name] = Asset(body, media_types[path.suffix], hashlib.sha256(body).hexdigest()[:12])
    return found


SHARED = load_assets(Path(__file__).parent / "web")
