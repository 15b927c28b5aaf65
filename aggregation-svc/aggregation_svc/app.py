"""aggregation-svc: the big data centre (A15–A18, A25, A31, A32)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from aggregation_svc.backups.router import router as backups_router
from aggregation_svc.basedb.router import router as basedb_router
from aggregation_svc.changelog.relay import open_records_relay
from aggregation_svc.consent.router import router as consent_router
from aggregation_svc.consumers import handlers
from aggregation_svc.delivery.router import router as delivery_router
from aggregation_svc.entries.router import router as entries_router
from aggregation_svc.ingest.retention import quarantine_retention
from aggregation_svc.ingest.router import router as ingest_router
from aggregation_svc.jobs.router import router as jobs_router
from aggregation_svc.jobs.runner import job_runner
from aggregation_svc.metrics import SAMPLERS
from aggregation_svc.quality.router import router as quality_router
from aggregation_svc.quality.sweeper import quality_sweeper
from aggregation_svc.settings import Settings
from hub.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aggregation-svc",
    description="The big data centre (大数据中心): ingest, consent, delivery, quality, backups.",
    routers=[
        entries_router,
        ingest_router,
        consent_router,
        delivery_router,
        quality_router,
        basedb_router,
        backups_router,
        jobs_router,
    ],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    extra_lifespans=[quality_sweeper, quarantine_retention, job_runner, open_records_relay],
    samplers=SAMPLERS,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The aggregation-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
