"""What of the gateway's audited exchanges the indicators count, as pure functions (A12.1, A28.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.contracts.gateway import AuditedExchange
from supervision_svc.audit.rules import Volume, exchange_volumes, security_events

WUXI = ZoneInfo("Asia/Shanghai")
AGENCY, ENTRY = uuid.UUID(int=1), uuid.UUID(int=2)
# 23:30 UTC on 6 July is 07:30 on 7 July in Wuxi: the local day counts.
LATE = datetime(2026, 7, 6, 23, 30, tzinfo=UTC)


def record(**fields: Any) -> AuditedExchange:
    base: dict[str, Any] = {
        "seq": 1, "kind": "exchange", "event": "exchange", "caller": "minzheng-system", "caller_kind": "agency_system",
        "agency_id": str(AGENCY), "method": "GET", "route": "/entries/{entry_id}/records", "service": "aggregation",
        "entry": str(ENTRY), "items": "full_name", "row_count": 40, "purpose": "低保资格审核", "grant_id": "g",
        "status": 200, "request_in": LATE, "response_out": LATE, "trace_id": None, "hash": "0" * 64,
    }  # fmt: skip
    return AuditedExchange.model_validate(base | fields)


def test_successful_requests_for_an_entrys_data_by_an_agency_are_summed_per_local_day_A12_1() -> None:
    records = [record(), record(row_count=None), record(status=206, row_count=5),
               # Not an exchange of data: refused, no entry, no agency, a security event, a malformed entry.
               record(status=403), record(entry=None), record(agency_id=None), record(kind="security"),
               record(entry="not-an-id")]  # fmt: skip
    assert exchange_volumes(records, WUXI) == {(date(2026, 7, 7), AGENCY, ENTRY): Volume(3, 45)}


def test_security_events_of_an_agencys_callers_are_counted_per_local_day_A28_1() -> None:
    records = [record(kind="security", event="access.denied", status=403),
               record(kind="security", event="auth.failed", status=401),
               record(kind="security", event="rate.limited", status=429, request_in=LATE.replace(day=8)),
               # An anonymous caller's event names no agency (nor region): no agency's figure holds it.
               record(kind="security", event="auth.failed", status=401, agency_id=None), record()]  # fmt: skip
    assert security_events(records, WUXI) == {(date(2026, 7, 7), AGENCY): 2, (date(2026, 7, 9), AGENCY): 1}
