"""open-svc: the open-data platform for citizens and companies (A22–A27)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from hub.service_app import ServiceSpec, create_service_app
from open_svc.consumers import handlers
from open_svc.settings import Settings

SPEC = ServiceSpec(
    title="open-svc",
    description="The open-data platform (数据开放): open lists, applications, agreements, error reports, demand.",
    routers=[],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The open-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
