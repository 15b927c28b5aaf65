"""Who sees an entry's unpublished versions, without a database: its agency's systems, which compile them, and its
officers, who answer for them (A14.1, A15.2), and the bureau of its region (A4.1); no other agency, and not the
agency's ingest jobs nor its administrator of clients."""

from __future__ import annotations

import uuid

import pytest

from catalog_svc.entries.models import Entry
from catalog_svc.entries.service import can_see_unpublished
from hub.internal_token import Caller

POLICE, WATER = uuid.uuid4(), uuid.uuid4()
WUXI, XISHAN, HUISHAN = "320200", "320205", "320206"
ENTRY = Entry(id=uuid.uuid4(), code="POL-001", region_code=XISHAN, provider_agency_id=POLICE)


def of_agency(role: str, agency_id: uuid.UUID) -> Caller:
    return Caller(subject=role, kind=role, roles=(role,), agency_id=str(agency_id), region_code=XISHAN)


@pytest.mark.parametrize(
    ("role", "agency_id", "sees"),
    [
        ("agency_system", POLICE, True),
        ("agency_officer", POLICE, True),
        ("agency_system", WATER, False),
        ("agency_officer", WATER, False),
        ("ingest_job", POLICE, False),
        ("agency_admin", POLICE, False),
    ],
)
def test_an_agencys_systems_and_officers_see_its_unpublished_entries_and_no_other_agencys_A15_2(
    role: str, agency_id: uuid.UUID, sees: bool
) -> None:
    assert can_see_unpublished(of_agency(role, agency_id), ENTRY) is sees


@pytest.mark.parametrize(("region", "sees"), [(WUXI, True), (XISHAN, True), (HUISHAN, False)])
def test_the_bureau_of_the_entrys_region_sees_its_unpublished_versions_A4_1(region: str, sees: bool) -> None:
    reviewer = Caller(subject="r", kind="operator", roles=("reviewer",), region_code=region)
    assert can_see_unpublished(reviewer, ENTRY) is sees
