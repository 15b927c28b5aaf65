"""The Measures' rules on catalogue entries as pure functions (A13.1, A13.2, A15.3, A18.1, A19.2, A22.1, A38.1)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog_svc.entries.rules import (
    CompilationRequirements,
    SourceConflict,
    source_conflicts,
    submission_violations,
    unresolved_conflict_violations,
)
from catalog_svc.entries.vocabulary import A13_ELEMENTS
from hub.contracts.vocabulary import BaseDatabase, Category, OpenType, Secrecy, ShareType, UpdateCycle
from hub.errors import RuleViolation
from hub.violations import Violation, refuse_if_any

CODE = "01-02/000123"
POLICE = "agency-police"  # authoritative for 居民身份证号码
CIVIL_AFFAIRS = "agency-civil-affairs"
ID_NUMBER_ENTRY = "01-01/000001"
REGISTER = {"居民身份证号码": (POLICE, ID_NUMBER_ENTRY)}


def data_item(name: str, label: str, *, required: bool = False, key: bool = False) -> dict[str, Any]:
    return {"name": name, "label": label, "data_type": "string", "required": required, "key": key}


def complete_elements(**overrides: Any) -> dict[str, Any]:
    """An entry's elements that pass every submission rule; overrides replace (or, given None, blank) one element."""
    return {
        "name": "婚姻登记信息",
        "summary": "全市婚姻登记、离婚登记及补领婚姻登记证记录。",
        "provider_agency_id": CIVIL_AFFAIRS,
        "source_system": "婚姻登记管理系统",
        "category": Category.department,
        "share_type": ShareType.unconditional,
        "open_type": OpenType.unconditional,
        "update_cycle": UpdateCycle.daily,
        "secrecy": Secrecy.internal,
        "items": [
            data_item("certificate_number", "结婚证字号", required=True, key=True),
            data_item("registered_on", "登记日期", required=True),
            data_item("office", "登记机关"),
        ],
        **overrides,
    }


def refusals(
    elements: dict[str, Any], code: str = CODE, rules: CompilationRequirements | None = None
) -> list[tuple[str, str]]:
    """(field, requirement) of every violation that stops the entry from being submitted."""
    found = submission_violations(elements, code=code, rules=rules or CompilationRequirements())
    return [(v.field, v.requirement) for v in found]


def test_complete_elements_pass_every_submission_rule() -> None:
    assert submission_violations(complete_elements(), code=CODE, rules=CompilationRequirements()) == []


# A13.1: name, content, source, share attribute, open attribute, update cycle, "plus data items".
A13_REQUIRED = tuple(dict.fromkeys((*A13_ELEMENTS, "items")))


@pytest.mark.parametrize("element", A13_REQUIRED)
def test_an_entry_leaving_out_an_a13_element_is_refused_A13_1(element: str) -> None:
    elements = complete_elements()
    del elements[element]
    assert refusals(elements) == [(element, "A13.1")]


@pytest.mark.parametrize(
    ("element", "blank"),
    [("summary", None), ("summary", ""), ("source_system", "   "), ("items", [])],
)
def test_a_blank_element_counts_as_missing_A13_1(element: str, blank: str | list[Any] | None) -> None:
    assert refusals(complete_elements(**{element: blank})) == [(element, "A13.1")]


# A13.2: the region's compilation rules are data.

DEFAULT_ELEMENTS = CompilationRequirements().required_elements


def test_an_element_the_region_requires_beyond_a13_is_refused_when_missing_A13_2() -> None:
    rules = CompilationRequirements(required_elements=(*DEFAULT_ELEMENTS, "classification"))
    assert refusals(complete_elements(), rules=rules) == [("classification", "A13.2")]
    assert refusals(complete_elements(classification="01-02"), rules=rules) == []


def test_a_region_cannot_drop_an_element_a13_requires_A13_1() -> None:
    rules = CompilationRequirements(required_elements=("name", "items"))
    assert refusals(complete_elements(summary=None), rules=rules) == [("summary", "A13.1")]


def test_an_update_cycle_the_region_does_not_allow_is_refused_A13_2() -> None:
    rules = CompilationRequirements(allowed_update_cycles=(UpdateCycle.monthly, UpdateCycle.yearly))
    assert refusals(complete_elements(update_cycle=UpdateCycle.daily), rules=rules) == [("update_cycle", "A13.2")]
    assert refusals(complete_elements(update_cycle=UpdateCycle.monthly), rules=rules) == []


@pytest.mark.parametrize("code", ["0102/000123", "01-02-000123", "01-02/12", "01-02/0001234", "01-02/000123 "])
def test_a_code_not_matching_the_default_pattern_is_refused_A13_2(code: str) -> None:
    assert refusals(complete_elements(), code=code) == [("code", "A13.2")]


def test_a_region_sets_its_own_code_pattern_A13_2() -> None:
    rules = CompilationRequirements(code_pattern=r"^320206-\d{4}$")
    assert refusals(complete_elements(), code="320206-0001", rules=rules) == []
    assert refusals(complete_elements(), code=CODE, rules=rules) == [("code", "A13.2")]


def test_a_catastrophic_pattern_answers_at_once_and_rightly_on_a_near_miss_A13_2_A28_1() -> None:
    # `^(a+)+$` against 50 a's and a b takes a backtracking engine about 2^50 steps; RE2 answers in linear time.
    rules = CompilationRequirements(code_pattern=r"^(a+)+$")
    assert refusals(complete_elements(), code="a" * 50 + "b", rules=rules) == [("code", "A13.2")]
    assert refusals(complete_elements(), code="a" * 50, rules=rules) == []


def test_a_code_longer_than_a_resource_code_is_never_matched_A13_2() -> None:
    rules = CompilationRequirements(code_pattern=r"^a*$")
    assert refusals(complete_elements(), code="a" * 60, rules=rules) == []
    assert refusals(complete_elements(), code="a" * 61, rules=rules) == [("code", "A13.2")]


def test_a_stored_pattern_re2_cannot_compile_refuses_the_code_instead_of_failing_A13_2() -> None:
    # A back-reference: Python's re accepts it, RE2 does not (it would need backtracking).
    rules = CompilationRequirements(code_pattern=r"^(\d{2})-\1$")
    assert refusals(complete_elements(), code="01-01", rules=rules) == [("code", "A13.2")]


# A19.2: sharing attributes.


def test_conditional_share_without_legal_basis_is_refused_A19_2() -> None:
    elements = complete_elements(share_type=ShareType.conditional, share_conditions="仅用于婚姻状况核验")
    assert refusals(elements) == [("share_legal_basis", "A19.2")]


def test_not_shared_without_legal_basis_is_refused_A19_2() -> None:
    assert refusals(complete_elements(share_type=ShareType.not_shared)) == [("share_legal_basis", "A19.2")]


def test_conditional_share_without_conditions_is_refused_A19_2() -> None:
    elements = complete_elements(share_type=ShareType.conditional, share_legal_basis="《婚姻登记条例》第十九条")
    assert refusals(elements) == [("share_conditions", "A19.2")]


def test_conditional_share_with_legal_basis_and_conditions_passes_A19_2() -> None:
    elements = complete_elements(
        share_type=ShareType.conditional,
        share_legal_basis="《婚姻登记条例》第十九条",
        share_conditions="仅用于婚姻状况核验",
    )
    assert refusals(elements) == []


def test_not_shared_with_legal_basis_passes_A19_2() -> None:
    assert refusals(complete_elements(share_type=ShareType.not_shared, share_legal_basis="《保守国家秘密法》")) == []


def test_unconditional_share_needs_neither_legal_basis_nor_conditions_A19_2() -> None:
    elements = complete_elements(share_type=ShareType.unconditional, share_legal_basis=None, share_conditions=None)
    assert refusals(elements) == []


# A22.1: open attributes.


def test_not_open_without_legal_basis_is_refused_A22_1() -> None:
    assert refusals(complete_elements(open_type=OpenType.not_open)) == [("open_legal_basis", "A22.1")]


def test_conditionally_open_without_conditions_is_refused_A22_1() -> None:
    assert refusals(complete_elements(open_type=OpenType.conditional)) == [("open_conditions", "A22.1")]


def test_not_open_with_legal_basis_and_conditional_open_with_conditions_pass_A22_1() -> None:
    assert refusals(complete_elements(open_type=OpenType.not_open, open_legal_basis="《个人信息保护法》")) == []
    assert refusals(complete_elements(open_type=OpenType.conditional, open_conditions="经申请审核")) == []


# A38.1: secret-classified data is never shared nor opened.


def secret_elements(**overrides: Any) -> dict[str, Any]:
    """A secret entry that is neither shared nor opened, with the legal bases that requires."""
    secret = {
        "secrecy": Secrecy.secret,
        "share_type": ShareType.not_shared,
        "share_legal_basis": "《保守国家秘密法》",
        "open_type": OpenType.not_open,
        "open_legal_basis": "《保守国家秘密法》",
    }
    return complete_elements(**{**secret, **overrides})


def test_secret_data_neither_shared_nor_opened_passes_A38_1() -> None:
    assert refusals(secret_elements()) == []


@pytest.mark.parametrize("share_type", [ShareType.unconditional, ShareType.conditional])
def test_secret_data_with_a_shareable_attribute_is_refused_A38_1(share_type: ShareType) -> None:
    elements = secret_elements(share_type=share_type, share_conditions="仅限涉密网内")
    assert refusals(elements) == [("share_type", "A38.1")]


@pytest.mark.parametrize("open_type", [OpenType.unconditional, OpenType.conditional])
def test_secret_data_with_an_openable_attribute_is_refused_A38_1(open_type: OpenType) -> None:
    elements = secret_elements(open_type=open_type, open_conditions="经申请审核")
    assert refusals(elements) == [("open_type", "A38.1")]


# A18.1: base, theme and department data.


def test_a_base_entry_without_its_base_database_is_refused_A18_1() -> None:
    assert refusals(complete_elements(category=Category.base)) == [("base_database", "A18.1")]


def test_a_base_entry_naming_its_base_database_passes_A18_1() -> None:
    elements = complete_elements(category=Category.base, base_database=BaseDatabase.population)
    assert refusals(elements) == []


@pytest.mark.parametrize("category", [Category.department, Category.theme])
def test_a_non_base_entry_naming_a_base_database_is_refused_A18_1(category: Category) -> None:
    elements = complete_elements(category=category, base_database=BaseDatabase.population)
    assert refusals(elements) == [("base_database", "A18.1")]


# Data items.


def test_duplicate_item_names_are_refused_A13_1() -> None:
    items = [
        data_item("certificate_number", "结婚证字号", required=True, key=True),
        data_item("office", "登记机关"),
        data_item("office", "登记地点"),
    ]
    assert refusals(complete_elements(items=items)) == [("items.office", "A13.1")]


def test_a_key_item_that_is_not_required_is_refused_A13_1() -> None:
    items = [data_item("certificate_number", "结婚证字号", required=False, key=True)]
    assert refusals(complete_elements(items=items)) == [("items.certificate_number", "A13.1")]


# A15.3: one data, one source.


def conflicts_of(
    items: list[dict[str, Any]], item_sources: dict[str, dict[str, Any]], provider: str = CIVIL_AFFAIRS
) -> list[SourceConflict]:
    return source_conflicts(items, item_sources, REGISTER, provider)


ID_NUMBER = data_item("party_id_number", "居民身份证号码", required=True)


def test_an_item_another_agency_is_authoritative_for_is_an_unresolved_conflict_A15_3() -> None:
    assert conflicts_of([*complete_elements()["items"], ID_NUMBER], {}) == [
        SourceConflict("party_id_number", "居民身份证号码", POLICE, ID_NUMBER_ENTRY, resolved_by=None)
    ]


def test_citing_the_authoritative_source_entry_resolves_the_conflict_A15_3() -> None:
    (conflict,) = conflicts_of([ID_NUMBER], {"party_id_number": {"source_entry_code": ID_NUMBER_ENTRY}})
    assert conflict.resolved_by == "source"


def test_citing_another_entry_than_the_authoritative_one_does_not_resolve_the_conflict_A15_3() -> None:
    (conflict,) = conflicts_of([ID_NUMBER], {"party_id_number": {"source_entry_code": "01-01/000999"}})
    assert conflict.resolved_by is None


def test_a_justification_resolves_the_conflict_A15_3() -> None:
    (conflict,) = conflicts_of([ID_NUMBER], {"party_id_number": {"justification": "登记现场须当面核验并留存"}})
    assert conflict.resolved_by == "justification"


def test_a_source_for_another_item_does_not_resolve_the_conflict_A15_3() -> None:
    (conflict,) = conflicts_of([ID_NUMBER], {"office": {"source_entry_code": ID_NUMBER_ENTRY}})
    assert conflict.resolved_by is None


def test_the_authoritative_agencys_own_items_are_not_conflicts_A15_3() -> None:
    assert conflicts_of([ID_NUMBER], {}, provider=POLICE) == []


def test_unresolved_conflicts_are_violations_citing_A15_3() -> None:
    unresolved = SourceConflict("party_id_number", "居民身份证号码", POLICE, ID_NUMBER_ENTRY, None)
    resolved = SourceConflict("spouse_id_number", "居民身份证号码", POLICE, ID_NUMBER_ENTRY, "source")
    (violation,) = unresolved_conflict_violations([unresolved, resolved])
    assert (violation.field, violation.requirement) == ("item_sources.party_id_number", "A15.3")
    assert POLICE in violation.message
    assert ID_NUMBER_ENTRY in violation.message


def test_resolved_conflicts_are_not_violations_A15_3() -> None:
    conflicts = conflicts_of([ID_NUMBER], {"party_id_number": {"justification": "登记现场须当面核验并留存"}})
    assert unresolved_conflict_violations(conflicts) == []


# One problem+json refusal for all of them.


def test_refuse_if_any_raises_one_rule_violation_listing_every_violation() -> None:
    violations = [
        Violation("share_legal_basis", "a conditional entry needs its legal basis", "A19.2"),
        Violation("code", "'x' does not match", "A13.2"),
        Violation("share_conditions", "a conditional entry states its sharing conditions", "A19.2"),
    ]
    with pytest.raises(RuleViolation) as caught:
        refuse_if_any(violations, "The entry cannot be submitted.")
    problem = caught.value
    assert problem.status == 422
    assert problem.requirement == "A13.2, A19.2"
    body = problem.body()
    assert body["detail"] == "The entry cannot be submitted."
    assert body["requirement"] == "A13.2, A19.2"
    assert body["errors"] == [
        {"field": v.field, "message": v.message, "requirement": v.requirement} for v in violations
    ]


def test_refuse_if_any_names_every_requirement_of_a_refused_submission() -> None:
    elements = complete_elements(share_type=ShareType.conditional, open_type=OpenType.not_open)
    with pytest.raises(RuleViolation) as caught:
        refuse_if_any(submission_violations(elements, code="bad", rules=CompilationRequirements()), "refused")
    assert caught.value.requirement == "A13.2, A19.2, A22.1"
    assert [(e["field"], e["requirement"]) for e in caught.value.errors or []] == [
        ("code", "A13.2"),
        ("share_legal_basis", "A19.2"),
        ("share_conditions", "A19.2"),
        ("open_legal_basis", "A22.1"),
    ]


def test_refuse_if_any_lets_a_clean_entry_through() -> None:
    refuse_if_any(submission_violations(complete_elements(), code=CODE, rules=CompilationRequirements()), "refused")
