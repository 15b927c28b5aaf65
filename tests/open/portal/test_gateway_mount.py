"""Where citizens reach the portal: the gateway's /open/… is open-svc's /portal/…, authorised by the one access table
like every other route (A12.1, A24.1). Without a server."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from gateway.access.guard import resolve_route
from gateway.access.policy import Policy
from gateway.context import GatewayContext
from gateway.routing.paths import mounted_target, public_header
from gateway.routing.upstreams import Upstream
from hub.errors import InvalidInput, NotFound

OPEN = Upstream(name="open", prefix="open", base_url="http://10.1.2.3:8103")
PORTAL = Upstream(name="open", prefix="open", base_url="http://10.1.2.3:8103/portal", routes="/portal", public="/open")


def context() -> GatewayContext:
    return cast(GatewayContext, SimpleNamespace(upstreams={"open": OPEN}, mounts={"open": PORTAL}))


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/open/", ("open", "/portal/")),
        ("/open", ("open", "/portal/")),  # answered by a redirect to /open/
        ("/open/datasets/6f1c1b3e", ("open", "/portal/datasets/6f1c1b3e")),
        ("/open/static/portal.css", ("open", "/portal/static/portal.css")),
        ("/api/open/datasets", ("open", "/datasets")),
        ("/", ("gateway", "/")),
        ("/portal/accounts", ("gateway", "/portal/accounts")),  # the gateway's own sign-up, not a mount
        ("/opener/x", ("gateway", "/opener/x")),
    ],
)
def test_a_path_under_the_mount_is_the_services_route_below_it_A12_1(path: str, route: tuple[str, str]) -> None:
    assert resolve_route(context(), path) == route


def test_every_page_of_the_portal_is_a_get_for_anyone_and_nothing_else_A24_1() -> None:
    policy = Policy()
    for page in ("/portal/", "/portal/datasets", "/portal/datasets/1", "/portal/datasets/1/apply", "/portal/signin"):
        assert policy.methods_for("open", page) == {"GET", "HEAD"}
    assert policy.match("open", "GET", "/portal/admin") is None
    assert policy.match("open", "GET", "/portal/static/a/b") is None


@pytest.mark.parametrize(
    ("sent", "query", "forwarded"),
    [
        (b"/open/", b"", "/"),
        (b"/open/datasets", b"q=%E7%AB%99%E7%82%B9&page=2", "/datasets?q=%E7%AB%99%E7%82%B9&page=2"),
        (b"/op%65n/datasets/a%2Fb", b"", "/datasets/a%2Fb"),
    ],
)
def test_the_mounted_path_goes_on_as_the_client_encoded_it_A12_1(sent: bytes, query: bytes, forwarded: str) -> None:
    assert mounted_target(sent, query, "open") == forwarded


@pytest.mark.parametrize(
    ("sent", "refusal"),
    [
        (b"/open%2Fdatasets", NotFound),  # the mount named only through an escaped "/"
        (b"/other/datasets", NotFound),
        (b"/open/%2E%2E/admin", InvalidInput),  # a dot segment would reach another route than the one authorised
        (b"/open/datasets%00", InvalidInput),
    ],
)
def test_a_path_the_mount_cannot_take_is_refused_A28_1(sent: bytes, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        mounted_target(sent, b"", "open")


def test_a_reference_in_the_portals_answer_names_the_mount_never_the_service_A12_1() -> None:
    headers: dict[str, Any] = {
        "location": "/portal/datasets",
        "content-location": "http://10.1.2.3:8103/portal/signin",
    }
    assert {name: public_header(name, value, PORTAL) for name, value in headers.items()} == {
        "location": "/open/datasets",
        "content-location": "/open/signin",
    }
