"""supervision-svc: the indicator system (A32.1), per agency and per region, kept per period."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from hub.service_app import ServiceSpec, create_service_app
from supervision_svc.consumers import handlers
from supervision_svc.indicators.figures import period_keeping
from supervision_svc.indicators.router import router as indicators_router
from supervision_svc.settings import Settings

SPEC = ServiceSpec(
    title="supervision-svc",
    description="The indicator system (指标体系): every service's events assembled per agency and per region, "
    "kept per quarter, over the API and as CSV/XLSX.",
    routers=[indicators_router],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    extra_lifespans=[period_keeping],
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The supervision-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
