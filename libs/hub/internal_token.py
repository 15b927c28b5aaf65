"""The internal token: the gateway's short-lived signature naming the caller (A12.1).

No service may be reached except through the gateway. The gateway signs, per forwarded request, an EdDSA
(Ed25519) JWT naming the caller; every service verifies it with the gateway's public keys and refuses a request
without a valid one. Services hold only public keys, so a compromised service cannot mint tokens. Several
public keys may be trusted at once, so keys rotate without downtime (the `kid` header picks the key).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from hub.errors import Unauthorized
from hub.jwt_claims import ISSUER, caller_claims
from hub.span_attributes import tag_caller, tag_ids

ALGORITHM = "EdDSA"
HEADER = "x-hub-internal-token"


@dataclass(frozen=True)
class Caller:
    """Who made the request, as the gateway vouches for it."""

    subject: str
    kind: str = "anonymous"
    roles: tuple[str, ...] = ()
    agency_id: str | None = None
    region_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def key_id(public_pem: str) -> str:
    """A short stable id of a public key, used as the token's `kid`."""
    return hashlib.sha256(public_pem.strip().encode()).hexdigest()[:16]


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


class TokenSigner:
    """Signs internal tokens; only the gateway has one."""

    def __init__(self, private_pem: str, ttl_seconds: int = 60) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the internal-token key must be an Ed25519 private key")
        self._key = key
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self._kid = key_id(public_pem)
        self._ttl = ttl_seconds
        # A caller's token for a service is reused for half its life: signing every request costs CPU the
        # proxy path should not spend, and a token still has half its life left whenever it is sent.
        self._issued: dict[tuple[object, ...], tuple[int, str]] = {}

    def sign(self, caller: Caller, audience: str) -> str:
        """A token for one service (`audience`) naming the caller, valid for at least half the configured TTL."""
        now = int(time.time())
        key = (caller.subject, caller.kind, caller.roles, caller.agency_id, caller.region_code, audience)
        if not caller.extra:
            issued = self._issued.get(key)
            if issued and now - issued[0] < self._ttl // 2:
                return issued[1]
            if len(self._issued) > 10_000:
                self._issued.clear()
        claims = caller_claims(
            audience=audience, subject=caller.subject, kind=caller.kind, roles=caller.roles,
            agency_id=caller.agency_id, region_code=caller.region_code, issued_at=now, ttl_seconds=self._ttl,
            **({"ext": caller.extra} if caller.extra else {}),
        )  # fmt: skip
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
        if not caller.extra:
            self._issued[key] = (now, token)
        return token


class TokenVerifier:
    """Verifies internal tokens for one service."""

    def __init__(self, public_pems: list[str], audience: str) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for pem in public_pems:
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("internal-token public keys must be Ed25519")
            self._keys[key_id(pem)] = key
        self._audience = audience
        # Tokens verified before, with their expiry: the gateway sends one token for half its life, and checking
        # its signature on every request costs the service more than many of its reads do.
        self._verified: dict[str, tuple[int, Caller]] = {}

    def verify(self, token: str | None) -> Caller:
        """The caller named by a valid token; Unauthorized (citing A12.1) otherwise."""
        if not token:
            raise Unauthorized(
                "This service is reached only through the gateway: no internal token.", requirement="A12.1"
            )
        verified = self._verified.get(token)
        if verified is not None and time.time() < verified[0]:
            return verified[1]
        caller, expires = self._verify_signed(token)
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified[token] = (expires, caller)
        return caller

    def _verify_signed(self, token: str) -> tuple[Caller, int]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(str(kid))
            if key is None:
                raise jwt.InvalidTokenError("signed by a key this service does not trust")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"Invalid internal token: {exc}", requirement="A12.1") from exc
        caller = Caller(
            subject=claims["sub"],
            kind=claims.get("kind", "anonymous"),
            roles=tuple(claims.get("roles") or ()),
            agency_id=claims.get("agency"),
            region_code=claims.get("region"),
            extra=claims.get("ext") or {},
        )
        return caller, int(claims["exp"])


async def require_caller(request: Request) -> Caller:
    """FastAPI dependency: the verified caller of this request, or 401 problem+json (A12.1). The request's span
    names the caller and the ids of its route (hub.span_attributes)."""
    verifier: TokenVerifier = request.app.state.token_verifier
    caller = verifier.verify(request.headers.get(HEADER))
    request.state.caller = caller
    tag_caller(caller.subject, caller.kind, caller.agency_id)
    tag_ids(request.path_params)
    return caller


CallerDep = Annotated[Caller, Depends(require_caller)]
