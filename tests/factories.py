"""Valid objects in one line; a test states only what matters to it."""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.contracts.catalog import AgencyRegistered, EntryPublished
from hub.identifiers import CREDIT_CODE_CHARSET, credit_code_check_character


def credit_code(rng: random.Random | None = None) -> str:
    """A random unified social credit code with a correct GB 32100 check character."""
    rng = rng or random.Random()
    first17 = (
        rng.choice(["11", "12", "51", "52", "91"])
        + "".join(rng.choices(string.digits, k=6))
        + "".join(rng.choices(CREDIT_CODE_CHARSET, k=9))
    )
    return first17 + credit_code_check_character(first17)


def agency_body(**overrides: Any) -> dict[str, Any]:
    """The JSON body of an agency registration."""
    return {
        "credit_code": credit_code(),
        "name": "无锡市公安局",
        "kind": "administrative_organ",
        "region_code": "320200",
        "data_unit": "无锡市公安局大数据科",
        "responsible_person": "张三",
        **overrides,
    }


def agency_registered(**overrides: Any) -> AgencyRegistered:
    """A catalog.agency.registered event of a new agency."""
    fields = {"agency_id": uuid.uuid4(), "credit_code": credit_code(), "name": "无锡市公安局",
              "kind": "administrative_organ", "region_code": "320200", **overrides}  # fmt: skip
    return AgencyRegistered.model_validate(fields)


def entry_published(**overrides: Any) -> EntryPublished:
    """A catalog.entry.published event: version 1 of a new, unconditionally shared, not open entry."""
    fields = {
        "entry_id": uuid.uuid4(), "code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "version": 1,
        "region_code": "320200", "provider_agency_id": uuid.uuid4(), "name": "常住人口基本信息",
        "summary": "全市常住人口的基本信息。", "category": "base", "base_database": "population",
        "share_type": "unconditional", "share_conditions": None, "share_method": "api", "open_type": "not_open",
        "open_conditions": None, "update_cycle": "daily", "secrecy": "internal", "consent_required": False,
        "items": [{"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18,
                   "required": True, "key": True, "sensitivity": "highly_sensitive"}],
        "published_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC), **overrides,
    }  # fmt: skip
    return EntryPublished.model_validate(fields)


def audit_fields(n: int, at: datetime = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)) -> dict[str, Any]:
    """What the gateway's guard appends for request n, received at `at` and answered a second later: every field
    of an audit record but seq, prev_hash and hash."""
    return {
        "kind": "exchange", "event": "exchange", "caller": f"client-{n}", "caller_kind": "agency_system",
        "roles": "agency_system", "agency_id": None, "region_code": "320200", "client_ip": "127.0.0.1",
        "method": "GET", "route": "/agencies/{agency_id}", "path": f"/api/catalog/agencies/{n}", "service": "catalog",
        "entry": None, "items": None, "row_count": None, "purpose": "统计分析", "grant_id": None, "status": 200,
        "request_bytes": 0, "response_bytes": n, "request_in": at, "request_out": at, "response_in": at,
        "response_out": at + timedelta(seconds=1), "trace_id": None, "detail": None,
    }  # fmt: skip
