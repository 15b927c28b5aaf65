"""How the access table is read for a request, and what it says beyond roles: body caps and the audit (A12.1,
A28.1, A36.1). Who may call each route is test_access_matrix.py's; this file needs no server either.

Expected values are written here: byte units are IEC 80000-13's (KiB = 2^10, MiB = 2^20 bytes); the caps are the
hub's stated ones (a body of 1 MiB by default; 8 KiB where anyone unauthenticated may send one, so that no
stranger makes the gateway hold megabytes, A28.1; 4 MiB for a catalogue entry with its data items; 20 MiB for a
catalogue spreadsheet; 1 GiB for a batch streamed into the big data centre, A17.1; 64 KiB for what a person writes to
the open platform, an application, an error report (anonymous ones too: the longest valid report is beyond 8 KiB) or
a demand; 512 KiB for the text of the open-use agreement; a test shows that each of these holds the longest body its
route accepts); and only what neither decides nor delivers the hub's data goes unaudited (A36.1): the token and
key-set endpoints and the API descriptions.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from gateway.access.policy import POLICY, KiB, MiB, Policy, Rule, allows
from hub.roles import Role
from open_svc.agreements.schemas import AgreementIn
from open_svc.applications.schemas import ApplicationIn
from open_svc.demands.schemas import DemandIn
from open_svc.feedback.schemas import ReportIn

CAPS = {
    ("gateway", "POST", "/auth/token"): 8 * 2**10,
    ("gateway", "POST", "/portal/accounts"): 8 * 2**10,
    ("catalog", "POST", "/entries"): 4 * 2**20,
    ("catalog", "PUT", "/entries/{entry_id}/draft"): 4 * 2**20,
    ("catalog", "POST", "/imports"): 20 * 2**20,
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): 2**30,
    # open-svc: what a person writes to the open platform (A24.2, A26.1, A27.1), and the open-use agreement (A24.3)
    ("open", "POST", "/applications"): 64 * 2**10,
    ("open", "POST", "/feedback"): 64 * 2**10,
    ("open", "POST", "/demands"): 64 * 2**10,
    # An agreement of 100,000 characters written as JSON \u escapes takes about 600 KB.
    ("open", "POST", "/agreements"): 2**20,
    # open-svc: CKAN Action API and DCAT-AP feed (anyone POSTs an action's parameters)
    ("open", "POST", "/ckan/api/3/action/{name}"): 8 * 2**10,
}
DEFAULT_CAP = 2**20
UNAUDITED = {
    ("gateway", "POST", "/auth/token"),
    ("gateway", "GET", "/.well-known/jwks.json"),
    # open-svc: the public portal — the hub's root address (a redirect to it) and its stylesheet and script
    ("gateway", "GET", "/"),
    ("open", "GET", "/portal/static/{name}"),
    # The bureau's console: its page and files hold no data (its scripts call audited routes with the user's token)
    ("gateway", "GET", "/console/"),
    ("gateway", "GET", "/console/{name}"),
    ("gateway", "GET", "/console/vendor/{name}"),
}
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


# The longest body each capped open-svc route accepts as valid: every string at its longest, of a character four bytes
# long in UTF-8 where free text goes (U+20BB7, found in Chinese names), every list at its longest.
WIDE = "\U00020bb7"
ENTRY = str(uuid.uuid4())


def names(count: int) -> list[str]:
    """`count` distinct data item names of 100 characters."""
    return [f"item_{n:03d}".ljust(100, "x") for n in range(count)]


LONGEST: dict[tuple[str, str, str], tuple[type[BaseModel], dict[str, Any]]] = {
    ("open", "POST", "/applications"): (ApplicationIn, {
        "entry_id": ENTRY, "purpose": WIDE * 1000, "data_format": "xlsx", "items": names(200),
        "applicant": {"kind": "legal_person", "name": WIDE * 200, "identifier": "914403001922038216",
                      "contact": WIDE * 100},
    }),
    ("open", "POST", "/feedback"): (ReportIn, {
        "entry_id": ENTRY, "kind": "objection", "description": WIDE * 2000, "items": names(100),
        "record_key": WIDE * 500,
    }),
    ("open", "POST", "/demands"): (DemandIn, {"title": WIDE * 200, "description": WIDE * 2000, "agency_id": ENTRY}),
    ("open", "POST", "/agreements"): (AgreementIn, {"title": WIDE * 200, "text": WIDE * 100_000}),
}  # fmt: skip


@pytest.mark.parametrize("capped", LONGEST, ids=" ".join)
def test_a_cap_holds_the_longest_body_its_route_accepts_A28_1(capped: tuple[str, str, str]) -> None:
    schema, body = LONGEST[capped]
    schema.model_validate(body)  # a body the route accepts, so one the gateway must let through
    # Sent as JSON is exchanged, in UTF-8 (RFC 8259, section 8.1).
    assert len(json.dumps(body, ensure_ascii=False).encode()) <= CAPS[capped]


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
