"""Every number, string and list a client sends to the routes of applications, agreements, data keys, reports and
demands has a bound in open-svc's OpenAPI, so what the fuzz tests and hostile clients send past it is a 422 naming
the field, never a database error (A28.1). The walk over a schema is catalog's (tests/catalog/test_input_bounds)."""

from __future__ import annotations

from typing import Any

from catalog.test_input_bounds import unbounded

from open_svc.app import create_app
from open_svc.settings import Settings

PREFIXES = ("/applications", "/agreements", "/keys", "/access", "/feedback", "/demands")


def open_openapi() -> dict[str, Any]:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", log_json=False)
    document: dict[str, Any] = create_app(settings).openapi()
    return document


def test_every_number_string_and_list_sent_to_the_access_routes_is_bounded_in_the_openapi_A28_1() -> None:
    document = open_openapi()
    components = document["components"]["schemas"]
    found: list[str] = []
    walked = 0
    for path, operations in document["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, operation in operations.items():
            walked += 1
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}.{parameter['name']}"
                found += unbounded(parameter["schema"], components, where)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found += unbounded(content["application/json"]["schema"], components, f"{method.upper()} {path} body")
    assert walked == 26  # the routes of the five domains: the open-access block of the gateway policy
    assert found == []
