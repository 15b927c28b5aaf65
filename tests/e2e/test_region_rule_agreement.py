"""The services agree on who is within whose region (A4.1): the gateway (clients, the audit), catalog-svc (its
operators' scope) and aggregation-svc (the centre's entries) each decide it with the one rule, and each gives the
same answer on every pair of a realistic city, written out by hand."""

from __future__ import annotations

import itertools
import uuid

import pytest

from aggregation_svc.entries.scope import may_see_entry
from catalog_svc.regions.service import require_scope
from gateway.audit.repository import visible_to
from gateway.identities.rules import may_administer
from hub.errors import Forbidden
from hub.internal_token import Caller

CITY = "320200"  # 无锡市
DISTRICTS = ("320205", "320213")  # 锡山区, 梁溪区
COUNTY_CITY = "320281"  # 江阴市
STREETS = {"320213001": "320213", "320205001": "320205", "320281100": "320281"}
OTHER_CITY = "320500"  # 苏州市
WITHIN = {
    CITY: {*DISTRICTS, COUNTY_CITY, *STREETS},
    **{district: {s for s, d in STREETS.items() if d == district} for district in (*DISTRICTS, COUNTY_CITY)},
    **{street: set() for street in STREETS},
    OTHER_CITY: set(),
}
PAIRS = list(itertools.product(WITHIN, repeat=2))


def _operator(region: str) -> Caller:
    return Caller(subject="op", kind="operator", roles=("reviewer",), agency_id=None, region_code=region)


def _catalog_allows(operator: str, resource: str) -> bool:
    try:
        require_scope(_operator(operator), resource)
    except Forbidden:
        return False
    return True


@pytest.mark.parametrize(("operator", "resource"), PAIRS)
def test_gateway_catalog_and_centre_agree_on_every_pair_A4_1(operator: str, resource: str) -> None:
    expected = operator == resource or resource in WITHIN[operator]
    answers = {
        "gateway clients": may_administer(operator, resource),
        "gateway audit": visible_to(operator, resource),
        "catalog": _catalog_allows(operator, resource),
        "centre": may_see_entry(_operator(operator), resource, uuid.uuid4()),
    }
    assert answers == dict.fromkeys(answers, expected)
