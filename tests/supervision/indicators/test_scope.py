"""Whose indicators a caller reads, as a pure function (A4.1, A15.2): an operator its region and below, an agency's
people their own agency; a region or agency the hub does not know is bad input naming the field."""

from __future__ import annotations

import uuid

import pytest

from hub.errors import Forbidden, InvalidInput
from hub.internal_token import Caller
from supervision_svc.indicators.scope import Scope, scope_of

CITY, XISHAN, HUISHAN = "320200", "320205", "320206"
A, C, D = uuid.UUID(int=1), uuid.UUID(int=3), uuid.UUID(int=4)
AGENCIES = {A: CITY, C: XISHAN, D: HUISHAN}
REGIONS = {CITY, XISHAN, HUISHAN}


def operator(region: str, role: str = "reviewer") -> Caller:
    return Caller(subject=f"op-{region}", kind="operator", roles=(role,), region_code=region)


def person(agency: uuid.UUID, role: str = "agency_officer") -> Caller:
    return Caller(subject="officer", kind="agency_person", roles=(role,), agency_id=str(agency), region_code=CITY)


def scope(caller: Caller, region: str | None = None, agency: uuid.UUID | None = None) -> Scope:
    return scope_of(caller, region, agency, AGENCIES, REGIONS)


def test_an_operator_reads_its_region_and_every_region_and_agency_within_it_A4_1() -> None:
    city = scope(operator(CITY, "inspector"))
    assert city == Scope(CITY, None)
    assert [city.shows_region(r) for r in (CITY, XISHAN, HUISHAN, "310100")] == [True, True, True, False]
    assert city.shows_agency(XISHAN, C)
    assert scope(operator(CITY), XISHAN) == Scope(XISHAN, None)
    one = scope(operator(CITY, "administrator"), agency=C)
    assert one == Scope(CITY, C)
    assert (one.shows_agency(XISHAN, C), one.shows_agency(CITY, A), one.shows_region(CITY)) == (True, False, False)


@pytest.mark.parametrize(("region", "agency"), [(CITY, None), (HUISHAN, None), (None, A), (None, D)])
def test_a_districts_operator_crossing_into_the_city_or_a_sibling_is_refused_A4_1(
    region: str | None, agency: uuid.UUID | None
) -> None:
    with pytest.raises(Forbidden) as refused:
        scope(operator(XISHAN), region, agency)
    assert refused.value.requirement == "A4.1"
    district = scope(operator(XISHAN))
    assert (district.shows_region(XISHAN), district.shows_region(CITY), district.shows_agency(CITY, A)) == (
        True, False, False)  # fmt: skip


@pytest.mark.parametrize("role", ["agency_officer", "agency_admin"])
def test_an_agencys_people_read_their_own_agency_only_and_no_region_A15_2(role: str) -> None:
    own = scope(person(A, role))
    assert own == Scope(None, A)
    assert (own.shows_agency(CITY, A), own.shows_agency(XISHAN, C), own.shows_region(CITY)) == (True, False, False)
    assert scope(person(A, role), agency=A) == own
    for region, agency in ((None, C), (CITY, None), (CITY, A)):
        with pytest.raises(Forbidden) as refused:
            scope(person(A, role), region, agency)
        assert refused.value.requirement == "A15.2"


def test_a_region_no_agency_lies_in_or_an_agency_unknown_is_bad_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as another_city:
        scope(operator(CITY), "310100")
    message = "no agency of the hub lies in region 310100"
    assert another_city.value.errors == [{"field": "query.region", "message": message}]
    with pytest.raises(InvalidInput) as unknown:
        scope(operator(CITY), agency=uuid.UUID(int=99))
    assert [e["field"] for e in unknown.value.errors or []] == ["query.agency"]
    with pytest.raises(InvalidInput) as elsewhere:
        scope(operator(CITY), XISHAN, A)
    assert [e["field"] for e in elsewhere.value.errors or []] == ["query.agency"]
