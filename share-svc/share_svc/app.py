"""share-svc: the sharing platform between agencies (A19–A21)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from hub.service_app import ServiceSpec, create_service_app
from share_svc.applications.deadlines import review_deadlines
from share_svc.applications.router import router as applications_router
from share_svc.consumers import handlers
from share_svc.directory.router import router as directory_router
from share_svc.disputes.router import router as disputes_router
from share_svc.grants.router import router as grants_router
from share_svc.indicators.router import router as indicators_router
from share_svc.metrics import SAMPLERS
from share_svc.settings import Settings

SPEC = ServiceSpec(
    title="share-svc",
    description="The sharing platform (数据共享): applications, reviews, disputes and grants between agencies.",
    routers=[directory_router, applications_router, grants_router, disputes_router, indicators_router],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    extra_lifespans=[review_deadlines],
    samplers=SAMPLERS,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The share-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
