"""Apps built by the one app factory, for the tests of what every service gets from it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from starlette.middleware import Middleware

from harness import migrations_of
from hub.internal_token import generate_keypair
from hub.mesh import load_mesh
from hub.service_app import ServiceSpec, create_service_app
from hub.settings import HubSettings

SERVICES = ("catalog", "share", "open", "aggregation", "supervision", "gateway")
# Nothing listens there: apps built for these tests are called without their lifespan, so they never connect.
NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"


@pytest.fixture(scope="session")
def internal_keys() -> tuple[str, str]:
    """An internal-token key pair: (private PEM, public PEM)."""
    return generate_keypair()


@pytest.fixture(scope="session")
def service_apps(internal_keys: tuple[str, str]) -> dict[str, FastAPI]:
    """Every service's real app by name, built as it runs but not started (no database, no Kafka)."""
    private_pem, public_pem = internal_keys
    apps = {}
    for name in SERVICES:
        package = load_mesh().service(name).package
        settings_cls = importlib.import_module(f"{package}.settings").Settings
        settings = settings_cls(
            database_url=NO_DATABASE,
            log_json=False,
            HUB_INTERNAL_TOKEN_PUBLIC_KEYS=[public_pem],
            HUB_INTERNAL_TOKEN_PRIVATE_KEY=private_pem if name == "gateway" else None,
        )
        apps[name] = importlib.import_module(f"{package}.app").create_app(settings)
    return apps


@pytest.fixture(scope="session")
def make_service_app() -> Callable[..., FastAPI]:
    """Builds an app of one small router with the shared factory: `make_service_app(router, database_url=...)`."""

    def make(
        router: APIRouter,
        *,
        database_url: str = NO_DATABASE,
        middleware: Sequence[Middleware] = (),
        tracer_provider: TracerProvider | None = None,
        **settings: Any,
    ) -> FastAPI:
        spec = ServiceSpec(
            title="tiny",
            description="A service of one router, to test what the app factory gives every service.",
            routers=[router],
            migrations=migrations_of("share"),
            require_internal_token=False,
            middleware=middleware,
        )
        hub_settings = HubSettings(service_name="tiny", database_url=database_url, log_json=False, **settings)
        return create_service_app(spec, hub_settings, tracer_provider)

    return make
