"""The one vocabulary (hub.contracts.vocabulary): the Measures' values, typed in the events every consumer parses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hub.contracts.catalog import AgencyRegistered, EntryPublished
from hub.contracts.vocabulary import OpenType, Secrecy, ShareType


def test_three_share_types_A19_1() -> None:
    assert {str(t) for t in ShareType} == {"unconditional", "conditional", "not_shared"}


def test_three_open_types_and_a_secret_class_A22_1_A38_1() -> None:
    assert {str(t) for t in OpenType} == {"unconditional", "conditional", "not_open"}
    assert "secret" in {str(s) for s in Secrecy}


def _published(**changes: Any) -> dict[str, Any]:
    return {
        "entry_id": str(uuid.uuid4()), "code": "320200-GA-0001", "version": 1, "region_code": "320200",
        "provider_agency_id": str(uuid.uuid4()), "name": "户籍人口", "summary": "s", "category": "base",
        "base_database": "population", "share_type": "conditional", "share_conditions": "c", "share_method": "api",
        "open_type": "not_open", "open_conditions": None, "update_cycle": "daily", "secrecy": "internal",
        "consent_required": False, "published_at": datetime.now(UTC).isoformat(),
        "items": [{"name": "id", "label": "编号", "data_type": "string", "key": True}],
    } | changes  # fmt: skip


def test_a_published_entry_carries_typed_values() -> None:
    event = EntryPublished.model_validate(_published())

    assert event.share_type is ShareType.conditional
    assert event.open_type is OpenType.not_open
    assert event.items[0].data_type == "string"


@pytest.mark.parametrize(
    "changes",
    [
        {"share_type": "shared_sometimes"},
        {"open_type": "open"},
        {"secrecy": "top"},
        {"update_cycle": "hourly"},
        {"category": "misc"},
        {"items": [{"name": "id", "label": "编号", "data_type": "blob"}]},
    ],
)
def test_a_value_outside_the_vocabulary_cannot_pass_as_a_string(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        EntryPublished.model_validate(_published(**changes))


def test_an_agency_of_an_unknown_kind_is_refused_A2_1() -> None:
    with pytest.raises(ValidationError):
        AgencyRegistered.model_validate(
            {"agency_id": str(uuid.uuid4()), "credit_code": "x", "name": "n", "kind": "club", "region_code": "320200"}
        )
