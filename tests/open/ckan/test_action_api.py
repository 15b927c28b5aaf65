"""The CKAN-compatible Action API through the gateway, called by the real `ckanapi` client (RemoteCKAN, from PyPI) and
over plain HTTP: the open catalogue as CKAN's actions answer it, CKAN's envelope and error kinds mapped by ckanapi
to its exceptions, and nothing that is not open data in any answer (A22.1, A24.1, A38.1).

Expected shapes are CKAN's (ckan/views/api.py, ckan/logic/action/get.py); expected values are the world's
(tests/open/interop.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import ckanapi  # type: ignore[import-untyped]
import httpx
import pytest
from ckanapi.errors import CKANAPIError, SearchError, SearchQueryError  # type: ignore[import-untyped]
from open.interop import ITEMS, SITE, World

pytestmark = pytest.mark.integration

LABELS = [item["label"] for item in ITEMS]
JSON = "application/json;charset=utf-8"


class VersionedCKAN(ckanapi.RemoteCKAN):  # type: ignore[misc]
    """RemoteCKAN calling `<site>/api/3/action/<name>`, the versioned path other CKAN clients use."""

    base_url = "api/3/action/"


async def call(
    world: World, action: str, get_only: bool = False, client: type = ckanapi.RemoteCKAN, **data: Any
) -> Any:
    """An action called by ckanapi (synchronous: in a worker thread, the hub answering on the test's loop)."""

    def run() -> Any:
        with client(world.gateway_url, get_only=get_only) as ckan:
            return ckan.call_action(action, data)

    return await asyncio.to_thread(run)


async def test_ckanapi_lists_and_shows_open_datasets_only_A22_1_A38_1(world: World) -> None:
    open_ids = sorted(world.id(label) for label in ("water_quality", "permits", "stations"))
    assert await call(world, "package_list") == open_ids
    assert await call(world, "package_list", limit=2, offset=1) == open_ids[1:]

    shown = await call(world, "package_show", id=world.id("water_quality"))
    assert (shown["title"], shown["notes"]) == ("城市供水水质监测数据", "全市各水厂出厂水的水质监测结果。")
    assert (shown["organization"]["title"], shown["owner_org"]) == ("无锡市水利局", str(world.water.agency_id))
    assert shown["metadata_modified"] == "2026-01-05T08:00:00.000000"
    assert [t["name"] for t in shown["tags"]] == LABELS
    assert [g["name"] for g in shown["groups"]] == ["envi"]
    assert [r["format"] for r in shown["resources"]] == ["CSV", "JSON", "XLSX", "API"]
    assert shown["resources"][0]["url"] == f"{SITE}/api/open/datasets/{world.id('water_quality')}/download?format=csv"
    assert (shown["license_title"], shown["isopen"], shown["private"]) == ("公共数据开放许可协议", True, False)
    assert {e["key"]: e["value"] for e in shown["extras"]}["identifier"] == world.entries["water_quality"].code

    # Open on conditions: only the records API, read with a data key (A24.2).
    conditional = await call(world, "package_show", id=world.id("permits"))
    assert [(r["format"], r["url"]) for r in conditional["resources"]] == [
        ("API", f"{SITE}/api/open/access/{world.id('permits')}/records")
    ]
    assert conditional["isopen"] is False

    for hidden in ("closed", "secret", "retired"):
        with pytest.raises(ckanapi.NotFound):
            await call(world, "package_show", id=world.id(hidden))


async def test_package_search_counts_pages_sorts_and_facets_over_open_datasets_only_A24_1(world: World) -> None:
    # 水质 is in the names of three entries that are not open (not open, secret, retired): none is found.
    facets: dict[str, Any] = {"facet.field": ["organization", "groups", "tags", "res_format", "license_id"]}
    found = await call(world, "package_search", q="水质", rows=10, **facets)
    assert found["count"] == 2
    assert {r["id"] for r in found["results"]} == {world.id("water_quality"), world.id("stations")}
    water = str(world.water.agency_id)
    assert found["facets"]["organization"] == {water: 2}
    assert found["search_facets"]["organization"] == {
        "title": "organization",
        "items": [{"name": water, "display_name": "无锡市水利局", "count": 2}],
    }
    assert found["facets"]["groups"] == {"envi": 1, "gove": 1}
    assert found["facets"]["tags"] == dict.fromkeys(LABELS, 2)
    assert found["facets"]["res_format"] == {"CSV": 2, "JSON": 2, "XLSX": 2, "API": 2}
    assert found["facets"]["license_id"] == {"open-licence": 2}
    # CKAN orders search_facets items by display name, last first.
    names = [i["display_name"] for i in found["search_facets"]["tags"]["items"]]
    assert names == sorted(LABELS, reverse=True)

    newest_first = await call(world, "package_search", sort="metadata_modified desc", rows=2, start=1)
    assert newest_first["count"] == 3
    assert [r["id"] for r in newest_first["results"]] == [world.id("water_quality"), world.id("stations")]
    assert newest_first["sort"] == "metadata_modified desc"

    police = await call(world, "package_search", fq=f"organization:{world.police.agency_id}")
    assert [r["id"] for r in police["results"]] == [world.id("permits")]
    by_format = await call(world, "package_search", fq="res_format:CSV -groups:gove")
    assert [r["id"] for r in by_format["results"]] == [world.id("water_quality")]


async def test_a_harvester_pages_through_the_datasets_modified_since_its_last_run(world: World) -> None:
    since = "metadata_modified:[2026-01-01T00:00:00Z TO *]"
    harvested, start = [], 0
    while page := (await call(world, "package_search", fq=since, rows=1, start=start, sort="id asc"))["results"]:
        assert len(page) == 1
        harvested.append(page[0]["id"])
        start += 1
    assert harvested == sorted([world.id("water_quality"), world.id("permits")])
    # The same by GET, at /api/3/action/, with CKAN's naive UTC time as a harvester stores it.
    by_get = await call(world, "package_search", get_only=True, client=VersionedCKAN,
                        fq="metadata_modified:{2026-01-05T08:00:00.000000 TO *]", rows=10)  # fmt: skip
    assert [r["id"] for r in by_get["results"]] == [world.id("permits")]


async def test_ckanapi_maps_ckans_errors_to_its_exceptions(world: World) -> None:
    with pytest.raises(ckanapi.ValidationError) as missing:
        await call(world, "package_show")
    assert missing.value.error_dict == {"name_or_id": ["Missing value"], "__type": "Validation Error"}
    with pytest.raises(ckanapi.ValidationError) as rows:
        await call(world, "package_search", rows="many")
    assert rows.value.error_dict == {"rows": ["Invalid integer"], "__type": "Validation Error"}
    with pytest.raises(SearchError):
        await call(world, "package_search", fq="no_such_field:x")
    with pytest.raises(SearchQueryError):
        await call(world, "package_search", sort="title sideways")
    with pytest.raises(ckanapi.NotFound):
        await call(world, "resource_show", id=f"{world.id('closed')}-csv")
    with pytest.raises(ckanapi.NotAuthorized):
        await call(world, "datastore_search", resource_id=f"{world.id('permits')}-api")
    with pytest.raises(CKANAPIError):  # CKAN's bad request: no envelope to map
        await call(world, "package_create", name="x")


async def test_errors_are_ckans_envelope_with_ckans_status_codes(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.gateway_url) as client:
        missing = await client.get("/api/3/action/package_show", params={"id": world.id("secret")})
        assert (missing.status_code, missing.headers["content-type"]) == (404, JSON)
        assert missing.json() == {
            "help": f"{SITE}/api/3/action/help_show?name=package_show",
            "success": False,
            "error": {"__type": "Not Found Error", "message": "Not found"},
        }
        invalid = await client.post("/api/3/action/package_search", json={"start": -1})
        assert invalid.status_code == 409
        assert invalid.json()["error"] == {"__type": "Validation Error", "start": ["Must be a natural number"]}
        unknown = await client.post("/api/3/action/package_delete", json={})
        assert (unknown.status_code, unknown.json()) == (400, "Bad request: Action name not known: package_delete")
        not_an_object = await client.post("/api/3/action/package_list", content=b"[1]",
                                          headers={"content-type": "application/json"})  # fmt: skip
        assert not_an_object.status_code == 400
        assert not_an_object.json().startswith("Bad request: JSON Error")
        bad_sort = await client.get("/api/3/action/package_search", params={"sort": "name up"})
        assert (bad_sort.status_code, bad_sort.json()["error"]["__type"]) == (400, "Search Query Error")
        ok = await client.get("/api/3/action/package_list")
        assert (ok.status_code, ok.headers["content-type"]) == (200, JSON)
        assert ok.json()["success"] is True
        help_text = await client.get("/api/3/action/help_show", params={"name": "package_show"})
        assert help_text.json()["result"].startswith("Return the metadata of a dataset")


async def test_organizations_groups_tags_resources_and_status_A23_1(world: World) -> None:
    police, water = str(world.police.agency_id), str(world.water.agency_id)
    assert set(await call(world, "organization_list")) == {police, water}
    listed = await call(world, "organization_list", all_fields=True, sort="package_count")
    assert [(o["name"], o["title"], o["package_count"]) for o in listed] == [
        (water, "无锡市水利局", 2), (police, "无锡市公安局", 1)
    ]  # fmt: skip
    shown = await call(world, "organization_show", id=water, include_datasets=True)
    assert (shown["package_count"], len(shown["packages"])) == (2, 2)
    with pytest.raises(ckanapi.NotFound):  # its only entry is not open
        await call(world, "organization_show", id=str(world.closed_only.agency_id))

    assert await call(world, "group_list", sort="name asc") == ["envi", "gove"]
    groups = await call(world, "group_list", all_fields=True, sort="name")
    expected = [("envi", "环境", 1), ("gove", "政府和公共部门", 2)]
    assert [(g["name"], g["title"], g["package_count"]) for g in groups] == expected
    assert await call(world, "tag_list") == sorted(LABELS)
    assert await call(world, "tag_list", query="采样") == ["采样日期"]

    resource = await call(world, "resource_show", id=f"{world.id('stations')}-json")
    assert (resource["format"], resource["package_id"]) == ("JSON", world.id("stations"))
    assert resource["url"] == f"{SITE}/api/open/datasets/{world.id('stations')}/download?format=json"
    status = await call(world, "status_show")
    assert (status["site_url"], status["site_title"]) == (SITE, "公共数据开放目录")


async def test_datastore_search_reads_the_replica_projected_on_the_declared_items_A24_1(world: World) -> None:
    resource = f"{world.id('water_quality')}-csv"
    first = await call(world, "datastore_search", resource_id=resource, limit=2)
    assert first["total"] == 5
    assert [f["id"] for f in first["fields"]] == ["_id", *(item["name"] for item in ITEMS)]
    # The centre's undeclared item is not opened.
    assert first["records"] == [
        {"_id": 1, "station": "S000", "district": "滨湖区", "ph": 7.0, "sampled_on": "2026-01-01"},
        {"_id": 2, "station": "S001", "district": "梁溪区", "ph": 7.1, "sampled_on": "2026-01-02"},
    ]
    assert first["_links"]["next"].endswith(f"offset=2&resource_id={resource}")
    filtered = await call(world, "datastore_search", resource_id=resource, filters={"district": "梁溪区"},
                          sort="ph desc", fields=["station"])  # fmt: skip
    assert (filtered["total"], filtered["records"]) == (
        2,
        [{"_id": 1, "station": "S003"}, {"_id": 2, "station": "S001"}],
    )
    worded = await call(world, "datastore_search", resource_id=resource, q="滨湖", offset=1, limit=1)
    assert (worded["total"], [r["station"] for r in worded["records"]]) == (3, ["S002"])
    with pytest.raises(ckanapi.ValidationError):
        await call(world, "datastore_search", resource_id=resource, filters={"internal_note": "内部备注"})
    for hidden in ("closed", "secret"):
        with pytest.raises(ckanapi.NotFound):
            await call(world, "datastore_search", resource_id=f"{world.id(hidden)}-csv")


@pytest.mark.parametrize(
    ("action", "body", "status"),
    [
        ("package_search", {"q": "水\u0000质"}, 422),  # no NUL reaches PostgreSQL (hub.input_edge)
        ("package_search", {"fq": "tags:\ud800"}, 422),  # nor an unpaired surrogate
        ("datastore_search", {"resource_id": "x", "filters": {"a\u0000": 1}}, 422),
        ("package_search", {"rows": 10**20}, 409),
        ("package_search", {"start": 2**63}, 409),
        ("package_search", {"rows": 1e308}, 409),
        ("package_search", {"rows": 2.5}, 409),
        ("package_search", {"fq": "metadata_modified:[NOW-99999999999YEARS TO *]"}, 409),
        ("package_search", {"fq": "(" * 3000 + "tags:a" + ")" * 3000}, 409),
        ("package_search", {"facet.field": "[" * 3000}, 409),
        ("package_search", {"fq_list": ["tags:a", 7]}, 409),
        ("package_search", {"unknown": 1}, 400),
        ("organization_list", {"limit": -1}, 409),
        ("organization_list", {"sort": "title asc extra"}, 409),
        ("group_list", {"groups": [1, 2]}, 409),
        ("tag_list", {"query": ["a"]}, 409),
        ("package_show", {"id": ["a", "b"]}, 404),
        ("resource_show", {"id": "x" * 5000}, 404),
        ("datastore_search", {"resource_id": "a-b-c"}, 404),
        ("datastore_search", {"resource_id": 12}, 404),
        ("help_show", {"name": "package_delete"}, 404),
    ],
)
async def test_hostile_parameters_get_ckans_errors_or_a_problem_never_a_5xx_A28_1(
    world: World, action: str, body: dict[str, Any], status: int
) -> None:
    async with httpx.AsyncClient(base_url=world.gateway_url) as client:
        # As JSON escapes it: a client sends an unpaired surrogate as \ud800.
        sent = json.dumps(body).encode()
        answer = await client.post(
            f"/api/3/action/{action}", content=sent, headers={"content-type": "application/json"}
        )
    assert answer.status_code == status, answer.text
    if status == 422:
        assert answer.headers["content-type"].startswith("application/problem+json")
    else:
        assert answer.json()["success"] is False


async def test_hostile_datastore_parameters_are_refused_as_ckan_does_A28_1(world: World) -> None:
    resource = f"{world.id('water_quality')}-csv"
    for hostile in ({"limit": 10**20}, {"q": {"station": "S"}}, {"sort": "ph sideways"}, {"fields": "nope"},
                    {"filters": "[1]"}, {"records_format": "csv"}, {"include_total": "perhaps"}):  # fmt: skip
        async with httpx.AsyncClient(base_url=world.gateway_url) as client:
            answer = await client.post("/api/3/action/datastore_search", json={"resource_id": resource, **hostile})
        assert answer.status_code == 409, (hostile, answer.text)
        assert answer.json()["error"]["__type"] == "Validation Error"
