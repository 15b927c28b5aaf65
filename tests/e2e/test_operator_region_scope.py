"""Every operator route, walked by a district's operators against the city and a sibling district (A4.1).

The Measures (A4.1): the city, its county-level cities and its districts each run their own public data work;
"every record belongs to a region; a bureau operator acts only inside its region; the city sees all". So an
operator of district 锡山区 ("own") acting on a resource of the city (无锡市) or of the sibling district 惠山区 is
refused, and acting on its own district's succeeds (the control that shows the refusal is about the region, not
a broken request). The expectation of each route is written here by hand, from A4.1 and the README's table of
who may do what, not read from the policy table or the services; the policy table only says which routes exist
and which operator roles reach them, and a test checks that this table covers every one of them.

The kinds of scope:
- REFUSED: the route acts on one resource of a region: another region's is a 403 (A4.1) or 404 problem.
- FILTERED: the route lists or sums up the operator's region: it answers 200 showing nothing of another region.
- CITY_ONLY: the route acts for the whole hub (the signing key, the whole audit chain, the authoritative-source
  register every district's submissions are checked against): a district's operator is refused whatever it names.
- HUB_WIDE: the route reads what every agency of the hub may read (the region tree, the agency registry, the
  published catalogue and its register of sources, the compilation rules agencies compile by, the base databases'
  figures, the sharing platform's directory of agencies); no region owns it, so a district's operator reads the
  city's too.

Sharing (A20.2, A20.3, A21.1): an application, its grant and its dispute belong to the region of the entry applied
for, whichever agency applied; the bureau of that region (or the city's) reviews, revokes, coordinates and decides,
and the district's bureau reads and counts (A32.1) its own region's only.

Opening (A24.2, A24.3, A26.1, A27.1): an open application, its acceptance of the agreement and its data keys belong
to the region of the dataset applied for, an error report to the region of the dataset reported on, a demand to the
region of the agency it names, and a demand naming no agency to the city; the bureau of that region (or the city's)
reads, counts, revokes and answers them. The open-use agreement is one text that binds every applicant of every
region's datasets (A24.3): a district's bureau does not publish it.
"""

from __future__ import annotations

import asyncio
import csv
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from catalog.regional import NAMES, OWN, REGIONS, Regional, regional_world

from factories import agency_body
from gateway.access.policy import ANYONE, POLICY, Rule
from harness import CITY, Infra, Keys, eventually, register_client, token
from hub.roles import OPERATOR_ROLES

pytestmark = pytest.mark.integration

REFUSED, FILTERED, CITY_ONLY, HUB_WIDE = "refused", "filtered", "city-only", "hub-wide"
OTHERS = ("city", "sibling")
SERVICES = ("catalog", "share", "aggregation", "open", "supervision", "gateway")


@dataclass
class Walk:
    """The hub and, per region ("city", "own", "sibling"), the resources the walk acts on."""

    hub: Regional
    published: dict[str, str]  # a published entry, with a batch of records, a consent and a change notice
    codes: dict[str, str]  # its resource code
    submitted: dict[str, str]  # a submitted entry
    batches: dict[str, str]
    consents: dict[str, str]
    clients: dict[str, str]  # an agency system of the region's agency
    channels: dict[str, str]  # a legacy channel
    imports: dict[str, str] = field(default_factory=dict)  # a catalogue import job of the region's agency
    backup: str = ""  # the centre's backup job, which only the city's administrator starts (A31.1)
    # Own-district resources the controls change, so that every other case finds the world as it was built.
    returnable: str = ""
    listed: str = ""  # stays submitted
    retirable: str = ""
    revocable_consent: str = ""
    revocable_client: str = ""
    # Sharing, per region: an agency of the region applying for its entries, a conditional entry, an application
    # under review, a grant (of the published entry, shared unconditionally), an open and an escalated dispute.
    consumers: dict[str, dict[str, str]] = field(default_factory=dict)  # the applying agency's system
    conditional: dict[str, str] = field(default_factory=dict)
    requested: dict[str, str] = field(default_factory=dict)
    grants: dict[str, str] = field(default_factory=dict)
    disputes: dict[str, str] = field(default_factory=dict)
    escalated: dict[str, str] = field(default_factory=dict)
    # Opening, per region: a conditionally open entry of the region's agency and an officer of that agency; a
    # portal user's application to the entry awaiting the answer, and one approved, agreed, with a data key issued;
    # an error report on the entry; a demand naming the region's agency. And a demand naming no agency (the city's).
    opened: dict[str, str] = field(default_factory=dict)
    officers: dict[str, dict[str, str]] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    agreed: dict[str, str] = field(default_factory=dict)
    data_keys: dict[str, str] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)
    demands: dict[str, str] = field(default_factory=dict)
    citywide_demand: str = ""
    citizen: dict[str, str] = field(default_factory=dict)  # the portal user's headers
    agreement: int = 0  # the version of the open-use agreement in force, published by the city's bureau
    # Own-district sharing and opening resources the controls change, by kind: each control takes one of its own.
    spare: dict[str, list[str]] = field(default_factory=dict)

    @property
    def gateway(self) -> httpx.AsyncClient:
        return self.hub.gateway

    def agency(self, where: str) -> str:
        return str(self.hub.agencies[where]["id"])


Call = Callable[[Walk, str, dict[str, str]], Awaitable[httpx.Response]]
Check = Callable[[Walk, httpx.Response], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """What a district's operator meets on a route: `call(walk, where, headers)` acts on the resource of `where`;
    a FILTERED case's `check` asserts the answer shows its own region and nothing of another."""

    kind: str
    call: Call
    label: str = ""
    check: Check | None = None
    own_control: bool = True  # False where the district has nothing of its own to act on
    hole: str = ""  # a known hole outside catalog-svc, reported to the lead; the case is a strict xfail


def on(method: str, template: str, body: Any = None, **resources: Callable[[Walk, str], str]) -> Call:
    """A request as the district's operator: `{region}` and `{where}` in the template name the region acted on,
    every other `{name}` is `resources[name](walk, where)`; a callable `body` is `body(walk, where)`."""

    async def call(walk: Walk, where: str, headers: dict[str, str]) -> httpx.Response:
        names = {name: resource(walk, where) for name, resource in resources.items()}
        url = template.format(region=REGIONS[where], where=where, **names)
        payload = body(walk, where) if callable(body) else body
        return await walk.gateway.request(method, url, json=payload, headers=headers)

    return call


def pick(others: Callable[[Walk, str], str], own: Callable[[Walk], str]) -> Callable[[Walk, str], str]:
    """The resource of `where`; for the own district's control, one set aside for it (the control changes it)."""
    return lambda walk, where: own(walk) if where == "own" else others(walk, where)


def published(walk: Walk, where: str) -> str:
    return walk.published[where]


def submitted(walk: Walk, where: str) -> str:
    return walk.submitted[where]


def agency(walk: Walk, where: str) -> str:
    return walk.agency(where)


def spare(kind: str) -> Callable[[Walk], str]:
    """An own-district sharing resource of `kind` set aside for one control (which changes it)."""
    return lambda walk: walk.spare[kind].pop()


def requested(walk: Walk, where: str) -> str:
    return walk.requested[where]


def grant(walk: Walk, where: str) -> str:
    return walk.grants[where]


def dispute(walk: Walk, where: str) -> str:
    return walk.disputes[where]


def escalated(walk: Walk, where: str) -> str:
    return walk.escalated[where]


def agreed(walk: Walk, where: str) -> str:
    return walk.agreed[where]


def records(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["records"] if isinstance(body, dict) and "records" in body else body)


def shows_own_only(regions_of: Callable[[httpx.Response], set[str | None]]) -> Check:
    async def check(walk: Walk, response: httpx.Response) -> None:
        regions = regions_of(response)
        assert OWN in regions, f"its own region is missing: {regions}"
        assert regions <= {OWN}, f"it shows other regions: {regions - {OWN}}"

    return check


def region_codes(response: httpx.Response) -> set[str | None]:
    return {r.get("region_code") for r in records(response)}


async def only_own_agencies(walk: Walk, response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    shown = set(response.json())
    assert walk.agency("own") in shown
    assert not shown & {walk.agency("city"), walk.agency("sibling")}


async def own_channels_counted(walk: Walk, response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    everything = await walk.gateway.get("/admin/legacy-channels", headers=walk.hub.admin)
    own = [c for c in everything.json() if c["region_code"] == OWN]
    assert (response.json()["region_code"], response.json()["total"]) == (OWN, len(own))
    assert len(own) < len(everything.json())


async def own_entries_measured(walk: Walk, response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    run = response.json()
    # The city's rollup shows when each entry was last measured: those of this run are the district's alone.
    rollup = await walk.gateway.get(f"/api/aggregation/quality/regions/{CITY}", headers=walk.hub.reviewer)
    assert rollup.status_code == 200, rollup.text
    taken = datetime.fromisoformat(run["taken_at"])
    measured = [e["region_code"] for e in rollup.json()["by_entry"]
                if e["taken_at"] and datetime.fromisoformat(e["taken_at"]) == taken]  # fmt: skip
    assert (run["region_code"], run["entries"]) == (OWN, len(measured))
    assert set(measured) == {OWN}


def shows_no_other(regions_of: Callable[[httpx.Response], set[str | None]]) -> Check:
    """Nothing of another region, though the request names something of one (its own region may show or not)."""

    async def check(walk: Walk, response: httpx.Response) -> None:
        assert response.status_code == 200, response.text
        regions = regions_of(response)
        assert regions <= {OWN}, f"it shows other regions: {regions - {OWN}}"

    return check


def dispute_regions(response: httpx.Response) -> set[str | None]:
    assert response.status_code == 200, response.text
    return {d["region_code"] for d in response.json()["items"]}


def indicator_regions(response: httpx.Response) -> set[str | None]:
    """The regions the sharing indicators speak of: the bureaus', and the one asked for."""
    assert response.status_code == 200, response.text
    body = response.json()
    return {body["region_code"], *(b["region_code"] for b in body["bureaus"])}


async def own_indicators(walk: Walk, response: httpx.Response) -> None:
    """The district's sharing indicators: its bureau's and its agency's figures (every entry of the district is
    that agency's), none of the city's or the sibling's (A32.1, A4.1)."""
    assert indicator_regions(response) == {OWN}
    providers = {p["agency_id"] for p in response.json()["providers"]}
    assert providers == {walk.agency("own")}, providers


async def no_foreign_indicators(walk: Walk, response: httpx.Response) -> None:
    assert indicator_regions(response) <= {OWN}
    providers = {p["agency_id"] for p in response.json()["providers"]}
    assert not providers & {walk.agency("city"), walk.agency("sibling")}, providers


async def own_supervision_indicators(walk: Walk, response: httpx.Response) -> None:
    """The indicator system's figures of the district alone: its region's and its agencies' (A32.1, A4.1)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["region_code"] for r in body["regions"]] == [OWN]
    assert {a["region_code"] for a in body["agencies"]} <= {OWN}
    assert walk.agency("own") in {a["agency_id"] for a in body["agencies"]}


async def no_foreign_exchanges(walk: Walk, response: httpx.Response) -> None:
    """No exchange between agencies of other regions alone."""
    assert response.status_code == 200, response.text
    others = {walk.agency("city"), walk.agency("sibling")}
    assert [p for p in response.json()["pairs"] if {p["consumer_agency_id"], p["provider_agency_id"]} <= others] == []


async def own_export(walk: Walk, response: httpx.Response) -> None:
    """The export's figures are the district's: its region's rows and its agencies' (pairs name their agencies)."""
    assert response.status_code == 200, response.text
    rows = list(csv.reader(response.text.removeprefix("\ufeff").splitlines()))[1:]
    assert {row[2] for row in rows if row[1] in ("agency", "region")} == {OWN}


def application_regions(response: httpx.Response) -> set[str | None]:
    assert response.status_code == 200, response.text
    return {a["region_code"] for a in response.json()["applications"]}


def report_regions(response: httpx.Response) -> set[str | None]:
    assert response.status_code == 200, response.text
    return {r["region_code"] for r in response.json()["reports"]}


def client_body(walk: Walk, where: str, *, region: str | None = None) -> dict[str, Any]:
    login = f"walk-{uuid.uuid4().hex[:8]}"
    return {"kind": "agency_system", "login": login, "display_name": login, "roles": ["agency_system"],
            "region_code": region or REGIONS[where], "agency_id": walk.agency(where)}  # fmt: skip


def channel_body(walk: Walk, where: str, *, region: str | None = None) -> dict[str, Any]:
    return {"agency_id": walk.agency(where), "counterpart": "省人口库", "name": "前置机文件交换",
            "region_code": region or REGIONS[where], "deadline": "2026-12-31"}  # fmt: skip


def new_district(walk: Walk, where: str) -> dict[str, str]:
    """A new district under the region of `where` (320211 under the city, 320212 under the sibling…)."""
    code = {"city": "320211", "sibling": "320212", "own": "320213"}[where]
    return {"code": code, "name": "新区", "level": "district", "parent_code": REGIONS[where]}


RULES = {"required_elements": ["classification"], "allowed_update_cycles": ["daily", "weekly"],
         "code_pattern": r"^01-02/\d{6}$"}  # fmt: skip
REVIEW = {"decision": "approve", "reasons": [], "risk_level": "low"}
REVOCATION = {"reason": "审计发现超范围使用"}
NOTE = {"text": "已约谈供需双方"}
DECISION = {"outcome": "dismissed", "reasons": ["申请用途与履职无关"], "risk_level": "medium"}


def escalation(walk: Walk, where: str) -> dict[str, Any]:
    return {"authority": f"{NAMES[where]}人民政府", "reasons": ["争议涉及跨部门职责划分"]}


def government_decision(walk: Walk, where: str) -> dict[str, Any]:
    """Decided today in the hub's time zone: after the escalation (made while the walk was built), not after today."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return {"outcome": "dismissed", "authority": f"{NAMES[where]}人民政府", "reference": "政复〔2026〕1号",
            "decided_on": today.isoformat(), "reasons": ["维持原审核意见"], "risk_level": "medium"}  # fmt: skip


AGREEMENT = {
    "title": "公共数据开放利用协议",
    "text": "第一条 申请人仅将数据用于申请所述用途。第二条 不得向第三方提供。",
}
DEMAND_ANSWER = {"outcome": "planned", "answer": "已列入本年度公共数据开放计划。"}

BINDING_HOLE = (
    "gateway: a district administrator binds a client (or a legacy channel) of its own region to another region's "
    "agency and gets 201 (issue 9, first hole): the gateway must check the agency's region"
)

# The table, by (service, method, route) of the policy; written from A4.1, not read from the code.
EXPECTED: dict[tuple[str, str, str], tuple[Case, ...]] = {
    # The gateway's administration (A4.1, A12.1, A28.1, A34.1).
    ("gateway", "POST", "/admin/clients"): (
        Case(REFUSED, on("POST", "/admin/clients", client_body), "in the region"),
        Case(
            REFUSED,
            on("POST", "/admin/clients", lambda w, where: client_body(w, where, region=OWN)),
            "own region, bound to the region's agency",
        ),
    ),
    ("gateway", "GET", "/admin/clients"): (
        Case(FILTERED, on("GET", "/admin/clients?limit=500"), check=shows_own_only(region_codes)),
    ),
    ("gateway", "POST", "/admin/clients/{client_id}/secret"): (
        Case(REFUSED, on("POST", "/admin/clients/{client}/secret", client=lambda w, where: w.clients[where])),
    ),
    ("gateway", "POST", "/admin/clients/{client_id}/revoke"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/admin/clients/{client}/revoke",
                client=pick(lambda w, where: w.clients[where], lambda w: w.revocable_client),
            ),
        ),
    ),
    ("gateway", "POST", "/admin/signing-keys/rotate"): (Case(CITY_ONLY, on("POST", "/admin/signing-keys/rotate")),),
    # Jobs (issue 10): a job is polled by its submitter's agency and the bureau of its region; the centre's
    # backups are the city's (A31.1), so a district has none of its own to poll.
    ("catalog", "GET", "/jobs/{job_id}"): (
        Case(REFUSED, on("GET", "/api/catalog/jobs/{job}", job=lambda w, where: w.imports[where])),
    ),
    ("aggregation", "GET", "/jobs/{job_id}"): (
        Case(REFUSED, on("GET", "/api/aggregation/jobs/{job}", job=lambda w, where: w.backup), own_control=False),
    ),
    ("aggregation", "POST", "/backups"): (Case(CITY_ONLY, on("POST", "/api/aggregation/backups")),),
    ("gateway", "GET", "/admin/audit/export"): (
        Case(FILTERED, on("GET", "/admin/audit/export"), check=shows_own_only(region_codes)),
    ),
    ("gateway", "GET", "/admin/audit/verify"): (Case(CITY_ONLY, on("GET", "/admin/audit/verify")),),
    ("gateway", "GET", "/admin/security-events"): (
        Case(FILTERED, on("GET", "/admin/security-events?limit=1000"), check=shows_own_only(region_codes)),
    ),
    ("gateway", "POST", "/admin/legacy-channels"): (
        Case(REFUSED, on("POST", "/admin/legacy-channels", channel_body), "in the region"),
        Case(
            REFUSED,
            on("POST", "/admin/legacy-channels", lambda w, where: channel_body(w, where, region=OWN)),
            "own region, for the region's agency",
        ),
    ),
    ("gateway", "GET", "/admin/legacy-channels"): (
        Case(FILTERED, on("GET", "/admin/legacy-channels"), check=shows_own_only(region_codes)),
    ),
    ("gateway", "PATCH", "/admin/legacy-channels/{channel_id}"): (
        Case(
            REFUSED,
            on(
                "PATCH",
                "/admin/legacy-channels/{channel}",
                {"status": "integrating"},
                channel=lambda w, where: w.channels[where],
            ),
        ),
    ),
    ("gateway", "GET", "/admin/legacy-channels/indicator"): (
        Case(FILTERED, on("GET", "/admin/legacy-channels/indicator"), check=own_channels_counted),
    ),
    # catalog-svc: regions, compilation rules, agencies (A4.1, A13.2, A2.1).
    ("catalog", "POST", "/regions"): (
        # A district has nothing under it to add: the city's bureau adds districts, so there is no own control.
        Case(REFUSED, on("POST", "/api/catalog/regions", new_district), own_control=False),
    ),
    ("catalog", "GET", "/regions"): (Case(HUB_WIDE, on("GET", "/api/catalog/regions")),),
    ("catalog", "PUT", "/regions/{region_code}/compilation-rules"): (
        Case(REFUSED, on("PUT", "/api/catalog/regions/{region}/compilation-rules", RULES)),
    ),
    ("catalog", "GET", "/regions/{region_code}/compilation-rules"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/regions/{region}/compilation-rules")),
    ),
    ("catalog", "POST", "/agencies"): (
        Case(REFUSED, on("POST", "/api/catalog/agencies", lambda w, where: agency_body(region_code=REGIONS[where]))),
    ),
    ("catalog", "GET", "/agencies"): (Case(HUB_WIDE, on("GET", "/api/catalog/agencies")),),
    ("catalog", "GET", "/agencies/{agency_id}"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/agencies/{agency}", agency=agency)),
    ),
    ("catalog", "PATCH", "/agencies/{agency_id}"): (
        Case(REFUSED, on("PATCH", "/api/catalog/agencies/{agency}", {"data_unit": "数据管理科"}, agency=agency)),
    ),
    # catalog-svc: entries and their review (A14.1): the published catalogue is everyone's; the rest the region's.
    ("catalog", "GET", "/entries/{entry_id}"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/entries/{entry}", entry=published), "published"),
        Case(
            REFUSED, on("GET", "/api/catalog/entries/{entry}", entry=pick(submitted, lambda w: w.listed)), "submitted"
        ),
    ),
    ("catalog", "POST", "/entries/{entry_id}/approve"): (
        Case(REFUSED, on("POST", "/api/catalog/entries/{entry}/approve", entry=submitted)),
    ),
    ("catalog", "POST", "/entries/{entry_id}/return"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/catalog/entries/{entry}/return",
                {"reasons": ["请补充更新周期依据"]},
                entry=pick(submitted, lambda w: w.returnable),
            ),
        ),
    ),
    ("catalog", "POST", "/entries/{entry_id}/retire"): (
        Case(REFUSED, on("POST", "/api/catalog/entries/{entry}/retire", entry=pick(published, lambda w: w.retirable))),
    ),
    ("catalog", "GET", "/entries/{entry_id}/versions"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/entries/{entry}/versions", entry=published), "published"),
        Case(
            REFUSED,
            on("GET", "/api/catalog/entries/{entry}/versions", entry=pick(submitted, lambda w: w.listed)),
            "submitted",
        ),
    ),
    ("catalog", "GET", "/entries/{entry_id}/versions/{a}/diff/{b}"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/entries/{entry}/versions/1/diff/1", entry=published), "published"),
        Case(
            REFUSED,
            on("GET", "/api/catalog/entries/{entry}/versions/1/diff/1", entry=pick(submitted, lambda w: w.listed)),
            "submitted",
        ),
    ),
    ("catalog", "GET", "/catalogue"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/catalogue?region={region}"), "published"),
        Case(
            FILTERED,
            on("GET", "/api/catalog/catalogue?state=submitted"),
            "submitted",
            check=shows_own_only(lambda r: {i["region_code"] for i in r.json()["items"]}),
        ),
    ),
    # catalog-svc: one data, one source (A15.3) and change deadlines (A14.2).
    ("catalog", "POST", "/sources"): (
        Case(
            CITY_ONLY,
            on(
                "POST",
                "/api/catalog/sources",
                lambda w, where: {"item_label": "用水户号", "entry_code": w.codes[where]},
            ),
        ),
    ),
    ("catalog", "GET", "/sources"): (Case(HUB_WIDE, on("GET", "/api/catalog/sources")),),
    ("catalog", "POST", "/entries/{entry_id}/change-notices"): (
        Case(
            REFUSED, on("POST", "/api/catalog/entries/{entry}/change-notices", {"reason": "职责调整"}, entry=published)
        ),
    ),
    ("catalog", "GET", "/change-notices"): (
        Case(FILTERED, on("GET", "/api/catalog/change-notices"), check=shows_own_only(region_codes)),
    ),
    ("catalog", "GET", "/change-notices/per-agency"): (
        Case(FILTERED, on("GET", "/api/catalog/change-notices/per-agency"), check=only_own_agencies),
    ),
    ("catalog", "GET", "/exports/catalogue"): (
        Case(HUB_WIDE, on("GET", "/api/catalog/exports/catalogue?region={region}")),
    ),
    # share-svc: the agency directory, like the catalogue's registry.
    ("share", "GET", "/agencies/{agency_id}"): (
        Case(HUB_WIDE, on("GET", "/api/share/agencies/{agency}", agency=agency)),
    ),
    # share-svc: applications, their grants and disputes are the region's of the entry applied for (A4.1, A20.2,
    # A20.3, A21.1); its bureau reviews, revokes, coordinates and decides them, and counts them (A32.1).
    ("share", "GET", "/applications"): (
        Case(FILTERED, on("GET", "/api/share/applications?limit=500"), check=shows_own_only(region_codes)),
    ),
    ("share", "GET", "/applications/{application_id}"): (
        Case(REFUSED, on("GET", "/api/share/applications/{application}", application=requested)),
    ),
    ("share", "POST", "/applications/{application_id}/reviews/bureau"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/share/applications/{application}/reviews/bureau",
                REVIEW,
                application=pick(requested, spare("requested")),
            ),
        ),
    ),
    ("share", "GET", "/grants"): (
        Case(FILTERED, on("GET", "/api/share/grants?limit=500"), check=shows_own_only(region_codes)),
    ),
    ("share", "GET", "/grants/{grant_id}"): (Case(REFUSED, on("GET", "/api/share/grants/{grant}", grant=grant)),),
    ("share", "POST", "/grants/{grant_id}/revoke"): (
        Case(
            REFUSED,
            on("POST", "/api/share/grants/{grant}/revoke", REVOCATION, grant=pick(grant, spare("grant"))),
        ),
    ),
    ("share", "GET", "/disputes"): (
        Case(FILTERED, on("GET", "/api/share/disputes?limit=200"), check=shows_own_only(dispute_regions)),
        Case(REFUSED, on("GET", "/api/share/disputes?region_code={region}"), "the region named"),
        Case(
            FILTERED,
            on("GET", "/api/share/disputes?agency_id={agency}", agency=lambda w, where: w.agency("city")),
            "the city's agency named",
            check=shows_no_other(dispute_regions),
        ),
    ),
    ("share", "GET", "/disputes/{dispute_id}"): (
        Case(REFUSED, on("GET", "/api/share/disputes/{dispute}", dispute=dispute), "open"),
        Case(REFUSED, on("GET", "/api/share/disputes/{dispute}", dispute=escalated), "escalated"),
    ),
    ("share", "POST", "/disputes/{dispute_id}/notes"): (
        Case(
            REFUSED,
            on("POST", "/api/share/disputes/{dispute}/notes", NOTE, dispute=pick(dispute, spare("open dispute"))),
        ),
    ),
    ("share", "POST", "/disputes/{dispute_id}/decision"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/share/disputes/{dispute}/decision",
                DECISION,
                dispute=pick(dispute, spare("open dispute")),
            ),
        ),
    ),
    ("share", "POST", "/disputes/{dispute_id}/escalation"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/share/disputes/{dispute}/escalation",
                escalation,
                dispute=pick(dispute, spare("open dispute")),
            ),
        ),
    ),
    ("share", "POST", "/disputes/{dispute_id}/government-decision"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/share/disputes/{dispute}/government-decision",
                government_decision,
                dispute=pick(escalated, spare("escalated dispute")),
            ),
        ),
    ),
    ("share", "GET", "/indicators"): (
        Case(FILTERED, on("GET", "/api/share/indicators"), check=own_indicators),
        Case(REFUSED, on("GET", "/api/share/indicators?region_code={region}"), "the region named"),
        Case(
            FILTERED,
            on("GET", "/api/share/indicators?agency_id={agency}", agency=lambda w, where: w.agency("city")),
            "the city's agency named",
            check=no_foreign_indicators,
        ),
    ),
    # open-svc: an open application, its agreement and keys are the region's of the dataset applied for (A4.1,
    # A24.2, A24.3); its bureau reads and counts them and may end the access a key gives.
    ("open", "GET", "/applications"): (
        Case(FILTERED, on("GET", "/api/open/applications?limit=500"), check=shows_own_only(application_regions)),
        Case(
            FILTERED,
            on("GET", "/api/open/applications?entry_id={entry}", entry=lambda w, where: w.opened["city"]),
            "the city's dataset named",
            check=shows_no_other(application_regions),
        ),
    ),
    ("open", "GET", "/applications/counts"): (
        Case(FILTERED, on("GET", "/api/open/applications/counts"), check=only_own_agencies),
    ),
    ("open", "GET", "/applications/{application_id}"): (
        Case(REFUSED, on("GET", "/api/open/applications/{application}", application=lambda w, where: w.pending[where])),
    ),
    ("open", "GET", "/applications/{application_id}/agreement"): (
        Case(REFUSED, on("GET", "/api/open/applications/{application}/agreement", application=agreed)),
    ),
    ("open", "GET", "/applications/{application_id}/keys"): (
        Case(REFUSED, on("GET", "/api/open/applications/{application}/keys", application=agreed)),
    ),
    ("open", "POST", "/keys/{key_id}/revoke"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/open/keys/{key}/revoke",
                REVOCATION,
                key=pick(lambda w, where: w.data_keys[where], spare("data key")),
            ),
        ),
    ),
    # The open-use agreement binds the applicants of every region's datasets (A24.3): the city's bureau publishes it.
    ("open", "POST", "/agreements"): (Case(CITY_ONLY, on("POST", "/api/open/agreements", AGREEMENT)),),
    # Error reports go to the agency responsible for the data (A26.1); the bureau oversees its region's.
    ("open", "GET", "/feedback"): (
        Case(FILTERED, on("GET", "/api/open/feedback?limit=500"), check=shows_own_only(report_regions)),
        Case(
            FILTERED,
            on("GET", "/api/open/feedback?entry_id={entry}", entry=lambda w, where: w.opened["city"]),
            "the city's dataset named",
            check=shows_no_other(report_regions),
        ),
    ),
    ("open", "GET", "/feedback/{report_id}"): (
        Case(REFUSED, on("GET", "/api/open/feedback/{report}", report=lambda w, where: w.reports[where])),
    ),
    # A demand is answered by the bureau of the region of the agency it names; one naming no agency is the city's
    # (A27.1, A4.1: the city sees all, a district only its own).
    ("open", "POST", "/demands/{demand_id}/answer"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/open/demands/{demand}/answer",
                DEMAND_ANSWER,
                demand=pick(lambda w, where: w.demands[where], spare("demand")),
            ),
            "naming the region's agency",
        ),
        Case(
            REFUSED,
            on("POST", "/api/open/demands/{demand}/answer", DEMAND_ANSWER, demand=lambda w, where: w.citywide_demand),
            "naming no agency",
            own_control=False,
        ),
    ),
    # aggregation-svc: the big data centre's records are the region's (A4.1, A16.1, A17.1, A25.1, A32.1).
    # The centre's state of an entry (the version it holds, whether it accepts data) is its region's; everyone
    # reads the entry's description in the published catalogue instead.
    ("aggregation", "GET", "/entries/{entry_id}"): (
        Case(REFUSED, on("GET", "/api/aggregation/entries/{entry}", entry=published)),
    ),
    ("aggregation", "GET", "/entries/{entry_id}/batches/{batch_id}"): (
        Case(
            REFUSED,
            on(
                "GET",
                "/api/aggregation/entries/{entry}/batches/{batch}",
                entry=published,
                batch=lambda w, where: w.batches[where],
            ),
        ),
    ),
    ("aggregation", "GET", "/entries/{entry_id}/records"): (
        Case(REFUSED, on("GET", "/api/aggregation/entries/{entry}/records", entry=published)),
    ),
    ("aggregation", "GET", "/entries/{entry_id}/history"): (
        Case(
            REFUSED,
            on("GET", "/api/aggregation/entries/{entry}/history?key.account_number={where}-0001", entry=published),
        ),
    ),
    ("aggregation", "GET", "/consents/{consent_id}"): (
        Case(REFUSED, on("GET", "/api/aggregation/consents/{consent}", consent=lambda w, where: w.consents[where])),
    ),
    ("aggregation", "POST", "/consents/{consent_id}/revoke"): (
        Case(
            REFUSED,
            on(
                "POST",
                "/api/aggregation/consents/{consent}/revoke",
                {"reason": "本人撤回"},
                consent=pick(lambda w, where: w.consents[where], lambda w: w.revocable_consent),
            ),
        ),
    ),
    ("aggregation", "GET", "/base-databases"): (Case(HUB_WIDE, on("GET", "/api/aggregation/base-databases")),),
    ("aggregation", "GET", "/quality/entries/{entry_id}"): (
        Case(REFUSED, on("GET", "/api/aggregation/quality/entries/{entry}", entry=published)),
    ),
    ("aggregation", "GET", "/quality/agencies/{agency_id}"): (
        Case(REFUSED, on("GET", "/api/aggregation/quality/agencies/{agency}", agency=agency)),
    ),
    ("aggregation", "GET", "/quality/regions/{region_code}"): (
        Case(REFUSED, on("GET", "/api/aggregation/quality/regions/{region}")),
    ),
    ("aggregation", "POST", "/quality/snapshots"): (
        Case(FILTERED, on("POST", "/api/aggregation/quality/snapshots"), check=own_entries_measured),
    ),
    # supervision-svc: the indicator system (A32.1) shows a bureau its region and the regions within it, and their
    # agencies; the periods it keeps are the same for every region.
    ("supervision", "GET", "/indicators"): (
        Case(FILTERED, on("GET", "/api/supervision/indicators"), check=own_supervision_indicators),
        Case(REFUSED, on("GET", "/api/supervision/indicators?region={region}"), "the region named"),
        Case(REFUSED, on("GET", "/api/supervision/indicators?agency={agency}", agency=agency), "the region's agency"),
    ),
    ("supervision", "GET", "/indicators/exchanges"): (
        Case(FILTERED, on("GET", "/api/supervision/indicators/exchanges"), check=no_foreign_exchanges),
        Case(REFUSED, on("GET", "/api/supervision/indicators/exchanges?region={region}"), "the region named"),
    ),
    ("supervision", "GET", "/indicators/export"): (
        Case(FILTERED, on("GET", "/api/supervision/indicators/export?format=csv"), check=own_export),
        Case(REFUSED, on("GET", "/api/supervision/indicators/export?format=csv&region={region}"), "the region named"),
    ),
    ("supervision", "GET", "/indicators/periods"): (Case(HUB_WIDE, on("GET", "/api/supervision/indicators/periods")),),
}


def operator_routes() -> list[Rule]:
    """The policy's routes an operator may call but not every caller (the docs, the open data are everyone's). One
    the public may call too is walked if it is not everyone's (an error report, which its anonymous reporter follows
    with the report's token, A26.1)."""
    return [r for r in POLICY if r.roles & OPERATOR_ROLES and r.roles != ANYONE]


def test_the_table_says_what_a_district_operator_meets_on_every_operator_route_A4_1() -> None:
    assert set(EXPECTED) == {(r.service, r.method, r.path) for r in operator_routes()}


def walk_params() -> list[Any]:
    params = []
    for rule in operator_routes():
        for case in EXPECTED.get((rule.service, rule.method, rule.path), ()):
            for role in sorted(rule.roles & OPERATOR_ROLES):
                marks = [pytest.mark.xfail(strict=True, reason=case.hole)] if case.hole else []
                label = f"{rule.service}:{rule.method}:{rule.path}[{case.label or case.kind}]:{role}"
                params.append(pytest.param(case, str(role), id=label, marks=marks))
    return params


async def _pushed(walk: Walk, where: str) -> str:
    rows = [{"account_number": f"{where}-{n:04d}", "holder": f"用户{n}"} for n in (1, 2)]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    batch = f"walk-{where}"
    response = await walk.gateway.post(
        f"/api/aggregation/entries/{walk.published[where]}/batches/{batch}", content=body,
        headers={**walk.hub.agencies[where]["headers"], "content-type": "application/x-ndjson"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return batch


async def _consent(walk: Walk, where: str) -> str:
    body = {"subject": "320200199001011234", "purpose": "办理用水过户", "method": "营业厅书面同意", "scope": "户名",
            "entry_ids": [walk.published[where]], "query_channel": "12345", "correction_channel": "12345",
            "given_at": "2025-01-02T03:04:05+08:00"}  # fmt: skip
    response = await walk.gateway.post(
        "/api/aggregation/consents", json=body, headers=walk.hub.agencies[where]["headers"]
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _client(walk: Walk, where: str) -> str:
    response = await walk.gateway.post("/admin/clients", json=client_body(walk, where), headers=walk.hub.admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _channel(walk: Walk, where: str) -> str:
    response = await walk.gateway.post("/admin/legacy-channels", json=channel_body(walk, where), headers=walk.hub.admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _known_to_centre(walk: Walk, entry_id: str, where: str) -> None:
    async def known() -> bool:
        url = f"/api/aggregation/entries/{entry_id}"
        return (await walk.gateway.get(url, headers=walk.hub.agencies[where]["headers"])).status_code == 200

    await eventually(known, within=30)


async def _import_job(walk: Walk, where: str) -> str:
    """A catalogue import job of the region's agency (its content does not matter to who may poll it)."""
    headers = {**walk.hub.agencies[where]["headers"], "content-type": "text/csv"}
    started = await walk.gateway.post("/api/catalog/imports", content=b"code\n", headers=headers)
    assert started.status_code == 202, started.text
    return str(started.json()["id"])


# A conditional entry names its conditions and legal basis (A19.2); the applications ask for one item of it.
CONDITIONAL = {"share_type": "conditional", "share_conditions": "仅用于办理用水过户",
               "share_legal_basis": "《城市供水条例》第二十三条"}  # fmt: skip
# The own district's sharing resources set aside, one per control that changes one: the bureau's review
# (reviewer); a revocation (reviewer, administrator); a note, a decision, an escalation (reviewer, administrator
# each); the government's decision (administrator).
SPARES = {"requested": 1, "grant": 2, "open dispute": 6, "escalated dispute": 1}


async def _applied(walk: Walk, where: str, entry_id: str) -> dict[str, Any]:
    """An application of the region's applying agency for an entry of the region, once share-svc has learned the
    entry from catalog.events (a 404 until then)."""
    body = {"entry_id": entry_id, "items": ["holder"], "purpose": "办理用水过户", "legal_basis": "《城市供水条例》",
            "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat()}  # fmt: skip

    async def made() -> httpx.Response | None:
        response = await walk.gateway.post("/api/share/applications", json=body, headers=walk.consumers[where])
        return None if response.status_code == 404 else response

    response = await eventually(made, within=30)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _requested(walk: Walk, where: str) -> str:
    application = await _applied(walk, where, walk.conditional[where])
    assert application["state"] == "requested", application
    return str(application["id"])


async def _grant(walk: Walk, where: str) -> str:
    """A grant of the region's published entry, shared unconditionally: granted as applied for (A20.1)."""
    application = await _applied(walk, where, walk.published[where])
    assert application["state"] == "granted", application
    return str(application["grant"]["id"])


async def _escalated(walk: Walk, where: str) -> str:
    return await _dispute(walk, where, escalate=True)


async def _dispute(walk: Walk, where: str, *, escalate: bool = False) -> str:
    """A dispute over an application the city's bureau refused (A20.3), open or escalated to the government."""
    application = await _requested(walk, where)
    refusal = {"decision": "refuse", "reasons": ["申请用途超出履职范围"], "risk_level": "high"}
    refused = await walk.gateway.post(f"/api/share/applications/{application}/reviews/bureau", json=refusal,
                                      headers=walk.hub.reviewer)  # fmt: skip
    assert refused.status_code == 200, refused.text
    statement = {"statement": "过户办理属本单位法定职责"}
    raised = await walk.gateway.post(f"/api/share/applications/{application}/disputes", json=statement,
                                     headers=walk.consumers[where])  # fmt: skip
    assert raised.status_code == 201, raised.text
    dispute_id = str(raised.json()["id"])
    if escalate:
        url = f"/api/share/disputes/{dispute_id}/escalation"
        moved = await walk.gateway.post(url, json=escalation(walk, where), headers=walk.hub.reviewer)
        assert moved.status_code == 200, moved.text
    return dispute_id


async def _applicants(walk: Walk) -> None:
    """Per region, a conditional entry and another agency of the region, which applies for the region's entries.
    Registering the agency's system waits until the gateway has learned the agency from catalog.events."""

    async def region(where: str) -> None:
        entry, walk.consumers[where] = await asyncio.gather(
            walk.hub.entry(where, **CONDITIONAL),
            register_client(
                walk.hub.gateway, walk.hub.admin, "agency_system", ["agency_system"], region=REGIONS[where]
            ),
        )
        walk.conditional[where] = str(entry["id"])

    await asyncio.gather(*(region(where) for where in REGIONS))


async def _sharing(walk: Walk) -> None:
    """Every region's sharing resources and the own district's spares, made at once (each a chain of requests)."""
    makers: dict[str, Callable[[Walk, str], Awaitable[str]]] = {
        "requested": _requested, "grant": _grant, "open dispute": _dispute, "escalated dispute": _escalated,
    }  # fmt: skip
    kept = {"requested": walk.requested, "grant": walk.grants, "open dispute": walk.disputes,
            "escalated dispute": walk.escalated}  # fmt: skip

    async def made(kind: str, where: str) -> None:
        kept[kind][where] = await makers[kind](walk, where)

    async def set_aside(kind: str) -> None:
        walk.spare.setdefault(kind, []).append(await makers[kind](walk, "own"))

    await asyncio.gather(
        *(made(kind, where) for kind in makers for where in REGIONS),
        *(set_aside(kind) for kind, count in SPARES.items() for _ in range(count)),
    )


# A conditionally open entry states its conditions (A22.1). A legal person applies for one item of it (A24.2): Huawei
# Technologies' unified social credit code as the Shenzhen market regulator registered it (a valid check character).
CONDITIONALLY_OPEN: dict[str, Any] = {
    "open_type": "conditional", "open_conditions": "签订开放利用协议，仅用于申请所述用途。", "open_legal_basis": None
}  # fmt: skip
APPLICANT = {"kind": "legal_person", "name": "华为技术有限公司", "identifier": "914403001922038216",
             "contact": "open-data@example.com"}  # fmt: skip
PORTAL_PASSWORD = "a long portal password"
# The own district's opening resources set aside, one per control that changes one: a data key the bureau revokes,
# a demand it answers (reviewer, administrator each).
OPEN_SPARES = {"data key": 2, "demand": 2}


async def _open_parties(walk: Walk) -> None:
    """Per region a conditionally open entry and an officer of the region's agency; a portal user; the open-use
    agreement, published by the city's administrator (A24.3)."""

    async def region(where: str) -> None:
        entry, walk.officers[where] = await asyncio.gather(
            walk.hub.entry(where, **CONDITIONALLY_OPEN),
            register_client(walk.gateway, walk.hub.admin, "agency_person", ["agency_officer"], region=REGIONS[where],
                            agency_id=walk.agency(where)),
        )  # fmt: skip
        walk.opened[where] = str(entry["id"])

    async def citizen() -> None:
        login = f"citizen-{uuid.uuid4().hex[:8]}"
        account = {"login": login, "display_name": "市民", "password": PORTAL_PASSWORD}
        created = await walk.gateway.post("/portal/accounts", json=account)
        assert created.status_code == 201, created.text
        walk.citizen = await token(walk.gateway, login, PORTAL_PASSWORD)

    async def agreement() -> None:
        published = await walk.gateway.post("/api/open/agreements", json=AGREEMENT, headers=walk.hub.admin)
        assert published.status_code == 201, published.text
        walk.agreement = int(published.json()["version"])

    await asyncio.gather(*(region(where) for where in REGIONS), citizen(), agreement())


async def _open_application(walk: Walk, where: str) -> str:
    """The portal user's application for the region's conditionally open entry (A24.2), once open-svc has learned
    the entry from catalog.events (a 404 until then)."""
    body = {"entry_id": walk.opened[where], "purpose": "编制供水服务评价报告", "data_format": "api",
            "items": ["holder"], "applicant": APPLICANT}  # fmt: skip

    async def made() -> httpx.Response | None:
        response = await walk.gateway.post("/api/open/applications", json=body, headers=walk.citizen)
        return None if response.status_code == 404 else response

    response = await eventually(made, within=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _keyed(walk: Walk, where: str) -> tuple[str, str]:
    """An application the region's officer approved and whose applicant accepted the agreement in force, then had a
    data key issued (A24.2, A24.3): the application's id and the key's."""
    application = await _open_application(walk, where)
    base = f"/api/open/applications/{application}"
    steps = ((f"{base}/decision", {"decision": "approve"}, walk.officers[where], 200),
             (f"{base}/agreement", {"version": walk.agreement}, walk.citizen, 201),
             (f"{base}/keys", None, walk.citizen, 201))  # fmt: skip
    for url, body, headers, status in steps:
        response = await walk.gateway.post(url, json=body, headers=headers)
        assert response.status_code == status, response.text
    return application, str(response.json()["id"])


async def _report(walk: Walk, where: str) -> str:
    """The portal user's error report on the region's open entry, routed to the region's agency (A26.1)."""
    body = {"entry_id": walk.opened[where], "kind": "error", "description": "部分用水户的户名与营业厅登记不一致。",
            "items": ["holder"]}  # fmt: skip
    response = await walk.gateway.post("/api/open/feedback", json=body, headers=walk.citizen)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _demand(walk: Walk, where: str | None) -> str:
    """The portal user's demand for data to be opened (A27.1), naming the agency of `where` (None: no agency), once
    open-svc has learned the agency (a 422 naming agency_id until then)."""
    body = {"title": "用水量分区统计", "description": "用于研究节水措施，希望按月以接口方式开放。",
            **({"agency_id": walk.agency(where)} if where else {})}  # fmt: skip

    async def made() -> httpx.Response | None:
        response = await walk.gateway.post("/api/open/demands", json=body, headers=walk.citizen)
        unknown = response.status_code == 422 and "agency_id" in response.text
        return None if unknown else response

    response = await eventually(made, within=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _opening(walk: Walk) -> None:
    """Every region's opening resources and the own district's spares, made at once. A region's chain starts with an
    application, which waits until open-svc holds the region's entry."""

    async def region(where: str) -> None:
        walk.pending[where] = await _open_application(walk, where)
        (walk.agreed[where], walk.data_keys[where]), walk.reports[where], walk.demands[where] = await asyncio.gather(
            _keyed(walk, where), _report(walk, where), _demand(walk, where)
        )

    async def spare_key() -> None:
        walk.spare.setdefault("data key", []).append((await _keyed(walk, "own"))[1])

    async def spare_demand() -> None:
        walk.spare.setdefault("demand", []).append(await _demand(walk, "own"))

    async def citywide() -> None:
        walk.citywide_demand = await _demand(walk, None)

    await asyncio.gather(
        *(region(where) for where in REGIONS),
        *(spare_key() for _ in range(OPEN_SPARES["data key"])),
        *(spare_demand() for _ in range(OPEN_SPARES["demand"])),
        citywide(),
    )


async def _build(walk: Walk) -> None:
    """Every region's resources but sharing's."""
    hub = walk.hub
    for where in REGIONS:
        entry = await hub.entry(where)
        walk.published[where], walk.codes[where] = str(entry["id"]), str(entry["code"])
        walk.submitted[where] = str((await hub.entry(where, "submitted"))["id"])
    walk.returnable = str((await hub.entry("own", "submitted"))["id"])
    walk.listed = str((await hub.entry("own", "submitted"))["id"])
    walk.retirable = str((await hub.entry("own"))["id"])
    for where in REGIONS:
        await _known_to_centre(walk, walk.published[where], where)
        walk.batches[where] = await _pushed(walk, where)
        walk.consents[where] = await _consent(walk, where)
        walk.clients[where] = await _client(walk, where)
        walk.channels[where] = await _channel(walk, where)
        notice = await walk.gateway.post(f"/api/catalog/entries/{walk.published[where]}/change-notices",
                                         json={"reason": "职责调整"}, headers=hub.reviewer)  # fmt: skip
        assert notice.status_code == 201, notice.text
        # A security event of the region: its agency's system knocks on the administration (A28.1).
        denied = await walk.gateway.get("/admin/clients", headers=hub.agencies[where]["headers"])
        assert denied.status_code == 403, denied.text
    for where in REGIONS:
        walk.imports[where] = await _import_job(walk, where)
    started = await walk.gateway.post("/api/aggregation/backups", headers=hub.admin)
    assert started.status_code == 202, started.text
    walk.backup = started.json()["id"]
    walk.revocable_consent = await _consent(walk, "own")
    walk.revocable_client = await _client(walk, "own")
    await _known_to_centre(walk, walk.retirable, "own")

    async def directory_knows_the_city_agency() -> bool:
        url = f"/api/share/agencies/{walk.agency('city')}"
        return (await walk.gateway.get(url, headers=hub.reviewer)).status_code == 200

    await eventually(directory_knows_the_city_agency, within=30)


@pytest.fixture(scope="module")
async def walk(infra: Infra, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Walk]:
    backups = {"aggregation": {"HUB_BACKUP_DIR": str(tmp_path_factory.mktemp("backups"))}}
    async with regional_world(infra, keys, SERVICES, backups) as hub:
        walk = Walk(hub, {}, {}, {}, {}, {}, {}, {})
        # Started first, so that the gateway, share-svc and open-svc learn the applicants' agencies and entries
        # and the open entries from catalog.events while the rest is built.
        parties = [asyncio.create_task(_applicants(walk)), asyncio.create_task(_open_parties(walk))]
        try:
            await _build(walk)
            await asyncio.gather(*parties)
        finally:
            for task in parties:
                task.cancel()
        await asyncio.gather(_sharing(walk), _opening(walk))
        yield walk


def assert_refused(response: httpx.Response) -> None:
    """A refusal: 403 (outside the region, A4.1) or 404 (not visible there), as problem+json."""
    assert response.status_code in (403, 404), f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 403:
        assert response.json().get("requirement") == "A4.1", response.text


@pytest.mark.parametrize(("case", "role"), walk_params())
async def test_a_district_operator_acts_only_inside_its_district_A4_1(walk: Walk, case: Case, role: str) -> None:
    headers = walk.hub.district[role]
    if case.kind == REFUSED:
        for where in OTHERS:
            assert_refused(await case.call(walk, where, headers))
        if case.own_control:
            own = await case.call(walk, "own", headers)
            assert own.is_success, f"own district refused: {own.status_code} {own.text}"
    elif case.kind == CITY_ONLY:
        for where in (*OTHERS, "own"):
            assert_refused(await case.call(walk, where, headers))
    elif case.kind == FILTERED:
        assert case.check is not None
        await case.check(walk, await case.call(walk, "own", headers))
    else:
        response = await case.call(walk, "city", headers)
        assert response.status_code == 200, response.text
