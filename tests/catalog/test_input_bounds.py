"""Numbers and strings past what catalog-svc stores are a 422 naming the field, never a database error, and every
bound is stated in the OpenAPI (A28.1: bad input is refused at the edge, not a crash)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from catalog.regional import Regional, regional_world

from catalog_svc.app import create_app
from catalog_svc.settings import Settings
from harness import Infra, Keys, assert_problem

BIGINT_PAST = str(2**63)  # 9223372036854775808: one past PostgreSQL's bigint
HUGE = str(10**20)
# Fixed ids: test ids name them, and parallel workers must collect the same tests.
SOME_ENTRY = "5fd8aec3-409a-4c9f-999e-669f5520a1b7"


def catalog_openapi() -> dict[str, Any]:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", log_json=False)
    document: dict[str, Any] = create_app(settings).openapi()
    return document


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _bounded_pattern(pattern: str) -> bool:
    # A pattern with no open-ended repetition bounds the length by itself (e.g. ^\d{6}$).
    return re.search(r"[*+]|\{\d+,\}", pattern) is None


def unbounded(schema: dict[str, Any], components: dict[str, Any], where: str) -> Iterator[str]:
    """Every place in a request schema a client can send a number or a string of any size."""
    schema = _resolve(schema, components)
    for key in ("anyOf", "oneOf", "allOf"):
        for index, option in enumerate(schema.get(key, [])):
            yield from unbounded(option, components, f"{where}|{index}")
    kind = schema.get("type")
    if (kind == "integer" and ("maximum" not in schema or "minimum" not in schema)) or (
        kind == "string"
        and not (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in ("uuid", "date", "date-time")
            or _bounded_pattern(schema.get("pattern", "*"))
        )
    ):
        yield where
    elif kind == "array":
        if "maxItems" not in schema:
            yield where
        yield from unbounded(schema.get("items", {}), components, f"{where}[]")
    elif kind == "object":
        for name, child in schema.get("properties", {}).items():
            yield from unbounded(child, components, f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                yield where
            keys = {"type": "string", **schema.get("propertyNames", {})}  # JSON object keys are strings
            yield from unbounded(keys, components, f"{where}{{key}}")
            yield from unbounded(extra, components, f"{where}{{}}")


def test_every_number_and_string_a_client_sends_to_the_catalog_is_bounded_in_the_openapi_A28_1() -> None:
    document = catalog_openapi()
    components = document["components"]["schemas"]
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}.{parameter['name']}"
                found += unbounded(parameter["schema"], components, where)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found += unbounded(content["application/json"]["schema"], components, f"{method.upper()} {path} body")
    assert found == []


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[Regional]:
    async with regional_world(infra, keys) as running:
        yield running


AGENCY = {"credit_code": "11320200MB0000000P", "name": "某局", "kind": "administrative_organ",
          "region_code": "320200", "data_unit": "数据科", "responsible_person": "张三"}  # fmt: skip
DISTRICT = {"code": "320211", "name": "滨湖区", "level": "district"}
# (who calls, method, path, query, JSON body, the field the 422 names). "agency" is the city agency's system.
CASES: list[tuple[str, str, str, dict[str, str] | None, dict[str, Any] | None, str]] = [
    ("admin", "GET", "/agencies", {"offset": BIGINT_PAST}, None, "query.offset"),
    ("admin", "GET", "/agencies", {"offset": HUGE}, None, "query.offset"),
    ("admin", "GET", "/catalogue", {"offset": HUGE}, None, "query.offset"),
    ("admin", "GET", "/catalogue", {"limit": BIGINT_PAST}, None, "query.limit"),
    ("admin", "GET", "/catalogue", {"region": "3202000000000"}, None, "query.region"),
    ("admin", "GET", "/catalogue", {"state": "deleted"}, None, "query.state"),
    ("admin", "GET", f"/entries/{SOME_ENTRY}/versions/{BIGINT_PAST}/diff/1", None, None, "path.a"),
    ("admin", "GET", f"/entries/{SOME_ENTRY}/versions/1/diff/{HUGE}", None, None, "path.b"),
    ("admin", "GET", "/exports/catalogue", {"region": "all of them"}, None, "query.region"),
    ("admin", "GET", "/regions/3202001/compilation-rules", None, None, "path.region_code"),
    ("admin", "POST", "/regions", None, {**DISTRICT, "parent_code": "3" * 13}, "body.parent_code"),
    ("admin", "POST", "/agencies", None, {**AGENCY, "region_code": "3202000"}, "body.region_code"),
    ("admin", "POST", "/agencies", None, {**AGENCY, "credit_code": "9" * 33}, "body.credit_code"),
    ("agency", "POST", "/entries", None, {"tags": ["长" * 51]}, "body.tags.0"),
    ("agency", "POST", "/entries", None, {"related_codes": ["0" * 61]}, "body.related_codes.0"),
    ("agency", "POST", "/entries", None, {"item_sources": {"n" * 61: {"justification": "因为"}}}, "body.item_sources"),
    ("reviewer", "POST", f"/entries/{SOME_ENTRY}/return", None, {"reasons": ["理" * 1001]}, "body.reasons.0"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("who", "method", "path", "query", "body", "field"), CASES, ids=lambda v: str(v)[:40])
async def test_a_value_past_what_the_catalog_stores_is_a_422_naming_its_field_A28_1(
    world: Regional, who: str, method: str, path: str, query: dict[str, str] | None, body: dict[str, Any] | None,
    field: str,
) -> None:  # fmt: skip
    headers = {"admin": world.admin, "reviewer": world.reviewer, "agency": world.agencies["city"]["headers"]}[who]
    if path == "/entries":
        city = world.agencies["city"]
        body = {
            "code": "01-02/999999",
            "region_code": city["region_code"],
            "provider_agency_id": city["id"],
            **(body or {}),
        }
    response = await world.gateway.request(method, f"/api/catalog{path}", params=query, json=body, headers=headers)
    fields = [e["field"] for e in assert_problem(response, 422)["errors"]]
    assert any(f == field or f.startswith(f"{field}.") for f in fields), fields
