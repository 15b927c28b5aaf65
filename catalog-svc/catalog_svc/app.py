"""catalog-svc: the unified public data catalogue (A13–A15, A19, A22, A38) and the agency registry (A2.1)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from catalog_svc.agencies.router import router as agencies_router
from catalog_svc.deadlines.router import router as deadlines_router
from catalog_svc.deadlines.sweeper import overdue_sweeper
from catalog_svc.entries.router import router as entries_router
from catalog_svc.jobs.router import router as jobs_router
from catalog_svc.jobs.runner import job_runner
from catalog_svc.metrics import SAMPLERS
from catalog_svc.regions.router import router as regions_router
from catalog_svc.settings import Settings
from catalog_svc.sources.router import router as sources_router
from catalog_svc.transfer.router import router as transfer_router
from hub.service_app import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"

SPEC = ServiceSpec(
    title="catalog-svc",
    description="The unified public data catalogue (公共数据目录) and the agency registry.",
    routers=[
        regions_router,
        agencies_router,
        entries_router,
        sources_router,
        deadlines_router,
        transfer_router,
        jobs_router,
    ],
    migrations=MIGRATIONS,
    extra_lifespans=[overdue_sweeper, job_runner],
    samplers=SAMPLERS,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The catalog-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
