"""Catalogue imports as jobs through the gateway: submit a file (202 Accepted), then follow `Location` until the job
ends, recording every progress the poller saw."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

CSV = "text/csv; charset=utf-8"
ENDED = frozenset({"succeeded", "failed"})


@dataclass
class Polled:
    """A job as its last poll answered it, and (done, total) at every poll before."""

    job: dict[str, Any]
    progress: list[tuple[int, int | None]] = field(default_factory=list)

    @property
    def result(self) -> dict[str, Any]:
        assert self.job["state"] == "succeeded", self.job
        result: dict[str, Any] = self.job["result"]
        return result

    @property
    def problem(self) -> dict[str, Any]:
        assert self.job["state"] == "failed", self.job
        problem: dict[str, Any] = self.job["problem"]
        return problem

    def rows(self) -> list[tuple[int, str | None]]:
        """(row, field) of each error, in the order the job reported them."""
        return [(e["row"], e.get("field")) for e in self.job["errors"]]


async def submit_import(
    gateway: httpx.AsyncClient, headers: dict[str, str], body: bytes, *, content_type: str = CSV, query: str = ""
) -> httpx.Response:
    """POST /api/catalog/imports; the answer as it came."""
    return await gateway.post(
        f"/api/catalog/imports{query}", content=body, headers={**headers, "content-type": content_type}
    )


async def follow(
    gateway: httpx.AsyncClient, headers: dict[str, str], location: str, *, within: float = 120.0, every: float = 0.05
) -> Polled:
    """Poll a job at `location` until it ends."""
    polled = Polled(job={})
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await gateway.get(location, headers=headers)
        assert response.status_code == 200, response.text
        polled.job = response.json()
        polled.progress.append((polled.job["done"], polled.job["total"]))
        if polled.job["state"] in ENDED:
            return polled
        assert asyncio.get_running_loop().time() < deadline, f"the job did not end within {within}s: {polled.job}"
        await asyncio.sleep(every)


async def import_file(
    gateway: httpx.AsyncClient, headers: dict[str, str], body: bytes, *, content_type: str = CSV, query: str = ""
) -> Polled:
    """Import a file and wait for its job to end; the answer must be 202 with the job's gateway address."""
    response = await submit_import(gateway, headers, body, content_type=content_type, query=query)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] == "queued"
    # Location resolves as it is against the gateway: the catalog's /jobs/{id} under the catalog's prefix.
    assert response.headers["location"] == f"/api/catalog/jobs/{job['id']}"
    return await follow(gateway, headers, response.headers["location"])
