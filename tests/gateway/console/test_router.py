"""The console's page and files, as the gateway serves them to anyone (no server needed: the gateway's app in
process, its guard included). The page names only files the gateway serves, each at an address carrying its version;
it allows no script or connection to any other origin; nothing in the console's own files names an outside host."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from hub.internal_token import generate_keypair

CONSOLE = Path(__file__).resolve().parents[3] / "gateway" / "gateway" / "console"
HUB_WEB = Path(__file__).resolve().parents[3] / "libs" / "hub" / "web"


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app without its lifespan: the console's routes need neither database nor Kafka. Every request
    comes from one address, so anonymous callers' rate is raised for the module's few dozen."""
    private_pem, _ = generate_keypair()
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", log_json=False,
                        HUB_INTERNAL_TOKEN_PRIVATE_KEY=private_pem,
                        HUB_RATE_LIMITS={"anonymous": "1000/second"})  # fmt: skip
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        yield client


async def test_the_page_is_served_to_anyone_in_chinese_with_a_policy_allowing_only_its_own_origin(
    gateway: httpx.AsyncClient,
) -> None:
    page = await gateway.get("/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == policy["script-src"] == policy["connect-src"] == "'self'"
    assert "unsafe" not in page.headers["content-security-policy"]


async def test_every_file_the_page_names_is_served_at_its_versioned_address(gateway: httpx.AsyncClient) -> None:
    page = (await gateway.get("/console/")).text
    named = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert {address.split("?")[0] for address in named} >= {
        "/console/base.css", "/console/console.css", "/console/console.js", "/console/i18n.js",
        "/console/session.js", "/console/vendor/echarts.min.js",
    }  # fmt: skip
    for address in named:
        path, _, version = address.partition("?v=")
        name = path.rsplit("/", 1)[1]
        # The hub's base stylesheet and session script are the portal's too (libs/hub/web); the rest are the console's.
        own = CONSOLE / ("vendor" if "/vendor/" in path else "static")
        folder = HUB_WEB if name in ("base.css", "session.js") else own
        on_disk = folder / name
        assert version == hashlib.sha256(on_disk.read_bytes()).hexdigest()[:12], address
        served = await gateway.get(address)
        assert served.status_code == 200, address
        assert served.content == on_disk.read_bytes()
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts
    for address in scripts:
        assert (await gateway.get(address)).headers["content-type"] == "text/javascript; charset=utf-8"


async def test_a_file_the_console_does_not_have_is_a_404_problem(gateway: httpx.AsyncClient) -> None:
    for address in ("/console/nothing.js", "/console/vendor/echarts.js", "/console/..%2Fapp.py"):
        answer = await gateway.get(address)
        assert answer.status_code == 404, address
        assert answer.headers["content-type"] == "application/problem+json"


def test_the_consoles_own_files_name_no_outside_host_A12_1() -> None:
    for path in [CONSOLE / "index.html", *(CONSOLE / "static").iterdir()]:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", path.read_text(encoding="utf-8")), path
