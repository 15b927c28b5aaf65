"""Who may hold which role, who may grant which roles to whom, and which administrator manages whom (A4.1,
A15.2), as pure functions."""

from __future__ import annotations

import uuid

import pytest

from gateway.identities.rules import (
    ROLES_BY_KIND,
    administers_city,
    binding_problems,
    client_problems,
    grant_refusal,
    may_administer,
    may_manage_for_agency,
)
from hub.regions import is_city, region_contains
from hub.roles import OPERATOR_ROLES, Role

WUXI = "320200"
XISHAN = "320205"  # a district of Wuxi
SUZHOU = "320500"  # another city
# Fixed ids: test ids name them, and parallel workers must collect the same tests.
AGENCY = uuid.UUID("0b6f3c1e-8a2d-4f5e-9c7b-1d2e3f405162")
OTHER_AGENCY = uuid.UUID("7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f")
# Kinds bound to one agency, written out here rather than taken from the module under test.
AGENCY_BOUND = ("agency_system", "ingest_job", "agency_person")


def fields(problems: list[dict[str, str]]) -> list[str]:
    return [p["field"] for p in problems]


@pytest.mark.parametrize(
    ("kind", "roles", "agency_id", "region"),
    [
        ("agency_system", ["agency_system"], AGENCY, XISHAN),
        ("ingest_job", ["ingest_job"], AGENCY, WUXI),
        ("agency_person", ["agency_officer"], AGENCY, XISHAN),
        ("agency_person", ["agency_admin"], AGENCY, None),
        ("agency_person", ["agency_officer", "agency_admin"], AGENCY, WUXI),
        ("operator", ["reviewer"], None, WUXI),
        ("operator", ["administrator", "inspector"], None, XISHAN),
        ("operator", ["reviewer", "administrator", "inspector"], None, WUXI),
        ("portal_user", ["portal_user"], None, None),
    ],
)
def test_a_client_holding_the_roles_of_its_kind_has_no_problems_A4_1(
    kind: str, roles: list[str], agency_id: uuid.UUID | None, region: str | None
) -> None:
    assert client_problems(kind, roles, agency_id, region) == []


@pytest.mark.parametrize("kind", sorted(ROLES_BY_KIND))
@pytest.mark.parametrize("role", sorted(Role))
def test_a_kind_may_hold_only_its_own_roles(kind: str, role: Role) -> None:
    problems = client_problems(kind, [role], AGENCY if kind in AGENCY_BOUND else None, WUXI)
    if role in ROLES_BY_KIND[kind]:
        assert problems == []
    else:
        assert fields(problems) == ["roles"]
        assert str(role) in problems[0]["message"]


def test_operators_hold_exactly_the_operator_roles_and_nobody_holds_anonymous() -> None:
    assert ROLES_BY_KIND["operator"] == OPERATOR_ROLES == {Role.reviewer, Role.administrator, Role.inspector}
    assert ROLES_BY_KIND["agency_person"] == {Role.agency_officer, Role.agency_admin}
    assert all(Role.anonymous not in roles for roles in ROLES_BY_KIND.values())


def test_a_client_without_any_role_is_refused() -> None:
    assert fields(client_problems("operator", [], None, WUXI)) == ["roles"]


def test_an_unknown_kind_is_the_only_problem_reported() -> None:
    problems = client_problems("robot", ["administrator"], None, None)
    assert fields(problems) == ["kind"]
    assert "agency_system" in problems[0]["message"]


@pytest.mark.parametrize(("kind", "role"), [(k, sorted(ROLES_BY_KIND[k])[0]) for k in AGENCY_BOUND])
def test_a_system_job_or_agency_person_acts_for_one_agency_A15_2(kind: str, role: str) -> None:
    problems = client_problems(kind, [role], None, WUXI)
    assert fields(problems) == ["agency_id"]
    assert "A15.2" in problems[0]["message"]


@pytest.mark.parametrize("region", [None, ""])
def test_an_operator_belongs_to_a_region_A4_1(region: str | None) -> None:
    problems = client_problems("operator", ["reviewer"], None, region)
    assert fields(problems) == ["region_code"]
    assert "A4.1" in problems[0]["message"]


@pytest.mark.parametrize("kind", ["agency_system", "ingest_job"])
def test_a_system_or_job_need_not_name_a_region_it_gets_its_agencys_A4_1(kind: str) -> None:
    assert client_problems(kind, [kind], AGENCY, None) == []


def test_an_agency_person_need_not_name_a_region_it_gets_its_agencys_A4_1() -> None:
    assert client_problems("agency_person", ["agency_officer"], AGENCY, None) == []


def test_an_operator_is_bound_to_no_agency_A4_1() -> None:
    assert fields(client_problems("operator", ["reviewer"], AGENCY, WUXI)) == ["agency_id"]


def test_a_portal_user_needs_neither_agency_nor_region() -> None:
    assert client_problems("portal_user", ["portal_user"], None, None) == []


def test_every_problem_of_a_client_is_reported_at_once() -> None:
    assert fields(client_problems("agency_system", ["administrator"], None, None)) == ["roles", "agency_id"]
    assert fields(client_problems("operator", [], None, None)) == ["roles", "region_code"]


# Who may grant which roles to whom (A4.1, A15.2). The expectations are written by hand: an agency's administrator
# grants only its own agency's systems, jobs, officers and administrators; a bureau administrator grants any role
# (its region is checked against the agency's elsewhere); nobody else grants anything.

AGENCY_ADMIN_OF_A = (["agency_admin"], str(AGENCY))
BUREAU_ADMIN = (["administrator", "inspector"], None)

GRANTS = [
    # (actor's roles, actor's agency), kind, roles, agency: whether the grant is allowed
    (AGENCY_ADMIN_OF_A, "agency_system", ["agency_system"], AGENCY, True),
    (AGENCY_ADMIN_OF_A, "ingest_job", ["ingest_job"], AGENCY, True),
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_officer"], AGENCY, True),
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_admin"], AGENCY, True),  # its equal, never above it
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_officer", "agency_admin"], AGENCY, True),
    (AGENCY_ADMIN_OF_A, "agency_system", ["agency_system"], OTHER_AGENCY, False),  # another agency's
    (AGENCY_ADMIN_OF_A, "ingest_job", ["ingest_job"], OTHER_AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_officer"], OTHER_AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_admin"], OTHER_AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_system", ["agency_system"], None, False),  # no agency is not its agency
    (AGENCY_ADMIN_OF_A, "operator", ["reviewer"], None, False),  # the bureau's roles are the bureau's
    (AGENCY_ADMIN_OF_A, "operator", ["administrator"], None, False),
    (AGENCY_ADMIN_OF_A, "operator", ["inspector"], None, False),
    (AGENCY_ADMIN_OF_A, "portal_user", ["portal_user"], None, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["administrator"], AGENCY, False),  # above its own, even for its agency
    (AGENCY_ADMIN_OF_A, "agency_person", ["reviewer"], AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["inspector"], AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["portal_user"], AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_person", ["agency_officer", "reviewer"], AGENCY, False),
    (AGENCY_ADMIN_OF_A, "agency_system", ["anonymous"], AGENCY, False),
    ((["agency_officer"], str(AGENCY)), "agency_person", ["agency_officer"], AGENCY, False),  # officers grant nothing
    ((["agency_system"], str(AGENCY)), "agency_system", ["agency_system"], AGENCY, False),
    ((["agency_admin"], None), "agency_system", ["agency_system"], AGENCY, False),  # an agency admin of no agency
    ((["reviewer", "inspector"], None), "agency_system", ["agency_system"], AGENCY, False),
    ((["portal_user"], None), "agency_system", ["agency_system"], AGENCY, False),
    (BUREAU_ADMIN, "operator", ["administrator"], None, True),
    (BUREAU_ADMIN, "agency_person", ["agency_admin"], AGENCY, True),  # an agency's first administrator
    (BUREAU_ADMIN, "agency_person", ["agency_officer"], OTHER_AGENCY, True),
    (BUREAU_ADMIN, "agency_system", ["agency_system"], OTHER_AGENCY, True),
]


@pytest.mark.parametrize(("actor", "kind", "roles", "agency", "allowed"), GRANTS)
def test_who_may_grant_which_roles_to_whom_A15_2(
    actor: tuple[list[str], str | None], kind: str, roles: list[str], agency: uuid.UUID | None, allowed: bool
) -> None:
    refusal = grant_refusal(frozenset(actor[0]), actor[1], kind, roles, agency)
    assert (refusal is None) is allowed, refusal


# Every role an agency's administrator holds or may give its agency; anything else is above it.
GRANTABLE_BY_AN_AGENCY_ADMIN = {"agency_system", "ingest_job", "agency_officer", "agency_admin"}


@pytest.mark.parametrize("role", sorted(set(Role) - GRANTABLE_BY_AN_AGENCY_ADMIN))
@pytest.mark.parametrize("kind", [*AGENCY_BOUND, "operator", "portal_user"])
def test_an_agency_admin_never_grants_a_role_beyond_its_agencys_whatever_the_kind_A15_2(kind: str, role: str) -> None:
    refusal = grant_refusal(frozenset({"agency_admin"}), str(AGENCY), kind, [role], AGENCY)
    assert refusal is not None
    assert role in refusal or kind in refusal


def test_an_agency_admins_refusal_names_the_agency_it_acts_for_A15_2() -> None:
    refusal = grant_refusal(frozenset({"agency_admin"}), str(AGENCY), "agency_person", ["agency_officer"], OTHER_AGENCY)
    assert refusal is not None
    assert str(AGENCY) in refusal


@pytest.mark.parametrize(
    ("admin_agency", "client_agency", "allowed"),
    [
        (str(AGENCY), AGENCY, True),  # its own agency's client (stored as a UUID)
        (str(AGENCY), str(AGENCY), True),
        (str(AGENCY), OTHER_AGENCY, False),  # another agency's
        (str(AGENCY), None, False),  # the bureau's operators and the portal's users belong to no agency
        (None, AGENCY, False),  # an administrator of no agency manages none
        (None, None, False),
    ],
)
def test_an_agency_admin_manages_its_own_agencys_clients_only_A15_2(
    admin_agency: str | None, client_agency: object, allowed: bool
) -> None:
    assert may_manage_for_agency(admin_agency, client_agency) is allowed


# Binding a client to an agency (A2.1, A4.1, A15.2)


def test_a_client_cannot_be_bound_to_an_agency_the_catalogue_never_announced_A15_2() -> None:
    problems = binding_problems(AGENCY, None, XISHAN)
    assert fields(problems) == ["agency_id"]
    assert str(AGENCY) in problems[0]["message"]


@pytest.mark.parametrize("declared", [None, "", XISHAN])
def test_a_client_bound_to_an_agency_may_omit_or_repeat_the_agencys_region_A4_1(declared: str | None) -> None:
    assert binding_problems(AGENCY, XISHAN, declared) == []


@pytest.mark.parametrize("declared", [WUXI, "320206", SUZHOU])
def test_a_client_cannot_claim_another_region_than_its_agencys_A4_1(declared: str) -> None:
    problems = binding_problems(AGENCY, XISHAN, declared)
    assert fields(problems) == ["region_code"]
    assert XISHAN in problems[0]["message"]
    assert "A4.1" in problems[0]["message"]


# The city's last administrator (A4.1)


@pytest.mark.parametrize(
    ("region", "roles", "administers"),
    [
        (WUXI, ["administrator", "inspector"], True),
        (WUXI, ["administrator"], True),
        (SUZHOU, ["administrator"], True),  # each city keeps its own
        (WUXI, ["reviewer", "inspector"], False),  # not an administrator
        (XISHAN, ["administrator"], False),  # a district's: the city's administrators can make another
        ("320281", ["administrator"], False),  # a county-level city is no prefecture-level city
    ],
)
def test_only_an_administrator_of_a_city_is_kept_from_being_the_last_to_go_A4_1(
    region: str, roles: list[str], administers: bool
) -> None:
    assert administers_city(region, roles) is administers


@pytest.mark.parametrize(
    ("admin_region", "client_region", "allowed"),
    [
        (WUXI, WUXI, True),  # its own region
        (WUXI, XISHAN, True),  # the city's bureau oversees its districts
        (XISHAN, XISHAN, True),
        (XISHAN, WUXI, False),  # a district does not administer its city
        (XISHAN, "320206", False),  # nor a sibling district
        (XISHAN, SUZHOU, False),
        (WUXI, SUZHOU, False),  # nor another city
        (WUXI, "320505", False),  # nor a district of another city
        (SUZHOU, XISHAN, False),
        (None, WUXI, False),  # an administrator without a region administers nothing
        (None, None, False),
        (XISHAN, None, False),  # portal users belong to no region: the city's bureau manages them
        (WUXI, None, True),
    ],
)
def test_an_administrator_manages_clients_of_its_region_and_the_regions_inside_it_A4_1(
    admin_region: str | None, client_region: str | None, allowed: bool
) -> None:
    assert may_administer(admin_region, client_region) is allowed


@pytest.mark.parametrize(
    ("code", "city"),
    [
        (WUXI, True),
        (SUZHOU, True),
        (XISHAN, False),
        ("320000", False),
        ("320281", False),
        ("3202", False),
        ("32020000", False),
    ],
)
def test_a_city_code_is_six_digits_ending_in_00_but_not_a_province_A4_1(code: str, city: bool) -> None:
    assert is_city(code) is city


@pytest.mark.parametrize(
    ("outer", "inner", "contains"),
    [
        (WUXI, WUXI, True),
        (WUXI, XISHAN, True),
        (WUXI, "320281", True),  # Jiangyin, a county-level city under Wuxi
        (XISHAN, XISHAN, True),
        (XISHAN, WUXI, False),
        (XISHAN, "320206", False),
        (WUXI, SUZHOU, False),
        (WUXI, "320505", False),
        # GB/T 2260: a province contains its cities. The hub's regions start at the city (the catalogue's tree
        # has no province, and no command makes a provincial administrator), so this grants nobody anything.
        ("320000", WUXI, True),
    ],
)
def test_a_city_contains_its_districts_and_a_district_only_itself_A4_1(outer: str, inner: str, contains: bool) -> None:
    assert region_contains(outer, inner) is contains
