"""API documentation through the gateway: each service's OpenAPI under /api/<prefix> with the roles of the policy
table, and Swagger UI pages that render in a real browser with every outside host cut off (A12.1)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Request, Route, async_playwright

from harness import LocalMesh, MeshStarter

pytestmark = pytest.mark.integration

SCREENSHOTS = Path(__file__).resolve().parents[3] / ".run" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Who may call a few routes, from the README's "who may" table and the Measures, not from the policy module:
# regions and agencies are administered by the region's administrator (A4.1), entries are compiled by the
# agency's system (A14.1) and approved by the bureau's reviewer, and the audit is exported by inspectors (A34.1).
EXPECTED_ROLES = {
    ("catalog", "post", "/agencies"): ["administrator"],
    ("catalog", "post", "/entries"): ["agency_system"],
    ("catalog", "post", "/entries/{entry_id}/approve"): ["reviewer"],
    ("gateway", "get", "/admin/audit/export"): ["inspector"],
}


def documents_client(mesh: LocalMesh) -> httpx.AsyncClient:
    """A client of the gateway that waits for a document being built: a service builds its OpenAPI document on the
    first request for it, seconds of CPU on a busy machine, in the one event loop of the in-process mesh (CI once
    timed out at httpx's default 5 s)."""
    return httpx.AsyncClient(base_url=mesh.url("gateway"), timeout=60)


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    async with start_mesh(["catalog", "share", "open", "aggregation", "supervision", "gateway"]) as running:
        yield running


async def test_each_services_openapi_is_served_through_the_gateway_with_its_roles_A12_1(mesh: LocalMesh) -> None:
    async with documents_client(mesh) as gateway:
        for prefix in ("catalog", "share", "open", "aggregation", "supervision"):
            response = await gateway.get(f"/api/{prefix}/openapi.json")
            assert response.status_code == 200, response.text
            document = response.json()
            assert document["servers"] == [{"url": f"/api/{prefix}", "description": "through the gateway (A12.1)"}]
            for operations in document["paths"].values():
                for operation in operations.values():
                    assert "x-hub-roles" in operation
        catalog = (await gateway.get("/api/catalog/openapi.json")).json()
        own = (await gateway.get("/openapi.json")).json()
    documents = {"catalog": catalog, "gateway": own}
    for (service, method, path), roles in EXPECTED_ROLES.items():
        operation = documents[service]["paths"][path][method]
        assert operation["x-hub-roles"] == roles
        assert operation["description"].startswith(f"**Roles:** {', '.join(roles)}")


async def test_no_internal_address_is_in_a_document_served_through_the_gateway_A12_1(mesh: LocalMesh) -> None:
    async with documents_client(mesh) as gateway:
        texts = [(await gateway.get(f"/api/{prefix}/openapi.json")).text for prefix in ("catalog", "aggregation")]
    for name in ("catalog", "aggregation"):
        internal = urlsplit(mesh.url(name)).netloc
        assert all(internal not in text for text in texts)


async def test_an_unknown_prefix_has_no_document(mesh: LocalMesh) -> None:
    async with documents_client(mesh) as gateway:
        response = await gateway.get("/api/nowhere/openapi.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_swagger_ui_renders_every_services_operations_with_the_network_cut_off(mesh: LocalMesh) -> None:
    """The hub runs on government networks without internet access: its docs load nothing from outside."""
    gateway = mesh.url("gateway")
    own_host = urlsplit(gateway).hostname
    outside: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            page = await browser.new_page()

            async def cut_off(route: Route, request: Request) -> None:
                if urlsplit(request.url).hostname != own_host:
                    outside.append(request.url)
                    await route.abort()
                else:
                    await route.continue_()

            await page.route("**/*", cut_off)
            for path, shot in (("/docs", "gateway"), ("/api/catalog/docs", "catalog"), ("/api/share/docs", "share")):
                await page.goto(gateway + path)
                await page.wait_for_selector(".opblock", timeout=15_000)
                assert await page.locator(".opblock").count() > 0
                await page.screenshot(path=str(SCREENSHOTS / f"api-docs-{shot}.png"))
                if shot == "catalog":
                    assert await page.get_by_text("/agencies/{agency_id}").count() > 0
        finally:
            await browser.close()
    assert outside == []
