"""What a drill needs inside its hub, made through the gateway as agencies make it (A12.1): the city, an agency, its
system and ingest job clients, a reviewer, and one published two-item entry the data centre has learned."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hub.identifiers import credit_code_check_character

CITY = "320200"
ITEMS = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 20, "required": True, "key": False},
]  # fmt: skip


def record(n: int) -> dict[str, Any]:
    """Record n of a drill: valid, its key unique to n."""
    return {"id_number": f"32020019{n:010d}", "full_name": f"居民{n}"}


@dataclass(frozen=True)
class Credentials:
    login: str
    secret: str

    def form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": self.login, "client_secret": self.secret}


@dataclass(frozen=True)
class World:
    entry_id: str
    agency_id: str
    job: Credentials
    system: Credentials
    admin_password: str


def ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:1000]}"
        )
    return response.json()


def until(check: Callable[[], Any], what: str, within: float = 120.0) -> Any:
    deadline = time.monotonic() + within
    while not (found := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return found


def bearer(client: httpx.Client, form: dict[str, str]) -> dict[str, str]:
    return {"authorization": f"Bearer {ok(client.post('/auth/token', data=form))['access_token']}"}


def admin_token(client: httpx.Client, password: str) -> dict[str, str]:
    return bearer(client, {"grant_type": "password", "username": "admin", "password": password})


def credit_code() -> str:
    first17 = f"11{CITY}MB" + "".join(secrets.choice("0123456789") for _ in range(7))
    return first17 + credit_code_check_character(first17)


def new_agency(client: httpx.Client, admin: dict[str, str], name: str) -> httpx.Response:
    """POST /api/catalog/agencies for a new agency (a write whose event, catalog.events, other services apply)."""
    agency = {"credit_code": credit_code(), "name": name, "kind": "administrative_organ", "region_code": CITY,
              "data_unit": "大数据科", "responsible_person": "张三"}  # fmt: skip
    return client.post("/api/catalog/agencies", json=agency, headers=admin)


def register(client: httpx.Client, admin: dict[str, str], kind: str, role: str, agency_id: str | None) -> Credentials:
    """A client of the hub; an agency's once the gateway has learned the agency (catalog.events)."""
    login = f"drill-{secrets.token_hex(4)}"
    body: dict[str, Any] = {"kind": kind, "login": login, "display_name": login, "roles": [role],
                            "region_code": CITY, "agency_id": agency_id}  # fmt: skip
    if kind == "operator":
        body["password"] = secrets.token_hex(16)

    def registered() -> dict[str, Any] | None:
        response = client.post("/admin/clients", json=body, headers=admin)
        return None if response.status_code in (422, 503) else ok(response, 201)

    created = until(registered, f"the gateway to learn agency {agency_id}")
    return Credentials(login, body.get("password") or created["client_secret"])


def set_up(gateway_url: str, admin_password: str) -> World:
    """A published entry of a new agency, known to the data centre, and the agency's clients."""
    with httpx.Client(base_url=gateway_url, timeout=60.0) as client:
        admin = admin_token(client, admin_password)
        region = {"code": CITY, "name": "无锡市", "level": "city"}
        city = client.post("/api/catalog/regions", headers=admin, json=region)
        if city.status_code not in (201, 409):
            raise RuntimeError(f"adding region {CITY}: {city.status_code} {city.text}")
        agency_id = str(ok(new_agency(client, admin, "无锡市演练数据局"), 201)["id"])
        system = register(client, admin, "agency_system", "agency_system", agency_id)
        job = register(client, admin, "ingest_job", "ingest_job", agency_id)
        reviewer = register(client, admin, "operator", "reviewer", None)
        system_token = bearer(client, system.form())
        reviewer_token = bearer(client, {"grant_type": "password", "username": reviewer.login,
                                         "password": reviewer.secret})  # fmt: skip
        entry = {"code": f"01-02/{secrets.randbelow(10**6):06d}", "region_code": CITY, "provider_agency_id": agency_id,
                 "name": "演练人口信息", "summary": "故障演练用的人口信息。", "classification": "01-02",
                 "category": "theme", "source_system": "演练系统", "format": "database",
                 "share_type": "unconditional", "share_method": "api", "open_type": "not_open",
                 "open_legal_basis": "《演练法》",
                 "update_cycle": "daily", "items": ITEMS}  # fmt: skip
        entry_id = str(ok(client.post("/api/catalog/entries", json=entry, headers=system_token), 201)["id"])
        ok(client.post(f"/api/catalog/entries/{entry_id}/submit", headers=system_token))
        ok(client.post(f"/api/catalog/entries/{entry_id}/approve", headers=reviewer_token))
        job_token = bearer(client, job.form())
        until(lambda: client.get(f"/api/aggregation/entries/{entry_id}", headers=job_token).status_code == 200,
              "the data centre to learn the published entry")  # fmt: skip
    return World(entry_id, agency_id, job, system, admin_password)
