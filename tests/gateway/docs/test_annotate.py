"""The roles stated in a service's OpenAPI come from the policy table; routes the gateway does not serve are left
out (A12.1). Expected roles come from the README's "who may" table, not from the policy module."""

from __future__ import annotations

from typing import Any

from gateway.access.policy import Policy
from gateway.docs.annotate import annotate


def _document(*paths: str) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": {path: {"get": {"summary": path}, "post": {}} for path in paths}}


def test_a_service_document_states_the_roles_and_points_at_the_gateway() -> None:
    document = annotate(_document("/agencies"), "catalog", "catalog", Policy())

    assert document["servers"][0]["url"] == "/api/catalog"
    create = document["paths"]["/agencies"]["post"]
    assert create["x-hub-roles"] == ["administrator"]
    assert create["x-hub-scope"] == "region"
    assert create["description"].startswith("**Roles:** administrator — scope: region.")
    assert "inspector" in document["paths"]["/agencies"]["get"]["x-hub-roles"]


def test_a_services_probes_are_not_in_its_document_through_the_gateway() -> None:
    document = annotate(_document("/healthz", "/agencies"), "catalog", "catalog", Policy())

    assert "/healthz" not in document["paths"]
    assert list(document["paths"]["/agencies"]) == ["get", "post"]


def test_the_gateways_own_probes_are_stated_public() -> None:
    document = annotate(_document("/healthz"), "gateway", None, Policy())

    assert "servers" not in document
    assert document["paths"]["/healthz"]["get"]["x-hub-roles"] == []
    assert document["paths"]["/healthz"]["get"]["description"].startswith("**Public:**")


def test_the_input_document_is_left_unchanged() -> None:
    original = _document("/agencies")
    annotate(original, "catalog", "catalog", Policy())

    assert original == _document("/agencies")
