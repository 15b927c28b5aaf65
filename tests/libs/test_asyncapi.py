"""The published event schemas (docs/events/asyncapi.json) are exactly what the code publishes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from hub.contracts.asyncapi import event_models, render

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "events" / "asyncapi.json"


def test_the_committed_asyncapi_document_matches_the_event_models() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "regenerate it with `make docs-events`"


def test_every_catalog_event_the_issue_names_is_documented() -> None:
    types = {m.type for m in event_models()}
    assert {
        "catalog.agency.registered", "catalog.agency.changed", "catalog.entry.submitted", "catalog.entry.published",
        "catalog.entry.returned", "catalog.entry.changed", "catalog.entry.retired", "catalog.change_notice.opened",
        "catalog.change_notice.met", "catalog.change_notice.overdue",
    } <= types  # fmt: skip


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def _resolve(document: dict[str, Any], reference: str) -> Any:
    assert reference.startswith("#/"), f"{reference} points outside the document"
    node: Any = document
    for part in reference[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{reference} does not resolve"
        assert part in node, f"{reference} does not resolve: no {part!r}"
        node = node[part]
    return node


def test_every_reference_in_the_document_resolves() -> None:
    document = json.loads(render())
    references = _references(document)

    assert any(ref.startswith("#/components/schemas/") for ref in references)
    for reference in references:
        _resolve(document, reference)


def test_the_document_is_valid_against_the_official_asyncapi_3_schema() -> None:
    location = os.environ.get("HUB_TEST_ASYNCAPI_SCHEMA")
    if not location:
        pytest.fail("HUB_TEST_ASYNCAPI_SCHEMA is not set: `make test` fetches the schema (npm @asyncapi/specs)")
    validator = jsonschema_rs.validator_for(json.loads(Path(location).read_text(encoding="utf-8")))
    errors = [str(error) for error in validator.iter_errors(json.loads(render()))]

    assert errors == []


def test_a_dangling_reference_is_caught() -> None:
    document = json.loads(render())
    with pytest.raises(AssertionError):
        _resolve(document, "#/$defs/QuarantineCount")
