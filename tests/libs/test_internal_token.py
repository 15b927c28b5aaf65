"""The internal token that only the gateway can mint and every service verifies (A12.1)."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from hub.errors import Unauthorized
from hub.internal_token import Caller, TokenSigner, TokenVerifier, generate_keypair

CALLER = Caller(subject="client-42", kind="agency_system", roles=("provider",), agency_id="a-1", region_code="320200")


def test_a_token_signed_by_the_gateway_names_the_caller_to_its_audience() -> None:
    private, public = generate_keypair()
    token = TokenSigner(private).sign(CALLER, audience="catalog")
    caller = TokenVerifier([public], audience="catalog").verify(token)
    assert caller.subject == "client-42"
    assert caller.roles == ("provider",)
    assert caller.agency_id == "a-1"
    assert caller.region_code == "320200"


def test_a_request_without_a_token_is_refused_A12_1() -> None:
    _, public = generate_keypair()
    with pytest.raises(Unauthorized) as refused:
        TokenVerifier([public], audience="catalog").verify(None)
    assert refused.value.requirement == "A12.1"


def test_a_token_for_another_service_is_refused_A12_1() -> None:
    private, public = generate_keypair()
    token = TokenSigner(private).sign(CALLER, audience="share")
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        TokenVerifier([public], audience="catalog").verify(token)


def test_a_token_signed_by_an_untrusted_key_is_refused_A12_1() -> None:
    private, _ = generate_keypair()
    _, other_public = generate_keypair()
    token = TokenSigner(private).sign(CALLER, audience="catalog")
    with pytest.raises(Unauthorized, match="does not trust"):
        TokenVerifier([other_public], audience="catalog").verify(token)


def test_an_expired_token_is_refused_A12_1() -> None:
    private, public = generate_keypair()
    token = TokenSigner(private, ttl_seconds=-1).sign(CALLER, audience="catalog")
    with pytest.raises(Unauthorized, match="expired"):
        TokenVerifier([public], audience="catalog").verify(token)


def test_a_tampered_token_is_refused_A12_1() -> None:
    private, public = generate_keypair()
    token = TokenSigner(private).sign(CALLER, audience="catalog")
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["sub"] = "someone-else"
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(Unauthorized):
        TokenVerifier([public], audience="catalog").verify(f"{header}.{forged_payload}.{signature}")


def test_during_a_key_rotation_both_keys_are_accepted() -> None:
    old_private, old_public = generate_keypair()
    new_private, new_public = generate_keypair()
    verifier = TokenVerifier([old_public, new_public], audience="catalog")
    for private in (old_private, new_private):
        assert verifier.verify(TokenSigner(private).sign(CALLER, audience="catalog")).subject == "client-42"


def test_tokens_are_short_lived() -> None:
    private, _ = generate_keypair()
    token = TokenSigner(private, ttl_seconds=60).sign(CALLER, audience="catalog")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert 0 < claims["exp"] - time.time() <= 60


def test_a_token_verified_before_is_refused_once_it_expires_A12_1() -> None:
    """The verifier remembers tokens it has verified (the gateway resends one for half its life), but only
    until they expire."""
    private, public = generate_keypair()
    verifier = TokenVerifier([public], audience="catalog")
    token = TokenSigner(private, ttl_seconds=2).sign(CALLER, audience="catalog")  # expires 1-2 s from now
    assert verifier.verify(token) == verifier.verify(token)
    time.sleep(2.1)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_remembered_token_is_no_way_around_the_checks_for_another_token_A12_1() -> None:
    private, public = generate_keypair()
    verifier = TokenVerifier([public], audience="catalog")
    token = TokenSigner(private).sign(CALLER, audience="catalog")
    verifier.verify(token)
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged_payload = jwt.utils.base64url_encode(json.dumps({**claims, "sub": "someone-else"}).encode()).decode()
    with pytest.raises(Unauthorized):
        verifier.verify(f"{header}.{forged_payload}.{signature}")
