"""share-svc: the sharing platform between agencies (A19–A21)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from hub.service_app import ServiceSpec, create_service_app
from share_svc.consumers import handlers
from share_svc.directory.router import router as directory_router
from share_svc.settings import Settings

SPEC = ServiceSpec(
    title="share-svc",
    description="The sharing platform (数据共享): applications, reviews, disputes and grants between agencies.",
    routers=[directory_router],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The share-svc app."""
    return create_service_app(SPEC, settings or Settings(), tracer_provider)
