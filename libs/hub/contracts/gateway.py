"""Events on `gateway.audit`, published by the gateway: the exchange audit trail (A36.1) and its anchors."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from hub.events import Event


class GatewayAuditEvent(Event):
    topic: ClassVar[str] = "gateway.audit"


class ExchangeAudited(GatewayAuditEvent):
    """One request through the gateway, or one security event, as appended to the audit chain."""

    type: ClassVar[str] = "gateway.exchange.audited"

    seq: int
    kind: str
    event: str
    caller: str
    caller_kind: str
    agency_id: str | None
    method: str
    route: str
    service: str
    entry: str | None
    items: str | None
    row_count: int | None
    purpose: str | None
    grant_id: str | None
    status: int
    request_in: datetime
    response_out: datetime
    trace_id: str | None
    hash: str

    def aggregate_id(self) -> str:
        # One key for the whole chain keeps its events in chain order on one partition.
        return "audit-chain"

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ExchangeAudited:
        return cls.model_validate({name: record.get(name) for name in cls.model_fields})


class AuditAnchored(GatewayAuditEvent):
    """The chain head at a moment; a verifier holding these detects a truncated or rewritten chain."""

    type: ClassVar[str] = "gateway.audit.anchored"

    seq: int
    hash: str
    anchored_at: datetime

    def aggregate_id(self) -> str:
        return "audit-chain"
