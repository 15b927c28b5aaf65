"""Another agency reads an entry's records only under its grant, checked by the big data centre on every pull
(A21.1): its agency, this entry, not revoked, within its period, for the declared purpose, only its items. The
grant and the rows served reach the gateway's audit trail (A21.1, A36.1); values delivered under a grant carry its
fingerprint while meaning the same; the entry's own agency and the bureau read as before, unmarked. Grant events
are published on the real share.events as share-svc publishes them."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from aggregation.centre import NDJSON_TYPE, PERSON_ITEMS, World, ndjson, person, register_agency
from aggregation.grants.share_events import PURPOSE, ShareTopic, issued, revocation, share_topic

from harness import CITY, assert_problem, eventually, register_client, rows
from hub.contracts.share import GrantIssued

pytestmark = pytest.mark.integration

ITEMS: list[dict[str, Any]] = [
    *PERSON_ITEMS,
    {"name": "allowance", "label": "补助金额", "data_type": "decimal", "length": 8},
    {"name": "checked_at", "label": "核验时间", "data_type": "datetime"},
]
GRANTED = ["full_name", "allowance", "checked_at"]
RECORDS = 30


def stored(n: int) -> dict[str, Any]:
    """Record n as the police push it: amounts and times in their canonical text, as the centre stores them."""
    return person(n, allowance=f"{1000 + n}.5", checked_at=f"2026-11-{1 + n % 28:02d}T10:{n % 60:02d}:00+08:00")


@dataclass
class Shared:
    entry_id: str
    grant: GrantIssued
    share: ShareTopic


@pytest.fixture(scope="module")
async def share(world: World) -> AsyncIterator[ShareTopic]:
    async with share_topic(world) as topic:
        yield topic


@pytest.fixture(scope="module")
async def shared(world: World, share: ShareTopic) -> Shared:
    """A police entry with records, and a grant of some of its items to the water bureau."""
    entry_id = await world.publish(world.police, items=ITEMS)
    pushed = await world.push(entry_id, "all", ndjson(stored(n) for n in range(RECORDS)), world.police.system)
    assert pushed.json()["stored"] == RECORDS, pushed.text
    grant = issued(entry_id, world.water.id, world.police.id, GRANTED)
    await share.publish(grant)
    return Shared(entry_id, grant, share)


def purpose(text: str = PURPOSE) -> dict[str, str]:
    return {"x-hub-purpose": quote(text)}


async def pull(
    world: World, entry_id: str, headers: dict[str, str], *, stream: bool = False, **params: Any
) -> httpx.Response:
    accept = {"accept": NDJSON_TYPE} if stream else {}
    return await world.gateway.get(
        f"/api/aggregation/entries/{entry_id}/records", headers={**headers, **accept}, params=params
    )


async def audited(world: World, entry_id: str) -> dict[str, Any]:
    """The gateway's audit record of the last pull of the entry's records (committed before the answer began)."""
    found = await rows(
        world.mesh.databases["gateway"],
        "SELECT grant_id, row_count, entry, items, purpose, status FROM audit_records WHERE path = $1 "
        "ORDER BY seq DESC LIMIT 1",
        f"/api/aggregation/entries/{entry_id}/records",
    )
    return dict(found[0])


def refusal(response: httpx.Response, status: int = 403) -> dict[str, Any]:
    problem = assert_problem(response, status)
    assert problem["requirement"] == "A21.1", problem
    return problem


async def test_an_agency_reads_only_its_granted_items_and_the_audit_records_grant_and_rows_A21_1(
    world: World, shared: Shared
) -> None:
    response = await pull(world, shared.entry_id, {**world.water.system, **purpose()}, limit=1000)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["items"] == GRANTED
    assert len(page["records"]) == RECORDS
    assert all(set(record) == set(GRANTED) for record in page["records"])
    assert {r["full_name"] for r in page["records"]} == {stored(n)["full_name"] for n in range(RECORDS)}
    record = await audited(world, shared.entry_id)
    assert record == {"grant_id": str(shared.grant.grant_id), "row_count": RECORDS, "entry": shared.entry_id,
                      "items": ",".join(GRANTED), "purpose": PURPOSE, "status": 200}  # fmt: skip


async def test_a_stream_under_a_grant_reports_its_row_count_before_it_starts_A21_1(
    world: World, shared: Shared
) -> None:
    response = await pull(world, shared.entry_id, {**world.water.system, **purpose()}, stream=True, items="full_name")
    assert response.status_code == 200, response.text
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == sorted(({"full_name": stored(n)["full_name"]} for n in range(RECORDS)),
                           key=lambda r: person(int(r["full_name"].removeprefix("居民")))["id_number"])  # fmt: skip
    record = await audited(world, shared.entry_id)
    assert (record["grant_id"], record["row_count"], record["items"]) == (str(shared.grant.grant_id), RECORDS,
                                                                          "full_name")  # fmt: skip


async def test_values_under_a_grant_carry_its_fingerprint_and_keep_their_meaning_A21_1(
    world: World, shared: Shared
) -> None:
    by_name = {stored(n)["full_name"]: stored(n) for n in range(RECORDS)}
    page = (await pull(world, shared.entry_id, {**world.water.system, **purpose()}, limit=1000)).json()["records"]
    for record in page:
        original = by_name[record["full_name"]]
        assert Decimal(record["allowance"]) == Decimal(original["allowance"])
        assert datetime.fromisoformat(record["checked_at"]) == datetime.fromisoformat(original["checked_at"])
    # 1234.5 may be written 1234.5, 1234.50, 1234.500 or 1234.5000 (8 digits): thirty values all left as stored
    # would happen once in 4^30 deliveries, so some are marked.
    assert any(record["allowance"] != by_name[record["full_name"]]["allowance"] for record in page)
    # The mark is the grant's choice per value: the stream spells every value as the page did.
    streamed = await pull(world, shared.entry_id, {**world.water.system, **purpose()}, stream=True)
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    assert sorted(lines, key=lambda r: r["full_name"]) == sorted(page, key=lambda r: r["full_name"])


async def test_the_responsible_agency_and_the_bureau_read_every_item_unmarked_without_a_grant_A21_1(
    world: World, shared: Shared
) -> None:
    expected = sorted((stored(n) | {"registered_on": None} for n in range(RECORDS)), key=lambda r: r["id_number"])
    for reader in (world.police.system, world.reviewer):
        page = await pull(world, shared.entry_id, reader, limit=1000)
        assert page.status_code == 200, page.text
        assert page.json()["records"] == expected
        assert (await audited(world, shared.entry_id))["grant_id"] is None
        streamed = await pull(world, shared.entry_id, reader, stream=True)
        assert [json.loads(line) for line in streamed.text.splitlines()] == expected
        record = await audited(world, shared.entry_id)
        assert (record["grant_id"], record["row_count"]) == (None, RECORDS)


async def test_the_consumer_agencys_officer_reads_under_its_grant_too_A21_1(world: World, shared: Shared) -> None:
    officer = await register_client(world.gateway, world.admin, "agency_person", ["agency_officer"],
                                    agency_id=world.water.id)  # fmt: skip
    response = await pull(world, shared.entry_id, {**officer, **purpose()}, items="full_name", limit=2)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == ["full_name"]


async def test_items_outside_the_grant_are_refused_naming_them_A21_1(world: World, shared: Shared) -> None:
    response = await pull(world, shared.entry_id, {**world.water.system, **purpose()}, items="full_name,id_number")
    problem = refusal(response)
    assert problem["errors"][0]["field"] == "items"
    assert "id_number" in problem["detail"]
    assert (await audited(world, shared.entry_id))["status"] == 403


async def test_a_filter_on_a_key_item_outside_the_grant_is_refused_A21_1(world: World, shared: Shared) -> None:
    # A filter on the identity number would tell whose records exist, an item the grant does not give.
    params = {"key.id_number": stored(3)["id_number"]}
    response = await pull(world, shared.entry_id, {**world.water.system, **purpose()}, **params)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["key.id_number"]


async def test_cursors_under_a_grant_page_through_every_record_and_reveal_no_key_item_A21_1(
    world: World, shared: Shared
) -> None:
    headers = {**world.water.system, **purpose()}
    names: list[str] = []
    cursor = None
    while True:
        page = (await pull(world, shared.entry_id, headers, limit=7, **({"cursor": cursor} if cursor else {}))).json()
        names += [r["full_name"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        opened = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert not any(stored(n)["id_number"].encode() in opened for n in range(RECORDS))
    assert sorted(names) == sorted(stored(n)["full_name"] for n in range(RECORDS))
    # A cursor as the entry's own agency is given (its record key in the clear) is none of this grant's.
    owners = (await pull(world, shared.entry_id, world.police.system, limit=7)).json()["next_cursor"]
    forged = await pull(world, shared.entry_id, headers, cursor=owners)
    assert [e["field"] for e in assert_problem(forged, 422)["errors"]] == ["cursor"]


async def test_a_pull_without_a_declared_purpose_is_refused_naming_the_header_A21_1(
    world: World, shared: Shared
) -> None:
    for stream in (False, True):
        problem = refusal(await pull(world, shared.entry_id, world.water.system, stream=stream), 422)
        assert [e["field"] for e in problem["errors"]] == ["x-hub-purpose"]


async def test_a_pull_for_another_purpose_is_refused_A21_1(world: World, shared: Shared) -> None:
    named = refusal(await pull(world, shared.entry_id, {**world.water.system, **purpose("信用评价")},
                               grant=str(shared.grant.grant_id)))  # fmt: skip
    assert named["errors"][0]["field"] == "x-hub-purpose"
    assert PURPOSE in named["detail"]
    picked = refusal(await pull(world, shared.entry_id, {**world.water.system, **purpose("信用评价")}))
    assert picked["errors"][0]["field"] == "x-hub-purpose"
    # The same purpose written with full-width spaces and other case is the same purpose (hub.purposes).
    same = await pull(world, shared.entry_id, {**world.water.system, **purpose(f"　{PURPOSE} ")}, limit=1)
    assert same.status_code == 200, same.text


async def test_another_agencys_grant_or_a_grant_of_another_entry_is_no_grant_of_the_caller_A21_1(
    world: World, shared: Shared
) -> None:
    stranger = await register_agency(world.gateway, world.admin, "无锡市民政局", CITY)
    other_entry = await world.publish(world.police, items=ITEMS)
    unknown = str(uuid.uuid4())
    theirs = refusal(await pull(world, shared.entry_id, {**stranger.system, **purpose()},
                                grant=str(shared.grant.grant_id)))  # fmt: skip
    streamed = refusal(await pull(world, shared.entry_id, {**stranger.system, **purpose()}, stream=True,
                                  grant=str(shared.grant.grant_id)))  # fmt: skip
    assert streamed["detail"] == theirs["detail"]
    never_issued = refusal(await pull(world, shared.entry_id, {**stranger.system, **purpose()}, grant=unknown))
    none_held = refusal(await pull(world, shared.entry_id, {**stranger.system, **purpose()}))
    wrong_entry = refusal(await pull(world, other_entry, {**world.water.system, **purpose()},
                                     grant=str(shared.grant.grant_id)))  # fmt: skip
    assert all(p["errors"][0]["field"] == "grant" for p in (theirs, never_issued, none_held, wrong_entry))
    # Another agency's grant gets the answer an unknown one gets: nothing tells it the grant exists.
    assert theirs["detail"].replace(str(shared.grant.grant_id), unknown) == never_issued["detail"]


async def test_a_revoked_grant_refuses_the_next_pull_with_when_and_why_A21_1(
    world: World, shared: Shared, share: ShareTopic
) -> None:
    grant = issued(shared.entry_id, world.water.id, world.police.id, ["full_name"], purpose="防汛人员核查")
    await share.publish(grant)
    headers = {**world.water.system, **purpose("防汛人员核查")}
    assert (await pull(world, shared.entry_id, headers, limit=1)).status_code == 200
    revoked = revocation(grant)
    await share.send(revoked)

    async def refused() -> dict[str, Any] | None:
        response = await pull(world, shared.entry_id, headers, limit=1)
        return refusal(response) if response.status_code == 403 else None

    problem = await eventually(refused, within=5)
    assert "revoked" in problem["detail"]
    assert revoked.reason in problem["detail"]


async def test_an_expired_grant_is_refused_A21_1(world: World, shared: Shared) -> None:
    app = world.mesh.services["aggregation"].app
    app.state.clock = lambda: shared.grant.valid_until + timedelta(seconds=1)
    try:
        response = await pull(world, shared.entry_id, {**world.water.system, **purpose()},
                              grant=str(shared.grant.grant_id))  # fmt: skip
    finally:
        app.state.clock = None
    assert "expired" in refusal(response)["detail"]
    # At its last moment it still held.
    app.state.clock = lambda: shared.grant.valid_until - timedelta(microseconds=1)
    try:
        assert (await pull(world, shared.entry_id, {**world.water.system, **purpose()}, limit=1)).status_code == 200
    finally:
        app.state.clock = None


async def test_a_grant_not_yet_valid_is_refused_A21_1(world: World, shared: Shared, share: ShareTopic) -> None:
    starts = shared.grant.issued_at + timedelta(days=30)
    later = issued(shared.entry_id, world.water.id, world.police.id, GRANTED, purpose="汛期补助发放",
                   valid_from=starts, valid_until=starts + timedelta(days=30))  # fmt: skip
    await share.publish(later)
    problem = refusal(await pull(world, shared.entry_id, {**world.water.system, **purpose("汛期补助发放")}))
    assert "not valid before" in problem["detail"]


async def test_without_naming_a_grant_the_pull_is_made_under_the_grant_of_its_purpose_A21_1(
    world: World, shared: Shared, share: ShareTopic
) -> None:
    other = issued(shared.entry_id, world.water.id, world.police.id, ["full_name"], purpose="水费减免核定")
    await share.publish(other)
    for grant, text in ((shared.grant, PURPOSE), (other, "水费减免核定")):
        response = await pull(world, shared.entry_id, {**world.water.system, **purpose(text)}, items="full_name")
        assert response.status_code == 200, response.text
        assert (await audited(world, shared.entry_id))["grant_id"] == str(grant.grant_id)
    # Its items are the grant's: asked for more, it is refused naming them.
    more = await pull(world, shared.entry_id, {**world.water.system, **purpose("水费减免核定")}, items="allowance")
    assert refusal(more)["errors"][0]["field"] == "items"


@pytest.mark.parametrize(
    ("headers", "params", "field"),
    [
        ({"x-hub-purpose": "%00"}, {}, "x-hub-purpose"),  # NUL
        ({"x-hub-purpose": "%FF%FE"}, {}, "x-hub-purpose"),  # no UTF-8
        ({"x-hub-purpose": "%E4%BD%8E" * 201}, {}, "x-hub-purpose"),  # 201 characters: longer than any purpose
        ({"x-hub-purpose": "x" * 5000}, {}, "header.x-hub-purpose"),  # longer than any encoded purpose
        ({"x-hub-purpose": "%1B%5B31m"}, {}, "x-hub-purpose"),  # a terminal escape
        ({}, {"grant": "not-a-grant"}, "query.grant"),
        ({}, {"grant": "00000000-0000-0000-0000-00000000000\x00"}, "query.grant"),
    ],
)
async def test_hostile_purposes_and_grant_ids_are_refused_naming_the_field_never_a_5xx_A21_1(
    world: World, shared: Shared, headers: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = await pull(world, shared.entry_id, {**world.water.system, **headers}, **params)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
