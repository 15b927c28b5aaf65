"""The access-token key ring: EdDSA JWTs for authenticated callers, keys rotated without downtime."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from hub.errors import Unauthorized
from hub.internal_token import generate_keypair, key_id
from hub.jwt_claims import ISSUER, caller_claims

AUDIENCE = "public-data-hub"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller as its access token (or API key) describes it."""

    client_id: str
    kind: str
    roles: frozenset[str]
    agency_id: str | None
    region_code: str | None
    secret_version: int = 0
    api_key_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


ANONYMOUS = Principal(client_id="anonymous", kind="anonymous", roles=frozenset({"anonymous"}), agency_id=None,
                      region_code=None)  # fmt: skip


@dataclass(frozen=True)
class RingKey:
    kid: str
    private_pem: str
    public_pem: str
    created_at: datetime
    retired_at: datetime | None


def new_ring_key() -> RingKey:
    """A fresh key for the ring."""
    private_pem, public_pem = generate_keypair()
    return RingKey(key_id(public_pem), private_pem, public_pem, datetime.now(UTC), None)


class KeyRing:
    """Signs with the newest active key; verifies with every key not retired longer than a token lives."""

    def __init__(self, token_ttl_seconds: int) -> None:
        self.ttl = token_ttl_seconds
        self._signing: tuple[str, Ed25519PrivateKey] | None = None
        self._verifying: dict[str, Ed25519PublicKey] = {}
        self._verified: dict[str, tuple[float, Principal, str]] = {}

    def load(self, keys: list[RingKey], now: datetime | None = None) -> None:
        """Replace the ring's keys (read from the database)."""
        now = now or datetime.now(UTC)
        grace = timedelta(seconds=self.ttl)
        active = [k for k in keys if k.retired_at is None]
        usable = [k for k in keys if k.retired_at is None or k.retired_at + grace > now]
        if active:
            newest = max(active, key=lambda k: k.created_at)
            private = serialization.load_pem_private_key(newest.private_pem.encode(), password=None)
            assert isinstance(private, Ed25519PrivateKey)
            self._signing = (newest.kid, private)
        verifying: dict[str, Ed25519PublicKey] = {}
        for key in usable:
            public = serialization.load_pem_public_key(key.public_pem.encode())
            assert isinstance(public, Ed25519PublicKey)
            verifying[key.kid] = public
        self._verifying = verifying

    def issue(self, principal: Principal) -> tuple[str, int]:
        """An access token for the principal and its lifetime in seconds."""
        if self._signing is None:
            raise RuntimeError("the key ring has no active key")
        kid, key = self._signing
        now = int(time.time())
        claims = caller_claims(
            audience=AUDIENCE, subject=principal.client_id, kind=principal.kind, roles=sorted(principal.roles),
            agency_id=principal.agency_id, region_code=principal.region_code, issued_at=now, ttl_seconds=self.ttl,
            jti=uuid.uuid4().hex, ver=principal.secret_version,
        )  # fmt: skip
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid}), self.ttl

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; Unauthorized otherwise.

        A verified token is remembered until it expires (the signature check is the dearest step of a request);
        revocations are checked by the caller on every request all the same.
        """
        now = time.time()
        known = self._verified.get(token)
        if known is not None and known[0] > now and known[2] in self._verifying:
            return known[1]
        principal, expires, kid = self._verify_signature(token)
        if len(self._verified) > 50_000:
            self._verified = {t: v for t, v in self._verified.items() if v[0] > now}
        self._verified[token] = (expires, principal, kid)
        return principal

    def _verify_signature(self, token: str) -> tuple[Principal, float, str]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._verifying.get(str(kid))
            if key is None:
                raise jwt.InvalidTokenError("unknown signing key")
            claims = jwt.decode(
                token, key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER,
                options={"require": ["exp", "sub", "iat"]},
            )  # fmt: skip
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"Invalid access token: {exc}") from exc
        principal = Principal(
            client_id=claims["sub"],
            kind=claims.get("kind", ""),
            roles=frozenset(claims.get("roles") or ()),
            agency_id=claims.get("agency"),
            region_code=claims.get("region"),
            secret_version=int(claims.get("ver", 0)),
        )
        return principal, float(claims["exp"]), str(kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys as a JWK set, for anyone verifying the hub's tokens."""
        keys = []
        for kid, public in self._verifying.items():
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"})
        return {"keys": keys}
