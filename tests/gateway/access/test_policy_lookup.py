"""How the access table is read for a request, and what it says beyond roles: body caps and the audit (A12.1,
A28.1, A36.1). Who may call each route is test_access_matrix.py's; this file needs no server either.

Expected values are written here: byte units are IEC 80000-13's (KiB = 2^10, MiB = 2^20 bytes); the caps are the
hub's stated ones (a body of 1 MiB by default; 8 KiB where anyone unauthenticated may send one, so that no
stranger makes the gateway hold megabytes, A28.1; 4 MiB for a catalogue entry with its data items; 20 MiB for a
catalogue spreadsheet; 1 GiB for a batch streamed into the big data centre, A17.1); and only what neither
decides nor delivers the hub's data goes unaudited (A36.1): the token and key-set endpoints and the API
descriptions.
"""

from __future__ import annotations

import pytest

from gateway.access.policy import POLICY, KiB, MiB, Policy, Rule, allows
from hub.roles import Role

CAPS = {
    ("gateway", "POST", "/auth/token"): 8 * 2**10,
    ("gateway", "POST", "/portal/accounts"): 8 * 2**10,
    ("catalog", "POST", "/entries"): 4 * 2**20,
    ("catalog", "PUT", "/entries/{entry_id}/draft"): 4 * 2**20,
    ("catalog", "POST", "/imports"): 20 * 2**20,
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): 2**30,
}
DEFAULT_CAP = 2**20
UNAUDITED = {("gateway", "POST", "/auth/token"), ("gateway", "GET", "/.well-known/jwks.json")}
API_DESCRIPTIONS = ("/openapi.json", "/docs")


def route(rule: Rule) -> tuple[str, str, str]:
    return rule.service, rule.method, rule.path


def test_byte_units_are_iec_binary_prefixes() -> None:
    assert (KiB, MiB) == (2**10, 2**20)


@pytest.mark.parametrize("rule", POLICY, ids=lambda rule: " ".join(route(rule)))
def test_each_route_takes_a_body_up_to_its_stated_cap_A28_1(rule: Rule) -> None:
    assert rule.max_body_bytes == CAPS.get(route(rule), DEFAULT_CAP)


@pytest.mark.parametrize("rule", POLICY, ids=lambda rule: " ".join(route(rule)))
def test_every_route_that_decides_or_delivers_data_is_audited_A36_1(rule: Rule) -> None:
    describes_the_api = rule.method == "GET" and rule.path.startswith(API_DESCRIPTIONS)
    assert rule.audited is not (route(rule) in UNAUDITED or describes_the_api)


def test_a_path_parameter_matches_one_segment_and_no_more_A12_1() -> None:
    policy = Policy()
    rule = policy.match("catalog", "GET", "/agencies/6f1c1b3e")
    assert rule is not None
    assert route(rule) == ("catalog", "GET", "/agencies/{agency_id}")
    assert policy.match("catalog", "GET", "/agencies/6f1c1b3e/extra") is None
    assert policy.match("catalog", "GET", "/agencies/") is None
    assert policy.match("catalog", "GET", "/v2/agencies/6f1c1b3e") is None


def test_head_is_read_as_get_and_no_other_method_is_A12_1() -> None:
    policy = Policy()
    assert policy.match("catalog", "HEAD", "/agencies/1") == policy.match("catalog", "GET", "/agencies/1")
    assert policy.match("catalog", "DELETE", "/agencies/1") is None
    assert policy.match("share", "POST", "/agencies/1") is None


def test_a_405_lists_every_method_of_the_path_and_head_wherever_get_is_A12_1() -> None:
    policy = Policy()
    assert policy.methods_for("catalog", "/agencies/1") == {"GET", "HEAD", "PATCH"}
    assert policy.methods_for("gateway", "/auth/token") == {"POST"}
    assert policy.methods_for("catalog", "/no-such-route") == frozenset()


def test_a_caller_is_allowed_when_it_holds_any_one_of_the_rules_roles_A12_1() -> None:
    rule = Policy().match("catalog", "POST", "/entries")
    assert allows(rule, frozenset({Role.agency_system}))
    assert allows(rule, frozenset({Role.portal_user, Role.agency_system}))
    assert not allows(rule, frozenset({Role.reviewer, Role.administrator}))
    assert not allows(rule, frozenset())
    assert not allows(None, frozenset(Role))
