"""An agency's roles act for that agency alone (A15.2): `acts_for_agency`, without a server."""

from __future__ import annotations

import uuid

import pytest

from hub.internal_token import Caller
from hub.roles import AGENCY_ROLES, OPERATOR_ROLES, Role, acts_for_agency

POLICE, WATER = uuid.uuid4(), uuid.uuid4()


def caller(role: str, agency_id: uuid.UUID | None) -> Caller:
    return Caller(subject=role, kind=role, roles=(role,), agency_id=str(agency_id) if agency_id else None)


@pytest.mark.parametrize(
    ("role", "agency", "wanted", "acts"),
    [
        ("agency_officer", POLICE, ("agency_officer",), True),
        ("agency_officer", WATER, ("agency_officer",), False),  # another agency's officer
        ("agency_officer", None, ("agency_officer",), False),  # an officer of no agency acts for none
        ("agency_admin", POLICE, ("agency_officer",), False),  # a role the action does not take
        ("agency_system", POLICE, ("agency_system", "agency_officer"), True),
        ("ingest_job", POLICE, ("agency_system", "agency_officer"), False),
        ("administrator", None, ("agency_officer",), False),
    ],
)
def test_a_caller_acts_for_an_agency_only_with_one_of_the_roles_and_that_agencys_id_A15_2(
    role: str, agency: uuid.UUID | None, wanted: tuple[str, ...], acts: bool
) -> None:
    assert acts_for_agency(caller(role, agency), POLICE, *(Role(w) for w in wanted)) is acts


def test_an_agency_id_given_as_a_uuid_or_a_string_is_the_same_agency_A15_2() -> None:
    officer = caller("agency_officer", POLICE)
    assert acts_for_agency(officer, POLICE, Role.agency_officer)
    assert acts_for_agency(officer, str(POLICE), Role.agency_officer)


def test_the_agency_roles_and_the_bureau_roles_are_apart_and_the_public_holds_neither() -> None:
    assert {"agency_system", "ingest_job", "agency_officer", "agency_admin"} == AGENCY_ROLES
    assert AGENCY_ROLES.isdisjoint(OPERATOR_ROLES)
    assert {Role.anonymous, Role.portal_user}.isdisjoint(AGENCY_ROLES | OPERATOR_ROLES)
