"""Each agency's open list is generated from its published open entries and published on the open platform; every
change to it (added, removed, attribute changed) is dated and visible as the list's history, and announced on
open.events (A23.1). Through the gateway, anonymously, on the real mesh."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from open.datasets.world import NOT_OPEN, World

from harness import assert_problem, eventually, records_of

pytestmark = pytest.mark.integration


async def test_an_agencys_open_list_holds_its_open_entries_in_code_order_with_counts_A23_1(world: World) -> None:
    water = await world.agency("无锡市水利局")
    opened = [await world.publish(water, name=f"水利工程{i}", summary="水利工程名录。") for i in range(2)]
    on_conditions = await world.publish(water, name="取水许可", summary="取水许可证。", open_type="conditional",
                                        open_conditions="签订开放利用协议。")  # fmt: skip
    await world.publish(water, name="河道管理人员", summary="河长名单。", **NOT_OPEN)

    first = await world.ok(f"/open-lists/{water.id}", limit=2)
    rest = await world.ok(f"/open-lists/{water.id}", limit=2, after=first["next_after"])

    assert (first["agency_name"], first["total"], first["unconditional"], first["conditional"]) == (
        "无锡市水利局", 3, 2, 1,
    )  # fmt: skip
    listed = [e["entry_id"] for e in first["items"] + rest["items"]]
    assert sorted(listed) == sorted([*opened, on_conditions])
    codes = [e["code"] for e in first["items"] + rest["items"]]
    assert codes == sorted(codes)
    assert rest["next_after"] is None
    assert first["items"][0]["items"][0] == {"name": "record_no", "label": "缴费记录编号", "data_type": "string"}
    agencies = {a["agency_id"]: a for a in (await world.ok("/open-lists", limit=200))["items"]}
    assert (agencies[water.id]["total"], agencies[water.id]["conditional"]) == (3, 1)
    assert agencies[water.id]["changed_at"] is not None


async def test_every_change_of_an_open_list_is_dated_in_its_history_and_announced_A23_1(world: World) -> None:
    traffic = await world.agency("无锡市公安局交通警察支队")
    entry_id = await world.publish(traffic, name="交通信号灯位置", summary="路口信号灯位置。")
    await world.republish(entry_id, 2, traffic, name="交通信号灯位置", summary="路口信号灯位置。", update_cycle="daily")
    await world.republish(entry_id, 3, traffic, name="交通信号灯位置", summary="路口信号灯位置。", **NOT_OPEN)
    await world.republish(entry_id, 4, traffic, name="交通信号灯点位", summary="路口信号灯位置。")
    await world.retire(entry_id, traffic)

    history = await world.ok(f"/open-lists/{traffic.id}/history")

    changes = history["items"]
    assert [(c["change"], c["version"]) for c in changes] == [
        ("removed", 4), ("added", 4), ("removed", 3), ("changed", 2), ("added", 1),
    ]  # fmt: skip
    assert changes[3]["changes"] == {"update_cycle": {"before": "monthly", "after": "daily"}}
    assert changes[1]["name"] == "交通信号灯点位"
    dates = [datetime.fromisoformat(c["at"]) for c in changes]
    assert dates == sorted(dates, reverse=True)
    assert {d.astimezone(UTC).date() for d in dates} == {datetime.now(UTC).date()}
    assert all(c["published_at"] for c in changes)
    # Paged, newest first.
    older = await world.ok(f"/open-lists/{traffic.id}/history", limit=2, before=changes[1]["id"])
    assert [c["id"] for c in older["items"]] == [changes[2]["id"], changes[3]["id"]]
    assert (await world.ok(f"/open-lists/{traffic.id}"))["total"] == 0

    events = await eventually(lambda: _announced(world, entry_id, 5))
    assert [(e["change"], e["version"]) for e in events] == [
        ("added", 1), ("changed", 2), ("removed", 3), ("added", 4), ("removed", 4),
    ]  # fmt: skip
    assert events[1]["fields"] == ["update_cycle"]


async def _announced(world: World, entry_id: str, count: int) -> list[dict[str, Any]]:
    """The open-list events of the entry on open.events, once there are `count` of them."""
    records = await records_of(world.kafka, f"{world.topic_prefix}open.events")
    listed = [json.loads(r.value) for r in records if (b"open.list.changed" in dict(r.headers).values()) and r.value]
    found = [event for event in listed if event["entry_id"] == entry_id]
    return found if len(found) == count else []


async def test_the_open_list_of_an_agency_unknown_to_the_open_platform_is_not_found_A23_1(world: World) -> None:
    assert_problem(await world.get(f"/open-lists/{uuid.uuid4()}"), 404)
    assert_problem(await world.get(f"/open-lists/{uuid.uuid4()}/history"), 404)
    archive = await world.agency("无锡市档案局")
    empty = await eventually(lambda: _listed(world, archive.id))
    assert (empty["total"], empty["items"], empty["changed_at"]) == (0, [], None)
    assert_problem(await world.get(f"/open-lists/{archive.id}/history", before=0), 422)


async def _listed(world: World, agency_id: str) -> Any:
    """The agency's open list, once open-svc knows the agency."""
    response = await world.get(f"/open-lists/{agency_id}")
    return response.json() if response.status_code == 200 else None
