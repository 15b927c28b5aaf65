"""The sharing indicators through the gateway on the real mesh (A32.1): applications by outcome, hours to the
provider's and to the bureau's decision, overdue reviews and undecided disputes, per provider agency and per bureau,
in each caller's scope (A4.1, A15.2).

The scenario below is walked on share-svc's clock; every expected figure is worked out here by hand from it (the
hours each party took, the percentiles interpolated as PostgreSQL's percentile_cont does: position q·(n−1) in the
sorted hours), never read from the module under test.

    T0 = 2026-03-02 09:00 in Wuxi (a Monday). E1: a city entry of the provider P1; E2: a district (320205) entry
    of P2. Every application is the consumer's.
    a1  E1  applied T0       P1 approves T0+2h, the bureau approves T0+5h           → granted   (P1 2h,  bureau 5h)
    a2  E1  applied T0+1h    P1 refuses T0+11h; disputed T0+12h, escalated T0+13h   → refused   (P1 10h)
    a3  E1  applied T0+2h    the bureau approves T0+5h, P1 approves T0+32h          → granted   (P1 30h, bureau 3h)
    a4  E1  applied T0+3h    nobody decides: both reviews due 2026-03-09            → pending, overdue on 2026-04-01
    a5  E1  applied T0+4h    withdrawn T0+6h                                        → withdrawn
    a6  E2  applied T0       the district's bureau refuses T0+8h; disputed T0+9h    → refused   (bureau 320205 8h)
    The indicators are read on 2026-04-01.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from share.disputes.world import DISTRICT, T0, Sharing, sharing_world

from harness import CITY, Infra, Keys, assert_problem

pytestmark = pytest.mark.integration

HOUR = timedelta(hours=1)
READ_ON = T0 + timedelta(days=30)  # 2026-04-01 09:00 in Wuxi


def outcomes(
    granted: int = 0, refused: int = 0, withdrawn: int = 0, terminated: int = 0, pending: int = 0
) -> dict[str, int]:
    return {
        "granted": granted,
        "refused": refused,
        "withdrawn": withdrawn,
        "terminated": terminated,
        "pending": pending,
    }


def hours(count: int, mean: float | None, median: float | None, p90: float | None) -> dict[str, Any]:
    return {"count": count, "mean_hours": mean, "median_hours": median, "p90_hours": p90}


NONE = hours(0, None, None, None)
# P1 decided a1, a2, a3 after 2, 10 and 30 hours: mean 42/3 = 14; median 10; p90 at position 0.9·2 = 1.8, between
# 10 and 30: 10 + 0.8·20 = 26.
P1_TIMES = hours(3, 14.0, 10.0, 26.0)
# The city's bureau decided a1 and a3 after 5 and 3 hours: sorted 3, 5; mean 4; median 4; p90 at 0.9: 3 + 0.9·2 = 4.8.
CITY_BUREAU_TIMES = hours(2, 4.0, 4.0, 4.8)
DISTRICT_BUREAU_TIMES = hours(1, 8.0, 8.0, 8.0)


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[Sharing]:
    async with sharing_world(infra, keys) as world:
        await _walk_the_scenario(world)
        world.clock.at(READ_ON)
        yield world


async def _walk_the_scenario(world: Sharing) -> None:
    e1, e2 = await world.entry(world.provider), await world.entry(world.district_provider, DISTRICT)
    provider, bureau, refusal = world.provider.officer, world.reviewer, ["用途超出法定职责"]

    def at(offset_hours: int) -> None:
        world.clock.at(T0 + offset_hours * HOUR)

    at(0)
    a1, a6 = await world.apply(e1), await world.apply(e2)
    at(1)
    a2 = await world.apply(e1)
    at(2)
    a3 = await world.apply(e1)
    await world.review(a1, "provider", "approve", provider)
    at(3)
    await world.apply(e1)  # a4: nobody decides
    at(4)
    a5 = await world.apply(e1)
    at(5)
    await world.review(a1, "bureau", "approve", bureau)
    await world.review(a3, "bureau", "approve", bureau)
    at(6)
    await _post(world, f"/applications/{a5}/withdraw", None, world.consumer.system)
    at(8)
    await world.review(a6, "bureau", "refuse", world.district_reviewer, refusal)
    at(9)
    await _post(world, f"/applications/{a6}/disputes", {"statement": "拒绝理由不成立。"}, world.consumer.system)
    at(11)
    await world.review(a2, "provider", "refuse", provider, refusal)
    at(12)
    statement = {"statement": "拒绝理由不成立。"}
    dispute = await _post(world, f"/applications/{a2}/disputes", statement, world.consumer.system)
    at(13)
    escalation = {"authority": "无锡市人民政府", "reasons": ["职责范围分歧"]}
    await _post(world, f"/disputes/{dispute['id']}/escalation", escalation, world.reviewer)
    at(32)
    await world.review(a3, "provider", "approve", provider)


async def _post(world: Sharing, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    done = await world.gateway.post(f"/api/share{path}", json=body, headers=headers)
    assert done.status_code in (200, 201), done.text
    answer: dict[str, Any] = done.json()
    return answer


async def _indicators(world: Sharing, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = await world.gateway.get("/api/share/indicators", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _by_key(found: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    providers = {row.pop("agency_id"): row for row in found["providers"]}
    bureaus = {row.pop("region_code"): row for row in found["bureaus"]}
    return providers, bureaus


def _city_figures(world: Sharing) -> tuple[dict[str, Any], dict[str, Any]]:
    p1 = {"applications": outcomes(granted=2, refused=1, withdrawn=1, pending=1), "decision_time": P1_TIMES,
          "overdue_reviews": 1}  # fmt: skip
    city = {"applications": outcomes(granted=2, refused=1, withdrawn=1, pending=1),
            "decision_time": CITY_BUREAU_TIMES, "overdue_reviews": 1, "open_disputes": 0,
            "escalated_disputes": 1}  # fmt: skip
    return {world.provider.id: p1}, {CITY: city}


def _district_figures(world: Sharing) -> tuple[dict[str, Any], dict[str, Any]]:
    p2 = {"applications": outcomes(refused=1), "decision_time": NONE, "overdue_reviews": 0}
    district = {"applications": outcomes(refused=1), "decision_time": DISTRICT_BUREAU_TIMES, "overdue_reviews": 0,
                "open_disputes": 1, "escalated_disputes": 0}  # fmt: skip
    return {world.district_provider.id: p2}, {DISTRICT: district}


async def test_the_citys_bureau_reads_every_figure_of_its_region_and_its_districts_A32_1(world: Sharing) -> None:
    found = await _indicators(world, world.reviewer)
    assert (found["region_code"], found["agency_id"], found["since"], found["today"]) == (
        CITY,
        None,
        None,
        "2026-04-01",
    )
    assert found["until"] == "2026-04-01T01:00:00Z"
    assert found["disputes"] == {"open": 1, "escalated": 1}
    (city_providers, city_bureaus), (district_providers, district_bureaus) = (
        _city_figures(world),
        _district_figures(world),
    )
    assert _by_key(found) == ({**city_providers, **district_providers}, {**city_bureaus, **district_bureaus})
    # Inspectors and administrators of the city read the same (A34.1).
    assert await _indicators(world, world.inspector) == await _indicators(world, world.admin, region_code=CITY)


async def test_a_districts_bureau_reads_its_district_and_the_city_reads_it_by_region_code_A4_1(world: Sharing) -> None:
    expected = _district_figures(world)
    for found in (await _indicators(world, world.district_reviewer),
                  await _indicators(world, world.admin, region_code=DISTRICT)):  # fmt: skip
        assert found["region_code"] == DISTRICT
        assert _by_key(found) == expected
        assert found["disputes"] == {"open": 1, "escalated": 0}
    refused = await world.gateway.get("/api/share/indicators", params={"region_code": CITY},
                                      headers=world.district_admin)  # fmt: skip
    assert assert_problem(refused, 403)["requirement"] == "A4.1"
    sibling = await world.gateway.get("/api/share/indicators", params={"region_code": "320206"},
                                      headers=world.district_reviewer)  # fmt: skip
    assert assert_problem(sibling, 403)["requirement"] == "A4.1"


async def test_an_agency_officer_reads_its_own_agencys_applications_as_provider_and_consumer_only_A15_2(
    world: Sharing,
) -> None:
    # P1's officer: a1–a5, of which P1 is the provider; not a6 (another agency's entry, another's application).
    found = await _indicators(world, world.provider.officer)
    assert (found["agency_id"], found["region_code"]) == (world.provider.id, None)
    assert _by_key(found) == _city_figures(world)
    assert found["disputes"] == {"open": 0, "escalated": 1}
    # The consumer made all six applications: it reads them all, each with its provider and bureau.
    everything = _by_key(await _indicators(world, world.reviewer))
    assert _by_key(await _indicators(world, world.consumer.officer)) == everything
    # An agency party to nothing reads nothing; nobody reads another agency's figures, nor does a system.
    nothing = await _indicators(world, world.other.officer)
    assert (nothing["providers"], nothing["bureaus"], nothing["disputes"]) == ([], [], {"open": 0, "escalated": 0})
    other = await world.gateway.get("/api/share/indicators", params={"agency_id": world.district_provider.id},
                                    headers=world.provider.officer)  # fmt: skip
    assert assert_problem(other, 403)["requirement"] == "A15.2"
    assert_problem(await world.gateway.get("/api/share/indicators", headers=world.consumer.system), 403)
    # An operator narrows to one agency's applications.
    assert _by_key(await _indicators(world, world.reviewer, agency_id=world.provider.id)) == _city_figures(world)


async def test_counts_and_times_cover_the_applications_made_in_the_window_overdue_and_disputes_stand_today_A32_1(
    world: Sharing,
) -> None:
    # From T0+1h30: a3, a4, a5 (a1, a2, a6 were made before). P1 decided a3 after 30 hours, the bureau after 3.
    since = (T0 + 1.5 * HOUR).isoformat()
    providers, bureaus = _by_key(await _indicators(world, world.reviewer, since=since))
    p1 = {"applications": outcomes(granted=1, withdrawn=1, pending=1), "decision_time": hours(1, 30.0, 30.0, 30.0),
          "overdue_reviews": 1}  # fmt: skip
    assert providers == {world.provider.id: p1}
    assert bureaus == {
        CITY: {"applications": outcomes(granted=1, withdrawn=1, pending=1), "decision_time": hours(1, 3.0, 3.0, 3.0),
               "overdue_reviews": 1, "open_disputes": 0, "escalated_disputes": 1},
        # a6 was made before the window; its dispute is undecided today all the same.
        DISTRICT: {"applications": outcomes(), "decision_time": NONE, "overdue_reviews": 0, "open_disputes": 1,
                   "escalated_disputes": 0},
    }  # fmt: skip
    # Until T0+2h30: a1, a2, a6 and a3 (made at T0+2h, exactly inside); not a4, a5.
    until = (T0 + 2.5 * HOUR).isoformat()
    providers, _ = _by_key(await _indicators(world, world.reviewer, until=until))
    assert providers[world.provider.id]["applications"] == outcomes(granted=2, refused=1)
    assert providers[world.provider.id]["decision_time"] == P1_TIMES


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-04-01T09:00:00+08:00", "until": "2026-04-01T09:00:00+08:00"}, "query.since"),
        ({"since": "2026-05-01T00:00:00Z"}, "query.since"),  # after now, the default until
        ({"since": "2026-03-01T00:00:00"}, "query.since"),  # no UTC offset: which day would it be?
        ({"until": "0001-01-01T00:00:00+14:00"}, "query.until"),
        ({"region_code": "３２０２００"}, "query.region_code"),
        ({"agency_id": "not-an-id"}, "query.agency_id"),
    ],
)
async def test_a_window_or_filter_that_makes_no_sense_is_a_422_naming_it(
    world: Sharing, params: dict[str, str], field: str
) -> None:
    problem = assert_problem(await world.gateway.get("/api/share/indicators", params=params, headers=world.admin), 422)
    assert field in [error["field"] for error in problem["errors"]]
