"""Hostile values in every field of every write route and in every parameter of every route, through the gateway:
whatever a careless or hostile client sends — NUL, lone surrogates, control characters, integers beyond
PostgreSQL's range, very long strings, right-to-left text, emoji — the hub answers it, and refuses it with an RFC
9457 problem, never with a 5xx (A28.1: bad input is a security event, not a crash).

Each route is called as a caller the access table lets through and the service's own scope check accepts, so the
values reach the service's code; a hand-written valid request (valid_requests.py) carries one hostile value at a
time, so nothing else in it is refused first, to a resource in the state the route acts on.
The values are drawn by Hypothesis, the same on every run; the first of every field is a NUL. `HUB_FUZZ_VALUES`
sets how many per field (3 keep the suite inside the CI budget); `-k catalog` runs one service's part.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from fuzz.hostile import (
    Target,
    csv_bytes,
    field_paths,
    form_bytes,
    header_bytes,
    hostile_values,
    inject,
    json_bytes,
    leaf_paths,
    ndjson_bytes,
    url_quoted,
)
from fuzz.resources import Maker
from fuzz.valid_requests import CSV, FORM, JSON, NDJSON, VALID, Known, ValidRequest, path_parameters
from fuzz.verdict import Finding, answer_defects, excerpt, report
from fuzz.world import ATTACK_ORDER, PROBES, Hub
from gateway.access.policy import Policy, allows
from hub.roles import Role

pytestmark = [
    pytest.mark.integration,
    # schemathesis draws from the `random` module inside its strategies; Hypothesis seeds it, so runs stay the same.
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]

VALUES = int(os.environ.get("HUB_FUZZ_VALUES", "3"))
CONCURRENCY = 6
WRITES = frozenset({"POST", "PUT", "PATCH"})
# Who calls a route without a caller of its own (ValidRequest.caller): the first identity the access table lets
# through, so the values reach the service.
PREFERENCE = (("operator", Role.administrator), ("agency", Role.agency_system), ("reviewer", Role.reviewer),
              ("inspector", Role.inspector), ("officer", Role.agency_officer), ("portal", Role.portal_user),
              ("anonymous", Role.anonymous))  # fmt: skip
# What a valid request must never get: a refusal of its body, its caller or its resource means it no longer reaches
# the code behind (a conflict may be the route's answer to a resource the suite cannot renew, and is no refusal).
REFUSED = frozenset({400, 401, 403, 404, 422})
ENCODERS = {JSON: json_bytes, FORM: form_bytes, CSV: csv_bytes, NDJSON: ndjson_bytes}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    operation: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"

    def parameters(self, where: str) -> list[str]:
        return [p["name"] for p in self.operation.get("parameters", []) if p.get("in") == where]

    def declared_media_type(self) -> str | None:
        """The first media type of the route's body the suite encodes, for a route without a valid request."""
        declared = self.operation.get("requestBody", {}).get("content", {})
        return next((media for media in declared if media in ENCODERS), None)


def routes_of(service: str, document: dict[str, Any]) -> list[Route]:
    return [
        Route(service, method.upper(), path, operation)
        for path, operations in document["paths"].items()
        if path not in PROBES
        for method, operation in operations.items()
    ]


def caller_of(route: Route, valid: ValidRequest | None) -> str:
    if valid and valid.caller:
        return valid.caller
    rule = Policy().match(route.service, route.method, route.path)
    return next((name for name, role in PREFERENCE if allows(rule, frozenset({role}))), "anonymous")


def generated_body(document: dict[str, Any], route: Route, media_type: str) -> Any:
    """A body generated from the route's request schema, for a route without a hand-written valid request."""
    operation = schemathesis.openapi.from_dict(document)[route.path][route.method]
    bodies: list[Any] = []

    @settings(max_examples=1, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(GenerationMode.POSITIVE, media_type=media_type))
    def collect(case: schemathesis.Case[Any]) -> None:
        bodies.append(case.body)

    collect()
    return bodies[0] if isinstance(bodies[0], dict | list) else {}


def targets_of(route: Route, document: dict[str, Any], media_type: str | None, base: Any) -> list[Target]:
    """Every parameter of the route, and every field of a write route's body (from its schema and its example)."""
    targets = [Target("path", (name,)) for name in route.parameters("path")]
    targets += [Target("query", (name,)) for name in route.parameters("query")]
    targets += [Target("header", (name,)) for name in route.parameters("header")]
    if route.method in WRITES and media_type:
        fields = dict.fromkeys(leaf_paths(base))
        schema = route.operation.get("requestBody", {}).get("content", {}).get(media_type, {}).get("schema")
        if media_type in (JSON, FORM) and schema:
            fields.update(dict.fromkeys(field_paths(document, schema)))
        targets += [Target("body", field) for field in fields]
    return targets


def drawn_values(targets: list[Target], count: int) -> list[dict[Target, object]]:
    """`count` hostile values for each target, the same on every run; the first of each is a NUL."""
    drawn: list[dict[Target, object]] = []

    @settings(max_examples=count, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(values=st.lists(hostile_values(), min_size=len(targets), max_size=len(targets)))
    def collect(values: list[object]) -> None:
        drawn.append(dict(zip(targets, values, strict=True)))

    collect()
    return drawn


def describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}… ({len(str(value))} characters)"


@dataclass
class Attack:
    """One route, its caller, and the valid request hostile values are put into."""

    hub: Hub
    route: Route
    caller: str
    valid: ValidRequest | None
    media_type: str | None
    base: Any  # the body of a route without a valid request (generated once)
    spent: Known | None = None  # the resources the valid request named, once sent (where it moved one on)

    def request(
        self, known: Known, target: Target | None, value: object
    ) -> tuple[str, bytes | None, dict[str, str | bytes]]:
        """(URL, body, headers) of the valid request with `value` at the target (unchanged without a target)."""
        parameters: dict[str, object] = dict(path_parameters(known, self.route.parameters("path"), self.valid))
        query = ""
        body = self.valid.body(known) if self.valid else self.base
        if target and target.where == "path":
            parameters[str(target.field[0])] = value
        elif target and target.where == "query":
            query = f"?{target.field[0]}={url_quoted(value)}"
        elif target and target.where == "body":
            body = inject(body, target.field, value)
        path = re.sub(r"\{(\w+)\}", lambda m: url_quoted(parameters[m.group(1)]), self.route.path)
        headers: dict[str, str | bytes] = {**self.hub.callers[self.caller]}
        headers.update(self.valid.headers(known) if self.valid else {})
        if target and target.where == "header":
            headers[str(target.field[0])] = header_bytes(value)
        if self.media_type and self.route.method in WRITES:
            headers["content-type"] = self.media_type
            return self.hub.base_url(self.route.service) + path + query, ENCODERS[self.media_type](body), headers
        return self.hub.base_url(self.route.service) + path + query, None, headers

    def renewable(self, target: Target | None) -> bool:
        """Whether the request names a resource the route moves on (a hostile path parameter names none)."""
        return bool(self.valid and self.valid.fresh) and not (target and target.where == "path")

    async def renewed(self, client: httpx.AsyncClient) -> Known:
        """The known resources with a fresh one of those the route moves on (its valid request makes it)."""
        known = self.hub.known_to(self.route.service)
        fresh = self.valid.fresh if self.valid else None
        if fresh is None:
            return known
        return {**known, **await fresh(Maker(client, self.hub.gateway_url, self.hub.callers, known))}

    async def send(self, client: httpx.AsyncClient, target: Target | None, value: object) -> list[Finding]:
        """Send the valid request with `value` at the target and judge the answer. Where the route moves its resource
        on, the valid request gets a fresh one; a hostile value first meets that spent one, and one that passes
        validation (a 409 from the spent resource's state) is sent again with a fresh one, so it reaches the code
        the route runs — without making a resource for every value validation refuses anyway."""
        try:
            if target is None and self.renewable(None):
                self.spent = await self.renewed(client)
            known = self.spent or self.hub.known_to(self.route.service)
            status, findings = await self.exchange(client, known, target, value)
            if status == HTTPStatus.CONFLICT and target and self.renewable(target):
                status, findings = await self.exchange(client, await self.renewed(client), target, value)
        except (AssertionError, httpx.HTTPError) as exc:
            return [Finding(str(self.route), self.caller, None, f"no fresh resource for the request: {exc}", "")]
        return findings

    async def exchange(
        self, client: httpx.AsyncClient, known: Known, target: Target | None, value: object
    ) -> tuple[int | None, list[Finding]]:
        """The answer's status and what is wrong with it."""
        url, content, headers = self.request(known, target, value)
        sent = f"{self.route.method} {url.removeprefix(self.hub.gateway_url)}"
        if target:
            sent += f" with {target} = {describe(value)}"
        try:
            wire = [(name.encode(), v if isinstance(v, bytes) else v.encode()) for name, v in headers.items()]
            response = await client.request(self.route.method, url, content=content, headers=wire)
        except httpx.HTTPError as exc:
            return None, [Finding(str(self.route), self.caller, None, f"no complete answer: {exc!r}", sent)]
        defects = answer_defects(response.status_code, response.headers.get("content-type"), response.content)
        if target is None and self.valid and response.status_code in REFUSED:
            defects.append("the hand-written valid request is refused: update tests/fuzz/valid_requests.py")
        return response.status_code, [
            Finding(str(self.route), self.caller, response.status_code, defect, sent, excerpt(response.content))
            for defect in defects
        ]


@pytest.mark.parametrize("service", ATTACK_ORDER)
async def test_hostile_values_in_any_field_or_parameter_get_a_problem_never_a_5xx_A28_1(service: str, hub: Hub) -> None:
    document = hub.documents[service]
    routes = routes_of(service, document)
    if not routes:
        pytest.skip(f"{service} declares no route a client calls yet")
    findings: list[Finding] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=60.0) as client:

        async def send(attack: Attack, target: Target | None, value: object) -> list[Finding]:
            async with gate:
                return await attack.send(client, target, value)

        for route in routes:
            for valid in VALID.get((service, route.method, route.path), (None,)):
                media_type = valid.media_type if valid else route.declared_media_type()
                base = None
                if valid is None and media_type and route.method in WRITES:
                    base = await asyncio.to_thread(generated_body, document, route, media_type)
                attack = Attack(hub, route, caller_of(route, valid), valid, media_type, base)
                findings += await attack.send(client, None, None)
                known = hub.known_to(service)
                targets = targets_of(route, document, media_type, valid.body(known) if valid else base)
                drawn = await asyncio.to_thread(drawn_values, targets, VALUES) if targets else []
                answers = await asyncio.gather(
                    *(send(attack, target, value) for values in drawn for target, value in values.items())
                )
                findings += [finding for answer in answers for finding in answer]
    assert not findings, report(findings)
