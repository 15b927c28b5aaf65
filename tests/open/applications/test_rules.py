"""The rules of conditional open applications and data keys as pure functions (A24.2, A24.3), without a database."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import ValidationError

from hub.internal_token import Caller
from hub.violations import Violation
from open_svc.applications import rules
from open_svc.applications.schemas import Applicant
from open_svc.keys import rules as keys

ITEMS = {"credit_code", "company_name", "legal_representative"}
OFFICER = Caller("officer-1", "agency_person", ("agency_officer",), agency_id="a-1")
PORTAL = Caller("user-1", "portal_user", ("portal_user",))
DISTRICT_REVIEWER = Caller("reviewer-1", "operator", ("reviewer",), region_code="320205")


def fields(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(v.field, v.requirement) for v in violations]


def test_an_application_names_at_least_one_item_of_the_dataset_each_once_A24_2() -> None:
    assert rules.item_violations(["company_name"], ITEMS) == []
    assert fields(rules.item_violations([], ITEMS)) == [("items", "A24.2")]
    assert "shareholders" in rules.item_violations(["company_name", "shareholders"], ITEMS)[0].message
    assert fields(rules.item_violations(["company_name", "company_name"], ITEMS)) == [("items", "A24.2")]


@pytest.mark.parametrize(
    ("refusing", "reasons", "approved", "broken"),
    [
        (True, [], [], [("reasons", "A24.2")]),
        (True, ["  ", ""], [], [("reasons", "A24.2")]),
        (True, ["用途不符"], [], []),
        (False, [], ["credit_code", "company_name"], []),  # all that was asked: no reasons needed
        (False, [], ["credit_code"], [("reasons", "A24.2")]),  # fewer: the rest is refused, with reasons
        (False, ["法定代表人不予开放"], ["credit_code"], []),
        (False, ["x"], ["legal_representative"], [("items", "A24.2")]),  # never an item that was not asked
        (False, ["x"], [], [("items", "A24.2")]),
    ],
)
def test_a_refusal_and_a_narrowed_approval_give_reasons_A24_2(
    refusing: bool, reasons: list[str], approved: list[str], broken: list[tuple[str, str]]
) -> None:
    asked = ["credit_code", "company_name"]
    assert fields(rules.decision_violations(refusing, reasons, approved, asked)) == broken


def test_the_applicant_its_agencys_officers_and_the_bureau_of_the_region_read_an_application_A24_2() -> None:
    assert rules.may_read(PORTAL, "user-1", "a-1", "320200")
    assert not rules.may_read(PORTAL, "user-2", "a-1", "320200")
    assert rules.may_read(OFFICER, "user-2", "a-1", "320200")
    assert not rules.may_read(OFFICER, "user-2", "a-2", "320200")
    # A district's bureau sees its district's applications, not the city's (A4.1).
    assert rules.may_read(DISTRICT_REVIEWER, "user-2", "a-2", "320205")
    assert not rules.may_read(DISTRICT_REVIEWER, "user-2", "a-2", "320200")
    # An officer is not the applicant even when its subject is: only a portal user applies.
    assert not rules.is_applicant(Caller("user-1", "agency_person", ("agency_officer",), agency_id="a-1"), "user-1")


@pytest.mark.parametrize(
    ("kind", "identifier"),
    [
        ("citizen", "11010519491231002X"),  # GB 11643-1999's example
        ("legal_person", "914403001922038216"),  # a registered company's code (GB 32100)
        ("organisation", "91440300708461136T"),
    ],
)
def test_a_declared_identity_with_its_standards_check_character_is_accepted(kind: str, identifier: str) -> None:
    assert Applicant(kind=kind, name="张三", identifier=identifier, contact="13912345678").identifier == identifier


@pytest.mark.parametrize(
    ("kind", "identifier"),
    [
        ("citizen", "110105194912310021"),  # check character: GB 11643 gives X
        ("citizen", "110105194902301234"),  # 30 February
        ("citizen", "914403001922038216"),  # a credit code is not a citizen's number
        ("legal_person", "914403001922038217"),  # check character: GB 32100 gives 6
        ("legal_person", "11010519491231002X"),  # a citizen's number is not a credit code
        ("organisation", "91440300708461136"),  # 17 characters
    ],
)
def test_a_declared_identity_failing_its_standard_is_refused_naming_the_identifier(kind: str, identifier: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Applicant(kind=kind, name="张三", identifier=identifier, contact="13912345678")
    assert [e["loc"] for e in refused.value.errors()] == [("identifier",)]


def test_a_data_key_is_256_random_bits_kept_as_its_sha256_digest_A24_3() -> None:
    first, second = keys.new_key(), keys.new_key()
    assert first.plaintext != second.plaintext
    assert first.plaintext.startswith("odk_")
    assert len(first.plaintext) == 4 + 43
    assert first.digest == hashlib.sha256(first.plaintext.encode()).hexdigest()
    assert first.hint == first.plaintext[:12]
    assert keys.well_formed(first.plaintext)
    assert not keys.well_formed(first.plaintext + "x")
    assert not keys.well_formed("pdh_" + first.plaintext[4:])  # a gateway API key is not a data key


def test_a_key_opens_only_the_approved_items_the_dataset_still_has_A24_3() -> None:
    record = {"credit_code": "91320200MA1MXXXX0A", "company_name": "无锡甲科技有限公司", "legal_representative": "李四"}
    assert keys.project(record, ["company_name", "credit_code"]) == {
        "company_name": "无锡甲科技有限公司", "credit_code": "91320200MA1MXXXX0A"}  # fmt: skip
    # A new catalogue version dropped `company_name`: the key keeps only what the entry still has.
    assert keys.usable_items(["company_name", "credit_code"], {"credit_code", "legal_representative"}) == [
        "credit_code"
    ]
