"""The published event schemas (docs/events/asyncapi.json) are exactly what the code publishes."""

from __future__ import annotations

from pathlib import Path

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
