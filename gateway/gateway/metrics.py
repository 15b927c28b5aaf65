"""The gateway's sampled gauges for /metrics (hub.metrics_sampling): the audit writer's queue, records of answered
exchanges waiting for their commit (A36.1). Records queued while none commit is a stalled writer: requests wait
and then answer 503 (the `HubAuditWriterStalled` alert)."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.context import GatewayContext
from hub.metrics_sampling import Reading, SampledGauge, Sampler

AUDIT_PENDING = SampledGauge(
    "hub_audit_pending_records", "Audit records queued at the gateway and not committed to the chain yet (A36.1)."
)


async def sample_audit_queue(app: FastAPI) -> list[Reading]:
    """How many records the audit writer holds uncommitted (none before it starts)."""
    context: GatewayContext = app.state.gateway
    return [AUDIT_PENDING.reading(context.audit.pending if context.audit is not None else 0)]


SAMPLERS: tuple[Sampler, ...] = (Sampler("audit-queue", sample_audit_queue),)
