"""Who sees one entry in the centre (`may_see_entry`), without a database: the responsible agency's clients (A15.2)
and the bureaus of the entry's region and of the regions it lies within (A4.1); nobody else (A21.1)."""

from __future__ import annotations

import uuid

import pytest

from aggregation_svc.entries.scope import may_see_entry
from hub.internal_token import Caller

POLICE, WATER = uuid.uuid4(), uuid.uuid4()
# 无锡市 (city), 锡山区 and 惠山区 (districts), 江阴市 (a county-level city), 东亭街道 (a street of 锡山区), 南京市.
WUXI, XISHAN, HUISHAN, JIANGYIN, DONGTING, NANJING = "320200", "320205", "320206", "320281", "320205001", "320100"


def operator(role: str, region: str) -> Caller:
    return Caller(subject=f"{role}-{region}", kind="operator", roles=(role,), region_code=region)


def agency(role: str, agency_id: uuid.UUID, region: str = WUXI) -> Caller:
    return Caller(subject=f"{role}-{agency_id}", kind=role, roles=(role,), agency_id=str(agency_id),
                  region_code=region)  # fmt: skip


@pytest.mark.parametrize("role", ["reviewer", "administrator", "inspector"])
@pytest.mark.parametrize(
    ("caller_region", "entry_region", "sees"),
    [
        (WUXI, WUXI, True),
        (WUXI, XISHAN, True),
        (WUXI, JIANGYIN, True),
        (WUXI, DONGTING, True),
        (XISHAN, XISHAN, True),
        (XISHAN, DONGTING, True),
        (XISHAN, WUXI, False),
        (XISHAN, HUISHAN, False),
        (HUISHAN, DONGTING, False),
        (JIANGYIN, XISHAN, False),
        (DONGTING, XISHAN, False),
        (NANJING, WUXI, False),
        (NANJING, XISHAN, False),
    ],
)
def test_an_operator_sees_the_entries_of_its_region_and_of_the_regions_within_it_A4_1(
    role: str, caller_region: str, entry_region: str, sees: bool
) -> None:
    assert may_see_entry(operator(role, caller_region), entry_region, POLICE) is sees


@pytest.mark.parametrize("role", ["agency_system", "ingest_job", "agency_officer"])
def test_the_responsible_agency_sees_its_entry_wherever_it_is_and_no_other_agency_does_A15_2(role: str) -> None:
    assert may_see_entry(agency(role, POLICE), XISHAN, POLICE)
    assert not may_see_entry(agency(role, WATER), WUXI, POLICE)


def test_an_agencys_administrator_manages_its_clients_and_sees_none_of_its_data_A15_2() -> None:
    assert not may_see_entry(agency("agency_admin", POLICE), WUXI, POLICE)


def test_an_operator_without_a_region_and_a_portal_user_see_no_entry_A4_1() -> None:
    assert not may_see_entry(Caller(subject="r", kind="operator", roles=("reviewer",)), WUXI, POLICE)
    citizen = Caller(subject="c", kind="portal_user", roles=("portal_user",), region_code=WUXI)
    assert not may_see_entry(citizen, WUXI, POLICE)
