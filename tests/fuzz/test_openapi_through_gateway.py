"""Every service's own OpenAPI document, fuzzed by schemathesis through the gateway as an operator (the city's
administrator), an agency's system and an anonymous caller, and as the parties of sharing and of the open platform
(the consumer agency, the provider's officer, a citizen): whatever the input, no 5xx (A28.1), every error an
RFC 9457 problem+json, and every answer as the document describes it (A12.1: the gateway is the only way in).

Inputs are generated from each operation's document, half valid and half not, half of them naming real resources
in their path parameters so they reach past the lookups. `HUB_FUZZ_EXAMPLES` sets how many per operation (6 keep
the suite inside the CI budget); `-k catalog` runs one service's part.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fuzz.verdict import Finding, answer_defects, excerpt, report
from fuzz.world import ATTACK_ORDER, PROBES, Hub
from gateway.access.policy import Policy, allows
from hub.roles import Role

pytestmark = [
    pytest.mark.integration,
    # schemathesis draws from the `random` module inside its strategies; Hypothesis seeds it, so runs stay the same.
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]

IDENTITIES = ("operator", "agency", "anonymous")
# Whom else a service answers beside them: sharing's consumer agency and the provider's officer (A20.2, A21.1); the
# open platform's citizen and the collecting agency's officer (A24.2, A26.1, A27.1). They call their own routes: those
# the access table lets them call and not anyone (anyone's are fuzzed as the anonymous caller, and a route closed to
# them stops at the gateway's refusal, which the identities above meet already).
MORE_IDENTITIES = {"share": ("consumer", "officer"), "open": ("portal", "officer")}
PARTY_ROLES = {"consumer": Role.agency_system, "officer": Role.agency_officer, "portal": Role.portal_user}
ATTACKS = [(service, identity) for service in ATTACK_ORDER
           for identity in (*IDENTITIES, *MORE_IDENTITIES.get(service, ()))]  # fmt: skip
EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "6"))
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
_sessions = threading.local()
# The inputs are sent from threads of their own: the hub runs on the test's event loop, and a service that writes off
# the loop (open-svc's XLSX downloads) waits for a thread of the loop's default pool, which blocking senders holding
# every one of its threads would starve until the gateway's upstream timeout (a 504 no client of the hub would see).
SENDERS = ThreadPoolExecutor(max_workers=EXAMPLES, thread_name_prefix="fuzz-sender")
Operation = schemathesis.APIOperation[Any, Any, Any, Any]
Case = schemathesis.Case[Any]


def client_operations(document: dict[str, Any]) -> list[Operation]:
    """The operations of a document a client calls through the gateway (a document that cannot be read fails)."""
    operations = []
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return [operation for operation in operations if operation.path not in PROBES]


def own_operations(service: str, identity: str, operations: list[Operation]) -> list[Operation]:
    """The operations the identity is fuzzed on: all for the default identities, a party's own for a party."""
    role = PARTY_ROLES.get(identity)
    if role is None:
        return operations
    policy, own, anyone = Policy(), frozenset({role}), frozenset({Role.anonymous})
    rules = [(operation, policy.match(service, operation.method.upper(), operation.path)) for operation in operations]
    return [operation for operation, rule in rules if allows(rule, own) and not allows(rule, anyone)]


def generated_cases(operation: Operation, known: dict[str, str], examples: int) -> list[Case]:
    """Inputs for one operation, valid and invalid, with random or real path parameters; the same on every run."""
    fixed = {name: known[name] for name in re.findall(r"\{(\w+)\}", operation.path) if name in known}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if fixed:
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters=fixed) for mode in modes]
    cases: list[Case] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=st.one_of(strategies))
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


def send(case: Case, base_url: str, headers: dict[str, str], route: str, caller: str) -> list[Finding]:
    """Send one input (in a worker thread: the hub answers on the test's event loop) and judge the answer."""
    reproduce = case.as_curl_command(headers=headers, base_url=base_url)
    try:
        response = case.call(base_url=base_url, headers=headers, session=_session(), timeout=60)
    except requests.RequestException as exc:
        return [Finding(route, caller, None, f"no complete answer: {exc!r}", reproduce)]
    content_type = next(iter(response.headers.get("content-type") or []), None)
    defects = answer_defects(response.status_code, content_type, response.content)
    try:
        case.validate_response(response, checks=CONFORMANCE, headers=headers)
    except FailureGroup as failures:
        defects += [f"{failure.title}\n{failure.message}" for failure in failures.exceptions]
    return [Finding(route, caller, response.status_code, d, reproduce, excerpt(response.content)) for d in defects]


@pytest.mark.parametrize(("service", "identity"), ATTACKS)
async def test_no_input_gets_a_5xx_and_every_answer_is_a_documented_one_A28_1(
    service: str, identity: str, hub: Hub
) -> None:
    operations = own_operations(service, identity, client_operations(hub.documents[service]))
    if not operations:
        pytest.skip(f"{service} declares no route a client calls yet")
    base_url, headers = hub.base_url(service), hub.callers[identity]
    findings: list[Finding] = []
    for operation in operations:
        key = (service, operation.label)
        if key not in hub.cache:  # the same inputs for each identity
            hub.cache[key] = await asyncio.to_thread(generated_cases, operation, hub.known_to(service), EXAMPLES)
        route = f"{service} {operation.label}"
        loop = asyncio.get_running_loop()
        answers = await asyncio.gather(
            *(loop.run_in_executor(SENDERS, send, case, base_url, headers, route, identity) for case in hub.cache[key])
        )
        findings += [finding for answer in answers for finding in answer]
    assert not findings, report(findings)
