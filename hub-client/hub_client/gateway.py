"""The hub's gateway as this client calls it: the only way in (A12.1), authenticated, retried under a policy.

Authentication is OAuth 2.0 client credentials (`POST /auth/token`, RFC 6749 §4.4): an agency system or an ingest
job gets a short-lived bearer token (15 minutes by default) and a new one before it expires, so a job of hours
never sends an expired token. A 401 (the token was revoked, or the signing key rotated) fetches a new token once.

The client is synchronous on purpose: a job sends one request at a time, and the centre serialises one entry's
batches anyway (it takes the entry's write lock), so concurrency would add nothing but complexity.
"""

from __future__ import annotations

import random as random_module
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from hub_client.errors import HubRefused, HubUnavailable
from hub_client.retry import BACKOFF_STATUSES, RETRY_STATUSES, RetryPolicy, retry_after_seconds

DEFAULT_GATEWAY = "http://127.0.0.1:8100"
# Renew a token this long before it expires (or after four fifths of a shorter lifetime).
RENEW_MARGIN_SECONDS = 60.0


def renew_after(lifetime: float) -> float:
    """Seconds after issue at which a token of `lifetime` seconds is renewed: a minute before it expires, or after
    four fifths of a lifetime shorter than five minutes."""
    return lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 5)


class AccessToken:
    """A bearer token, fetched when first needed and again before it expires."""

    def __init__(self, fetch: Callable[[], tuple[str, float]], clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0

    def header(self) -> dict[str, str]:
        """The Authorization header, with a token valid for a while yet."""
        now = self._clock()
        if self._token is None or now >= self._renew_at:
            # The clock is read before the request, so the token is renewed early rather than late.
            self._token, lifetime = self._fetch()
            self._renew_at = now + renew_after(lifetime)
        return {"authorization": f"Bearer {self._token}"}

    def invalidate(self) -> None:
        """Forget the token: the next request fetches a new one."""
        self._token = None


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The RFC 9457 problem of an answer, or its text as `detail` when it carries none."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {"status": response.status_code, "detail": response.text[:500]}


def describe(response: httpx.Response) -> str:
    """An answer in one line: its status and the problem's detail."""
    problem = problem_of(response)
    detail = problem.get("detail") or problem.get("title") or ""
    return f"{response.status_code} {detail}".strip()


class Gateway:
    """Requests to the hub's gateway as one client, each retried under `policy`."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        policy: RetryPolicy | None = None,
        timeout: float = 300.0,
        on_retry: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url, timeout=httpx.Timeout(timeout, connect=10.0), transport=transport,
            headers={"user-agent": "hub-client/0.1"},
        )  # fmt: skip
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._policy = policy or RetryPolicy()
        self._on_retry = on_retry
        self._sleep = sleep
        self._random = random
        self.token = AccessToken(self._fetch_token)

    def __enter__(self) -> Gateway:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _fetch_token(self) -> tuple[str, float]:
        response = self.request("POST", "/auth/token", data=self._credentials, authenticated=False)
        if response.status_code != 200:
            raise HubRefused(
                f"The gateway refused the client credentials: {describe(response)}",
                status=response.status_code, problem=problem_of(response),
            )  # fmt: skip
        body = response.json()
        return str(body["access_token"]), float(body["expires_in"])

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | Sequence[bytes] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send a request, retrying as the policy allows; the first answer that is not worth retrying.

        HubUnavailable when the hub stays busy or unreachable through every attempt. A body in pieces is sent one
        piece after another (with a Content-Length in `headers`, else chunked), and again whole on a retry.
        """
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            try:
                sent = {**(headers or {}), **(self.token.header() if authenticated else {})}
                # Pieces go as an iterator, which lets go of them once exhausted: httpx 0.28 keeps each response, and
                # with it its request and body, in a reference cycle until the cyclic collector runs
                # (encode/httpx#3733), which held megabytes of batches long sent (bench/README.md).
                body = content if content is None or isinstance(content, bytes) else iter(content)
                response = self._http.request(method, path, content=body, data=data, headers=sent, params=params)
            except httpx.TransportError as exc:
                self._wait_or_give_up(attempt, None, f"{method} {path}: {type(exc).__name__} {exc}", None)
                continue
            if response.status_code == 401 and authenticated and not renewed:
                # A revoked token or a rotated key: one new token, then the answer stands.
                self.token.invalidate()
                renewed = True
                attempt -= 1
                continue
            if response.status_code in RETRY_STATUSES or response.status_code in BACKOFF_STATUSES:
                asked = retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
                if response.status_code in BACKOFF_STATUSES:
                    asked = None
                self._wait_or_give_up(attempt, asked, f"{method} {path}: {describe(response)}", response)
                continue
            return response

    def _wait_or_give_up(self, attempt: int, asked: float | None, what: str, response: httpx.Response | None) -> None:
        wait = self._policy.wait(attempt, asked, self._random)
        if wait is None:
            spent = attempt >= self._policy.attempts
            why = (
                f"gave up after {attempt} attempt(s)"
                if spent
                else f"the hub asks to wait {asked:.0f} s, longer than the {self._policy.max_wait:.0f} s allowed"
            )
            raise HubUnavailable(
                f"{what} ({why})",
                status=response.status_code if response is not None else None,
                problem=problem_of(response) if response is not None else None,
            )
        self._on_retry(f"{what}; retrying in {wait:.1f} s")
        self._sleep(wait)
