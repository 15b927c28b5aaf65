"""The claims of every JWT the gateway signs: access tokens for callers and internal tokens for services (A12.1).

Both name the same caller the same way (who, of what kind, with which roles, for which agency, in which region),
so one function builds them and a claim cannot be spelled differently in the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ISSUER = "hub-gateway"


def caller_claims(
    *,
    audience: str,
    subject: str,
    kind: str,
    roles: Iterable[str],
    agency_id: str | None,
    region_code: str | None,
    issued_at: int,
    ttl_seconds: int,
    **extra: Any,
) -> dict[str, Any]:
    """The registered claims (RFC 7519 §4.1) and the hub's caller claims of a token; `extra` adds claims of its own
    kind (an access token's `jti` and secret version, an internal token's extensions)."""
    return {
        "iss": ISSUER,
        "aud": audience,
        "sub": subject,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
        "kind": kind,
        "roles": list(roles),
        "agency": agency_id,
        "region": region_code,
        **extra,
    }
