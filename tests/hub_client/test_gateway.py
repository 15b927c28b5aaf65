"""The client's requests: a client-credentials token renewed before it expires, 429/503 retried after the server's
Retry-After, other failures backed off, every retry bounded. The gateway is played here by an in-memory HTTP
transport; tests/hub_client/test_ingest.py runs the same client against the real mesh."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from collections.abc import Callable

import httpx
import pytest

from hub_client.errors import HubRefused, HubUnavailable
from hub_client.gateway import AccessToken, Gateway, renew_after
from hub_client.retry import RetryPolicy


def test_a_token_is_renewed_a_minute_before_it_expires_or_after_four_fifths_of_a_short_life() -> None:
    assert renew_after(900) == 840
    assert renew_after(100) == 80


def test_a_token_is_fetched_once_and_again_only_when_its_renewal_time_comes() -> None:
    now = [0.0]
    issued = itertools.count(1)
    token = AccessToken(lambda: (f"t{next(issued)}", 900.0), clock=lambda: now[0])
    assert token.header() == {"authorization": "Bearer t1"}
    now[0] = 839.9
    assert token.header() == {"authorization": "Bearer t1"}
    now[0] = 840.0
    assert token.header() == {"authorization": "Bearer t2"}
    token.invalidate()
    assert token.header() == {"authorization": "Bearer t3"}


Handler = Callable[[httpx.Request], httpx.Response]


def gateway(handler: Handler, waits: list[float], attempts: int = 4) -> Gateway:
    return Gateway(
        "http://gateway.test", "job", "secret", policy=RetryPolicy(attempts=attempts, max_wait=30),
        sleep=waits.append, random=lambda: 0.0, transport=httpx.MockTransport(handler),
    )  # fmt: skip


def token_answer(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/auth/token":
        assert b"grant_type=client_credentials" in request.content
        return httpx.Response(200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 900})
    return None


def test_429_and_503_are_retried_after_the_servers_retry_after() -> None:
    answers = iter([
        httpx.Response(429, headers={"retry-after": "3"}, json={"detail": "slow down"}),
        httpx.Response(503, headers={"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}),  # past: at once
        httpx.Response(201, json={"ok": True}),
    ])  # fmt: skip
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if (answer := token_answer(request)) is not None:
            return answer
        seen.append(request.headers["authorization"])
        return next(answers)

    waits: list[float] = []
    with gateway(handler, waits) as client:
        response = client.request("POST", "/api/x", content=b"body")
    assert response.status_code == 201
    assert waits == [3.0, 0.0]
    assert seen == ["Bearer tok"] * 3


def test_a_gateway_fault_or_a_lost_connection_is_backed_off_and_the_attempts_are_bounded() -> None:
    calls = itertools.count()

    def handler(request: httpx.Request) -> httpx.Response:
        if (answer := token_answer(request)) is not None:
            return answer
        if next(calls) % 2:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(502, headers={"retry-after": "1000"})  # only 429 and 503 are waited for as told

    waits: list[float] = []
    with gateway(handler, waits, attempts=4) as client, pytest.raises(HubUnavailable, match="gave up after 4"):
        client.request("GET", "/api/x")
    assert waits == [0.25, 0.5, 1.0]


def test_a_retry_after_beyond_the_longest_wait_is_given_up_on_at_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return token_answer(request) or httpx.Response(503, headers={"retry-after": "3600"}, json={"detail": "down"})

    waits: list[float] = []
    with gateway(handler, waits) as client, pytest.raises(HubUnavailable, match="asks to wait 3600 s") as raised:
        client.request("GET", "/api/x")
    assert waits == []
    assert (raised.value.status, raised.value.problem["detail"]) == (503, "down")


def test_a_401_fetches_one_new_token_and_then_the_answer_stands() -> None:
    tokens = itertools.count(1)
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": f"t{next(tokens)}", "expires_in": 900})
        sent.append(request.headers["authorization"])
        return httpx.Response(401, json={"detail": "revoked"})

    with gateway(handler, []) as client:
        assert client.request("GET", "/api/x").status_code == 401
    assert sent == ["Bearer t1", "Bearer t2"]


def test_refused_credentials_are_a_refusal_not_a_retry() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "Unknown client or wrong secret."})

    waits: list[float] = []
    with gateway(handler, waits) as client, pytest.raises(HubRefused, match="wrong secret"):
        client.request("GET", "/api/x")
    assert waits == []


class _ReadsAsAServer(httpx.BaseTransport):
    """Reads each request's body piece by piece, as a server does, without keeping it on the request; the batch
    endpoint answers 503 once, then 201."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 900})
        assert isinstance(request.stream, httpx.SyncByteStream)
        body = b"".join(request.stream)
        assert int(request.headers["content-length"]) == len(body)
        self.bodies.append(body[:64])
        return httpx.Response(503 if len(self.bodies) == 1 else 201, json={})


def test_a_body_in_pieces_is_sent_whole_on_every_attempt_and_let_go_once_sent() -> None:
    transport = _ReadsAsAServer()
    client = Gateway("http://gateway.test", "job", "secret", policy=RetryPolicy(attempts=3, max_wait=30),
                     sleep=lambda _: None, random=lambda: 0.0, transport=transport)  # fmt: skip
    piece = 1024 * 1024
    # httpx keeps each response, its request and the request's body in a reference cycle (encode/httpx#3733): with
    # the cyclic collector off, a body the client still let the request hold would stay in memory.
    gc.disable()
    tracemalloc.start()
    try:
        with client:
            for n in range(4):
                pieces = tuple(bytes([n]) * piece for _ in range(4))
                headers = {"content-length": str(4 * piece)}
                assert client.request("POST", "/api/x", content=pieces, headers=headers).status_code == 201
                del pieces
            held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert transport.bodies[:2] == [bytes(64), bytes(64)]  # the 503, then the same body again
    assert len(transport.bodies) == 5
    assert held < piece, f"{held} bytes still held after four bodies of {4 * piece} bytes were sent"
