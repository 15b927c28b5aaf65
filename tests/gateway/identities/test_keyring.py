"""The access tokens the key ring signs name a caller with the same claims as the internal tokens services verify
(A12.1): both are built in one place, hub.jwt_claims."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from gateway.identities.keyring import AUDIENCE, KeyRing, Principal, new_ring_key
from gateway.identities.state import CredentialState
from hub.errors import Unauthorized
from hub.internal_token import Caller, TokenSigner, generate_keypair

PRINCIPAL = Principal(client_id="c-1", kind="agency_system", roles=frozenset({"agency_system"}), agency_id="a-1",
                      region_code="320205", secret_version=3)  # fmt: skip


def unverified(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_an_access_token_and_an_internal_token_name_the_caller_with_the_same_claims_A12_1() -> None:
    ring = KeyRing(token_ttl_seconds=900)
    ring.load([new_ring_key()])
    access = unverified(ring.issue(PRINCIPAL)[0])
    caller = Caller(subject="c-1", kind="agency_system", roles=("agency_system",), agency_id="a-1",
                    region_code="320205")  # fmt: skip
    internal = unverified(TokenSigner(generate_keypair()[0], ttl_seconds=60).sign(caller, audience="catalog"))
    shared = ("iss", "sub", "kind", "roles", "agency", "region")
    assert {k: access[k] for k in shared} == {k: internal[k] for k in shared} == {
        "iss": "hub-gateway", "sub": "c-1", "kind": "agency_system", "roles": ["agency_system"], "agency": "a-1",
        "region": "320205",
    }  # fmt: skip
    assert (access["aud"], internal["aud"]) == (AUDIENCE, "catalog")
    assert (access["exp"] - access["iat"], internal["exp"] - internal["iat"]) == (900, 60)
    # Each keeps the claims of its own kind: the access token its id and secret version, for revocation.
    assert access["ver"] == 3
    assert len(access["jti"]) == 32
    assert "ver" not in internal
    assert "jti" not in internal


def test_the_key_ring_verifies_what_it_issued_into_the_same_principal_A12_1() -> None:
    ring = KeyRing(token_ttl_seconds=900)
    ring.load([new_ring_key()])
    assert ring.verify(ring.issue(PRINCIPAL)[0]) == PRINCIPAL


def test_a_verified_token_remembered_is_refused_at_once_when_revoked_or_its_secret_replaced_A12_1() -> None:
    ring = KeyRing(token_ttl_seconds=900)
    ring.load([new_ring_key()])
    token = ring.issue(PRINCIPAL)[0]
    state = CredentialState()
    # The signature is checked once; every later request reuses the verdict (the proxy's CPU per read)…
    assert state.check(ring.verify(token)) == PRINCIPAL
    assert ring.verify(token) is ring.verify(token)
    # …but never the credential's standing, which each request checks anew.
    state.supersede_secret(PRINCIPAL.client_id, PRINCIPAL.secret_version + 1)
    with pytest.raises(Unauthorized, match="secret"):
        state.check(ring.verify(token))
    state.replace(revoked={PRINCIPAL.client_id}, versions={}, revoked_keys=set())
    with pytest.raises(Unauthorized, match="revoked"):
        state.check(ring.verify(token))
