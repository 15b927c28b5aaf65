"""The input edge: text PostgreSQL cannot store is a 422 naming the field, before any handler runs (A28.1)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Form, Request, params
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from hub.input_edge import unstorable_locations
from hub.internal_token import HEADER, Caller, TokenSigner

NUL_JSON = b'{"name": "a\\u0000b"}'
SURROGATE_JSON = b'{"name": "a\\ud800"}'


def storable(text: str) -> bool:
    """What PostgreSQL's text types take, stated independently of the module: no NUL (the server's own rule), and
    only what UTF-8 can encode (asyncpg sends UTF-8, and an unpaired surrogate has no encoding)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, child in value.items() for s in [key, *_strings(child)]]
    if isinstance(value, list):
        return [s for child in value for s in _strings(child)]
    return []


# Any character, surrogates included (hypothesis leaves them out by default), and the two kinds at fault often.
characters = st.characters(exclude_categories=()) | st.sampled_from(["\x00", "\ud800", "\udfff"])
texts = st.text(characters, max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_a_json_document_is_refused_exactly_when_it_holds_text_postgresql_cannot_store_A28_1(value: Any) -> None:
    decoded = json.loads(json.dumps(value))  # as the request's body decodes: surrogates arrive as \ud800 escapes
    found = list(unstorable_locations(decoded, "body"))
    assert bool(found) == (not all(storable(s) for s in _strings(decoded)))


def test_each_location_names_the_value_or_key_at_fault_in_document_order_A28_1() -> None:
    document = {"items": [{"name": "ok"}, {"name": "a\x00"}], "k\ud800": {"deep": ["x", "\udfff"]}, "z": "\x00"}
    assert list(unstorable_locations(document, "body")) == [
        "body.items.1.name",
        "body.k\\ud800",
        "body.k\\ud800.deep.1",
        "body.z",
    ]


class Thing(BaseModel):
    name: str
    tags: list[str] = []


@pytest.fixture
def handled() -> list[str]:
    """What reached a handler: a refused request must add nothing."""
    return []


@pytest.fixture
async def client(make_service_app: Callable[..., FastAPI], handled: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    router = APIRouter()

    @router.post("/things/{kind}")
    async def create_thing(kind: str, thing: Thing, region: str | None = None) -> dict[str, str]:
        handled.append(thing.name)
        return {"kind": kind}

    @router.post("/login")
    async def login(username: Annotated[str, Form()]) -> dict[str, str]:
        handled.append(username)
        return {}

    @router.post("/stream")
    async def stream(request: Request) -> dict[str, int]:
        size = sum([len(chunk) async for chunk in request.stream()])
        handled.append("stream")
        return {"size": size}

    app = make_service_app(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        yield http


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_nul_in_a_json_string_is_refused_naming_the_field_before_the_handler_A28_1(
    client: httpx.AsyncClient, handled: list[str]
) -> None:
    response = await client.post("/things/a", content=NUL_JSON, headers={"content-type": "application/json"})
    assert _fields(response) == ["body.name"]
    assert handled == []


async def test_an_unpaired_surrogate_in_json_is_refused_not_a_500_A28_1(
    client: httpx.AsyncClient, handled: list[str]
) -> None:
    response = await client.post("/things/a", content=SURROGATE_JSON, headers={"content-type": "application/json"})
    assert _fields(response) == ["body.name"]
    nested = b'{"name": "ok", "tags": ["fine", "\\udc00"]}'
    response = await client.post("/things/a", content=nested, headers={"content-type": "application/merge+json"})
    assert _fields(response) == ["body.tags.1"]
    assert handled == []


async def test_text_that_only_looks_like_an_escape_and_paired_surrogates_pass_A28_1(
    client: httpx.AsyncClient, handled: list[str]
) -> None:
    escaped_backslash = b'{"name": "a\\\\u0000", "tags": ["\\ud83d\\ude00"]}'  # the text a\u0000, and an emoji
    response = await client.post("/things/a", content=escaped_backslash, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert handled == ["a\\u0000"]


async def test_nul_in_query_path_and_form_is_refused_naming_each_field_A28_1(
    client: httpx.AsyncClient, handled: list[str]
) -> None:
    body = {"content": b'{"name": "x"}', "headers": {"content-type": "application/json"}}
    assert _fields(await client.post("/things/a?region=%00", **body)) == ["query.region"]  # type: ignore[arg-type]
    assert _fields(await client.post("/things/%00", **body)) == ["path.kind"]  # type: ignore[arg-type]
    assert _fields(await client.post("/things/a?x%00=1", **body)) == ["query.x\\u0000"]  # type: ignore[arg-type]
    assert _fields(await client.post("/login", data={"username": "ad\x00min"})) == ["body.username"]
    assert handled == []


async def test_a_streamed_body_is_left_to_its_route_but_its_query_is_checked_A28_1(
    client: httpx.AsyncClient, handled: list[str]
) -> None:
    # The route reads its body as a stream (as ingest and import do); the edge must not read it for it.
    response = await client.post(
        "/stream", content=b'{"name": "\\u0000"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"size": 18}
    assert _fields(await client.post("/stream?batch=%00", content=b"x")) == ["query.batch"]
    assert handled == ["stream"]


# Routes that take no input: the probes, and the API documentation every app serves.
INPUTLESS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")
PATH_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def _routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    """(method, path, whether FastAPI parses its body as JSON) of every route of the app that takes input."""
    found: list[tuple[str, str, bool]] = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path or "", route.methods or set()
        if not isinstance(route.original_route, APIRoute) or path.startswith(INPUTLESS):
            continue
        body = route.body_field
        parsed_json = body is not None and not isinstance(body.field_info, params.Form)
        found += [(method, path, parsed_json) for method in sorted(methods)]
    return found


async def test_every_route_of_every_service_refuses_nul_before_its_handler_A28_1(
    service_apps: dict[str, FastAPI], internal_keys: tuple[str, str]
) -> None:
    walked = 0
    for service in ("catalog", "share", "open", "aggregation", "supervision"):
        # The app is not started: it has no database, so a request the edge let through would fail, not answer 422.
        app = service_apps[service]
        token = TokenSigner(internal_keys[0]).sign(Caller(subject="walker"), app.state.settings.service_name)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http:
            for method, path, parsed_json in _routes(app):
                # A body the route streams itself (the centre's ingest) is its parser's to check, not the edge's.
                expected = [f"path.{name}" for name in PATH_PARAMETER.findall(path)] + ["query.probe"]
                expected += ["body.probe"] if parsed_json else []
                response = await http.request(
                    method,
                    PATH_PARAMETER.sub("%00", path) + "?probe=%00",
                    content=b'{"probe": "\\u0000"}',
                    headers={HEADER: token, "content-type": "application/json"},
                )
                assert sorted(_fields(response)) == sorted(expected), (service, method, path, response.text)
                walked += 1
    assert walked > 20  # catalog-svc alone has more routes than that


async def test_the_gateways_token_form_refuses_nul_before_any_credential_check_A28_1(
    service_apps: dict[str, FastAPI],
) -> None:
    app = service_apps["gateway"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        form = {"grant_type": "password", "username": "ad\x00min", "password": str(uuid.uuid4())}
        response = await http.post("/auth/token", data=form)
    assert _fields(response) == ["body.username"]
