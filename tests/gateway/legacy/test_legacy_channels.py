"""The register of existing point-to-point channels, tracked until integrated into the hub (A12.1): the lifecycle
table walked whole, the overdue rule, and the register and its indicator through the gateway."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.legacy.models import LegacyChannel
from gateway.legacy.rules import REMAINING, is_overdue, next_status
from gateway.legacy.service import indicator
from harness import CITY, LocalMesh, MeshStarter, agency_known_to_gateway, region_admin
from hub.lifecycle import IllegalTransition

STATUSES = ["registered", "integrating", "integrated", "retired"]
MOVES = ["integrating", "integrated", "retired"]
# Written from A12.1 (a channel is integrated, or shut down, and then it is done), not read from the module.
ALLOWED = {
    ("registered", "integrating"): "integrating",
    ("registered", "retired"): "retired",
    ("integrating", "integrated"): "integrated",
    ("integrating", "retired"): "retired",
}
TODAY = date(2026, 3, 2)
XISHAN = "320205"


def test_channels_still_to_integrate_are_the_registered_and_integrating_ones_A12_1() -> None:
    assert set(REMAINING) == {"registered", "integrating"}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, MOVES)))
def test_every_status_and_move_A12_1(current: str, wanted: str) -> None:
    if (current, wanted) in ALLOWED:
        assert next_status(current, wanted) == ALLOWED[(current, wanted)]
        return
    with pytest.raises(IllegalTransition) as refused:
        next_status(current, wanted)
    assert refused.value.status == 409
    assert refused.value.requirement == "A12.1"
    assert refused.value.extensions["state"] == current
    assert refused.value.extensions["allowed_actions"] == [w for (c, w) in ALLOWED if c == current]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("days_left", [-30, -1, 0, 1])
def test_a_channel_is_overdue_when_still_in_use_after_its_deadline_A12_1(status: str, days_left: int) -> None:
    overdue = is_overdue(status, TODAY + timedelta(days=days_left), TODAY)
    # On the deadline day itself it is not late yet; once integrated or retired it is never late.
    assert overdue is (status in ("registered", "integrating") and days_left < 0)


def channel(status: str, deadline: date, region: str = CITY) -> LegacyChannel:
    return LegacyChannel(
        id=uuid.uuid4(),
        agency_id=uuid.uuid4(),
        counterpart="省人社厅",
        name="社保数据前置机",
        description="",
        region_code=region,
        status=status,
        deadline=deadline,
        registered_by="admin",
        registered_at=datetime.now(UTC),
    )


def test_the_indicator_counts_every_status_what_remains_and_what_is_overdue_A12_1() -> None:
    past, future = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    channels = [
        channel("registered", past),
        channel("registered", future),
        channel("integrating", past),
        channel("integrated", past),
        channel("retired", past),
    ]
    counted = indicator(channels, CITY, TODAY)
    assert counted.region_code == CITY
    assert (counted.total, counted.remaining, counted.overdue) == (5, 3, 2)
    assert counted.by_status == {"registered": 2, "integrating": 1, "integrated": 1, "retired": 1}


def test_an_empty_register_counts_zero_of_every_status() -> None:
    counted = indicator([], XISHAN, TODAY)
    assert (counted.total, counted.remaining, counted.overdue) == (0, 0, 0)
    assert counted.by_status == dict.fromkeys(STATUSES, 0)


# Through the gateway


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    async with start_mesh(["gateway"]) as running:
        yield running


async def register(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], name: str, deadline: date, region: str = CITY
) -> dict[str, Any]:
    """A channel of an agency of the region, which the gateway knows (a channel is its agency's, A4.1)."""
    body = {
        "agency_id": await agency_known_to_gateway(mesh, region),
        "counterpart": "江苏省公安厅",
        "name": name,
        "description": "专线直连的数据交换",
        "region_code": region,
        "deadline": deadline.isoformat(),
    }
    response = await gateway.post("/admin/legacy-channels", json=body, headers=admin)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def move(gateway: httpx.AsyncClient, admin: dict[str, str], channel_id: str, status: str) -> httpx.Response:
    return await gateway.patch(f"/admin/legacy-channels/{channel_id}", json={"status": status}, headers=admin)


@pytest.mark.integration
async def test_channels_are_registered_integrated_and_counted_until_none_remains_A12_1(mesh: LocalMesh) -> None:
    admin = await region_admin(mesh)
    today = datetime.now(UTC).date()
    async with mesh.client("gateway") as gateway:
        integrated = await register(mesh, gateway, admin, "人口库前置机", today + timedelta(days=30))
        late = await register(mesh, gateway, admin, "不动产FTP交换", today - timedelta(days=2))
        pending = await register(mesh, gateway, admin, "公积金专线", today + timedelta(days=60))
        retired = await register(mesh, gateway, admin, "旧OA接口", today + timedelta(days=10))
        integrating = await move(gateway, admin, integrated["id"], "integrating")
        done = await move(gateway, admin, integrated["id"], "integrated")
        shut_down = await move(gateway, admin, retired["id"], "retired")
        listed = (await gateway.get("/admin/legacy-channels", headers=admin)).json()
        counted = (await gateway.get("/admin/legacy-channels/indicator", headers=admin)).json()
    assert late["status"] == "registered"
    assert late["overdue"] is True
    assert pending["overdue"] is False
    assert integrating.json()["status"] == "integrating"
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "integrated"
    assert done.json()["integrated_at"] is not None
    assert shut_down.json()["status"] == "retired"
    # Earliest deadline first, each with whether it is overdue.
    assert [(c["name"], c["status"], c["overdue"]) for c in listed] == [
        ("不动产FTP交换", "registered", True),
        ("旧OA接口", "retired", False),
        ("人口库前置机", "integrated", False),
        ("公积金专线", "registered", False),
    ]
    assert counted == {
        "region_code": CITY,
        "total": 4,
        "remaining": 2,
        "overdue": 1,
        "by_status": {"registered": 2, "integrating": 0, "integrated": 1, "retired": 1},
    }


@pytest.mark.integration
async def test_an_illegal_transition_is_a_409_problem_and_changes_nothing_A12_1(mesh: LocalMesh) -> None:
    admin = await region_admin(mesh)
    async with mesh.client("gateway") as gateway:
        registered = await register(mesh, gateway, admin, "人口库前置机", date.today() + timedelta(days=30))
        skipped = await move(gateway, admin, registered["id"], "integrated")
        assert (await move(gateway, admin, registered["id"], "retired")).status_code == 200
        revived = await move(gateway, admin, registered["id"], "integrating")
        unknown = await move(gateway, admin, str(uuid.uuid4()), "integrating")
        listed = (await gateway.get("/admin/legacy-channels", headers=admin)).json()
    for refused in (skipped, revived):
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["requirement"] == "A12.1"
    assert "allowed: integrating, retired" in skipped.json()["detail"]
    assert "allowed: nothing (it is final)" in revived.json()["detail"]
    assert unknown.status_code == 404
    assert [c["status"] for c in listed] == ["retired"]


@pytest.mark.integration
async def test_a_district_registers_and_counts_only_its_own_channels_and_the_city_sees_all_A4_1(
    mesh: LocalMesh,
) -> None:
    city_admin = await region_admin(mesh)
    district_admin = await region_admin(mesh, "admin.xishan", XISHAN)
    deadline = date.today() + timedelta(days=30)
    async with mesh.client("gateway") as gateway:
        city_channel = await register(mesh, gateway, city_admin, "市级专线", deadline)
        await register(mesh, gateway, city_admin, "锡山区专线", deadline, region=XISHAN)
        outside = await gateway.post(
            "/admin/legacy-channels",
            json={
                "agency_id": await agency_known_to_gateway(mesh, CITY),
                "counterpart": "市局",
                "name": "越权登记",
                "region_code": CITY,
                "deadline": deadline.isoformat(),
            },
            headers=district_admin,
        )
        moved_outside = await move(gateway, district_admin, city_channel["id"], "integrating")
        district_count = (await gateway.get("/admin/legacy-channels/indicator", headers=district_admin)).json()
        city_count = (await gateway.get("/admin/legacy-channels/indicator", headers=city_admin)).json()
    for refused in (outside, moved_outside):
        assert refused.status_code == 403, refused.text
        assert refused.json()["requirement"] == "A4.1"
    assert (district_count["region_code"], district_count["total"]) == (XISHAN, 1)
    assert (city_count["region_code"], city_count["total"]) == (CITY, 2)


async def test_a_channel_is_registered_only_for_a_known_agency_of_the_administrators_region_A4_1_A12_1(
    mesh: LocalMesh,
) -> None:
    city_agency = await agency_known_to_gateway(mesh, CITY)
    async with mesh.client("gateway") as gateway:
        district_admin = await region_admin(mesh, "xishan-admin", XISHAN)
        body = {"counterpart": "省厅", "name": "专线", "region_code": XISHAN, "deadline": "2027-06-30"}

        unknown = await gateway.post("/admin/legacy-channels", json=body | {"agency_id": str(uuid.uuid4())},
                                     headers=district_admin)  # fmt: skip
        elsewhere = await gateway.post("/admin/legacy-channels", json=body | {"agency_id": city_agency},
                                       headers=district_admin)  # fmt: skip
        listed = await gateway.get("/admin/legacy-channels", headers=district_admin)

    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["agency_id"]
    assert elsewhere.status_code == 403
    assert elsewhere.json()["requirement"] == "A4.1"
    assert listed.json() == []
