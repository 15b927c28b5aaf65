"""open-svc: the open-data platform for citizens and companies (A22–A27)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from hub.contracts.open_records import TOPIC as OPEN_RECORDS_TOPIC
from hub.service_app import ServiceSpec, create_service_app
from open_svc.agreements.router import router as agreements_router
from open_svc.applications.deadlines import application_deadlines
from open_svc.applications.router import router as applications_router
from open_svc.ckan.router import router as ckan_router
from open_svc.consumers import handlers
from open_svc.datasets.counters import keep_counters
from open_svc.datasets.router import router as datasets_router
from open_svc.dcat.router import router as dcat_router
from open_svc.demands.router import router as demands_router
from open_svc.downloads.router import router as downloads_router
from open_svc.feedback.router import router as feedback_router
from open_svc.keys.router import router as keys_router
from open_svc.metrics import SAMPLERS
from open_svc.openlists.router import router as openlists_router
from open_svc.portal.router import router as portal_router
from open_svc.quality.router import router as quality_router
from open_svc.quality.scores import quality_scores
from open_svc.replica.service import replica_follower
from open_svc.settings import Settings

SPEC = ServiceSpec(
    title="open-svc",
    description="The open-data platform (数据开放): open lists, applications, agreements, error reports, demand.",
    routers=[
        applications_router,
        agreements_router,
        keys_router,
        feedback_router,
        demands_router,
        datasets_router,
        downloads_router,
        openlists_router,
        quality_router,
        ckan_router,
        dcat_router,
        portal_router,
    ],
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    extra_lifespans=[replica_follower, application_deadlines, keep_counters, quality_scores],
    samplers=SAMPLERS,
)


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The open-svc app."""
    app = create_service_app(SPEC, settings or Settings(), tracer_provider)
    # Followed by the replica's own follower, not the event consumer (services/mesh.toml declares both).
    app.state.changelog_topics = [OPEN_RECORDS_TOPIC]
    return app
