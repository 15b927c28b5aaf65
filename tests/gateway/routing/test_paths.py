"""The path a request goes on with and the references its answer may carry, without a server (A12.1, A28.1)."""

from __future__ import annotations

import pytest

from gateway.routing.paths import percent_encoded, public_header, raw_path, upstream_target
from gateway.routing.upstreams import Upstream
from hub.errors import InvalidInput, NotFound

CATALOG = Upstream(name="catalog", prefix="catalog", base_url="http://10.1.2.3:8101")


@pytest.mark.parametrize(
    ("sent", "forwarded"),
    [
        # RFC 3986 gen-delims stay escaped: an escaped "?" or "#" is part of the segment, never a query or fragment.
        (b"/api/catalog/agencies/%3Flimit=1", "/agencies/%3Flimit=1"),
        (b"/api/catalog/agencies/a%23b", "/agencies/a%23b"),
        (b"/api/catalog/agencies/a%2Fb", "/agencies/a%2Fb"),
        (b"/api/catalog/agencies/100%25", "/agencies/100%25"),
        (b"/api/catalog/agencies/a%20b", "/agencies/a%20b"),
        (b"/api/catalog/agencies/%E4%B8%AD", "/agencies/%E4%B8%AD"),
        # Bytes a URL may not hold raw are escaped, and a "%" that starts no escape is one itself.
        ("/api/catalog/agencies/中 x".encode(), "/agencies/%E4%B8%AD%20x"),
        (b"/api/catalog/agencies/%zz", "/agencies/%25zz"),
        (b"/api/catalog/agencies/a;b=c:d@e", "/agencies/a;b=c:d@e"),
        (b"/api/cat%61log/agencies", "/agencies"),
    ],
)
def test_the_path_goes_on_as_the_client_encoded_it_A12_1(sent: bytes, forwarded: str) -> None:
    assert upstream_target(sent, b"", "catalog") == forwarded


def test_the_query_goes_on_as_sent_and_a_path_never_gains_one_A12_1() -> None:
    assert (
        upstream_target(b"/api/catalog/agencies", b"q=a%26b&r=a+b&s=%2B", "catalog") == "/agencies?q=a%26b&r=a+b&s=%2B"
    )
    assert upstream_target(b"/api/catalog/agencies", b"q=\xe4\xb8\xad ?", "catalog") == "/agencies?q=%E4%B8%AD%20?"
    assert "?" not in upstream_target(b"/api/catalog/agencies/%3F", b"", "catalog")


@pytest.mark.parametrize(
    "sent",
    [
        b"/api/catalog/agencies/%10",
        b"/api/catalog/agencies/a%09b",
        b"/api/catalog/agencies/%7F",
        b"/api/catalog/agencies/%00",
        b"/api/catalog/agencies/%0D%0Ax",
    ],
)
def test_a_control_character_in_a_path_is_a_422_naming_the_path_A28_1(sent: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        upstream_target(sent, b"", "catalog")
    assert refused.value.status == 422
    assert sent.decode() in refused.value.detail
    assert refused.value.errors == [
        {"field": "path", "message": "a path may not hold control characters (%00-%1F, %7F)"}
    ]


@pytest.mark.parametrize(
    "sent",
    [
        b"/api/catalog/agencies/..",
        b"/api/catalog/agencies/%2E%2E",
        b"/api/catalog/agencies/.%2e/x",
        b"/api/catalog/%2E",
    ],
)
def test_a_dot_segment_is_refused_rather_than_resolved_to_another_route_A28_1(sent: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        upstream_target(sent, b"", "catalog")
    assert refused.value.errors == [{"field": "path", "message": 'a path may not hold "." or ".." segments'}]


def test_dots_that_are_not_a_whole_segment_go_on() -> None:
    assert upstream_target(b"/api/catalog/entries/a..b/.x/...", b"", "catalog") == "/entries/a..b/.x/..."


def test_a_prefix_reached_only_through_an_escaped_slash_answers_nothing() -> None:
    # Decoded, /api/catalog%2Fagencies reads /api/catalog/agencies; as sent, it names no prefix.
    with pytest.raises(NotFound):
        upstream_target(b"/api/catalog%2Fagencies", b"", "catalog")


def test_a_server_without_raw_path_gets_its_decoded_path_escaped() -> None:
    scope = {"type": "http", "path": "/api/catalog/agencies/?limit=1 中"}
    assert raw_path(scope) == b"/api/catalog/agencies/%3Flimit=1%20%E4%B8%AD"
    assert raw_path({"type": "http", "path": "/x", "raw_path": b"/%78"}) == b"/%78"


def test_percent_encoding_changes_only_what_a_url_may_not_hold() -> None:
    assert percent_encoded(b"/a-z_A.Z~0!$&'()*+,;=:@%41") == "/a-z_A.Z~0!$&'()*+,;=:@%41"
    assert percent_encoded(b'/<>"{}|\\^` ') == "/%3C%3E%22%7B%7D%7C%5C%5E%60%20"


@pytest.mark.parametrize(
    ("name", "value", "public"),
    [
        ("location", "http://10.1.2.3:8101/agencies?limit=1", "/api/catalog/agencies?limit=1"),
        ("Location", "HTTP://10.1.2.3:8101/agencies", "/api/catalog/agencies"),
        ("location", "/agencies/x", "/api/catalog/agencies/x"),
        ("content-location", "/entries/1", "/api/catalog/entries/1"),
        ("link", '<http://10.1.2.3:8101/agencies?page=2>; rel="next"', '</api/catalog/agencies?page=2>; rel="next"'),
        # References elsewhere, and relative ones, mean the same under the gateway.
        ("location", "https://portal.example/welcome", "https://portal.example/welcome"),
        ("location", "versions/2", "versions/2"),
        ("content-type", "application/json", "application/json"),
    ],
)
def test_a_reference_to_the_service_becomes_one_under_the_gateway_A12_1(name: str, value: str, public: str) -> None:
    assert public_header(name, value, CATALOG) == public


def test_a_header_still_naming_the_services_address_is_dropped_A12_1() -> None:
    assert public_header("x-served-by", "10.1.2.3:8101", CATALOG) is None
    assert public_header("location", "//10.1.2.3:8101/agencies", CATALOG) is None


def test_a_service_under_a_base_path_is_rewritten_without_it() -> None:
    nested = Upstream(name="catalog", prefix="catalog", base_url="http://catalog-svc:8000/v1")
    assert public_header("location", "/v1/agencies", nested) == "/api/catalog/agencies"
    assert public_header("location", "http://catalog-svc:8000/v1/agencies", nested) == "/api/catalog/agencies"
