"""services/mesh.toml tells the truth: each service subscribes to exactly the topics it declares it consumes."""

from __future__ import annotations

import importlib

import pytest

from hub.consumer import EventHandlers
from hub.internal_token import generate_keypair
from hub.mesh import load_mesh

SERVICES = sorted(load_mesh().services)


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_consumes_exactly_the_topics_it_declares(name: str) -> None:
    declared = load_mesh().service(name)
    package = declared.package
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    extra = {"HUB_INTERNAL_TOKEN_PRIVATE_KEY": generate_keypair()[0]} if name == "gateway" else {}
    settings = settings_cls(database_url="postgresql://nobody@127.0.0.1:1/none", log_json=False, **extra)
    app = importlib.import_module(f"{package}.app").create_app(settings)

    handlers: EventHandlers | None = app.state.event_handlers
    subscribed = set(handlers.topics) if handlers else set()
    # Compacted state topics a service follows outside its event consumer (open-svc's replica of open data).
    subscribed |= set(getattr(app.state, "changelog_topics", ()))
    assert subscribed == set(declared.consumes)


def test_every_consumed_topic_has_a_producer_or_is_the_ingest_topic() -> None:
    mesh = load_mesh()
    published = {topic for service in mesh.services.values() for topic in service.publishes}
    consumed = {topic for service in mesh.services.values() for topic in service.consumes}

    # aggregation.ingest is written by the agencies' ingest jobs, outside the mesh (A17.1).
    assert consumed - published == {"aggregation.ingest"}


def test_one_centre_one_sharing_platform_one_open_platform_each_behind_the_one_gateway_A11_1() -> None:
    mesh = load_mesh()
    # Written from A11.1: the big data centre, the sharing platform and the open platform, one service each, and the
    # catalogue, all reached under the gateway's /api/<prefix>/; the gateway itself is reached directly. The indicator
    # system (A32.1) is one more service behind it, platform to none.
    expected = {"aggregation": "aggregation", "share": "share", "open": "open", "catalog": "catalog",
                "supervision": "supervision"}  # fmt: skip
    assert {name: s.prefix for name, s in mesh.services.items() if name != "gateway"} == expected
    assert mesh.services["gateway"].prefix is None
    assert {s.package for s in mesh.services.values()} == {
        "aggregation_svc", "share_svc", "open_svc", "catalog_svc", "supervision_svc", "gateway",
    }  # fmt: skip
