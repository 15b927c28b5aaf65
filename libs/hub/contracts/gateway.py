"""Events on `gateway.audit`, published by the gateway: the exchange audit trail (A36.1) and its anchors."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from hub.events import Event


class GatewayAuditEvent(Event):
    topic: ClassVar[str] = "gateway.audit"


class AuditedExchange(BaseModel):
    """One request through the gateway, or one security event, as appended to the audit chain (A36.1)."""

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


class ExchangesAudited(GatewayAuditEvent):
    """Records of the audit chain, consecutive and in chain order, as they are published."""

    type: ClassVar[str] = "gateway.exchanges.audited"

    first_seq: int
    last_seq: int
    records: list[AuditedExchange]

    def aggregate_id(self) -> str:
        # One key for the whole chain keeps its events in chain order on one partition.
        return "audit-chain"

    @classmethod
    def of(cls, records: list[AuditedExchange]) -> ExchangesAudited:
        """The event publishing these records (at least one, in chain order)."""
        return cls(first_seq=records[0].seq, last_seq=records[-1].seq, records=records)


class AuditAnchored(GatewayAuditEvent):
    """The chain head at a moment; a verifier holding these detects a truncated or rewritten chain."""

    type: ClassVar[str] = "gateway.audit.anchored"

    seq: int
    hash: str
    anchored_at: datetime

    def aggregate_id(self) -> str:
        return "audit-chain"


class LegacyChannelStated(GatewayAuditEvent):
    """A legacy exchange channel of the register as it now stands (A12.1): registered, changed or closed.

    Published with every change of the register, in its transaction. `status` is the register's own value:
    `registered` and `integrating` channels remain to be integrated; `integrated` and `retired` ones are closed and
    no longer count as remaining."""

    type: ClassVar[str] = "gateway.legacy_channel.stated"

    channel_id: str
    agency_id: str
    region_code: str
    name: str
    status: str
    stated_at: datetime

    def aggregate_id(self) -> str:
        # One channel's statements stay in order on one partition.
        return self.channel_id
