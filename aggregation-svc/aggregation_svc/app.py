"""aggregation-svc: the big data centre (A15–A18, A25, A31, A32)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from aggregation_svc.settings import Settings
from hub.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aggregation-svc",
    description="The big data centre (大数据中心): ingest, consent, quality, backups.",
    routers=[],
    migrations=Path(__file__).parent / "migrations",
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The aggregation-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
