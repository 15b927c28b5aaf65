"""The catalogue's vocabulary mapped to the EU controlled vocabularies, checked against the EU authority tables'
codes (publications.europa.eu: frequency, access-right, file-type, data-theme) written out here by hand (A13.1,
A18.1, A22.1, A38.1)."""

from __future__ import annotations

import pytest

from hub.contracts.vocabulary import AgencyKind, BaseDatabase, Category, OpenType, UpdateCycle
from hub.dcat import vocabularies as eu

AUTHORITY = "http://publications.europa.eu/resource/authority/"


@pytest.mark.parametrize(
    ("cycle", "code"),
    [
        ("real_time", "UPDATE_CONT"), ("daily", "DAILY"), ("weekly", "WEEKLY"), ("monthly", "MONTHLY"),
        ("quarterly", "QUARTERLY"), ("half_yearly", "ANNUAL_2"), ("yearly", "ANNUAL"), ("irregular", "IRREG"),
    ],
)  # fmt: skip
def test_each_update_cycle_maps_to_its_eu_frequency(cycle: str, code: str) -> None:
    concept = eu.frequency(cycle)
    assert concept is not None
    assert concept.iri == f"{AUTHORITY}frequency/{code}"


def test_every_update_cycle_has_a_frequency_and_an_unknown_one_none() -> None:
    assert set(eu.FREQUENCIES) == set(UpdateCycle)
    assert eu.frequency(None) is None
    assert eu.frequency("fortnightly") is None


@pytest.mark.parametrize(
    ("open_type", "right"),
    [("unconditional", "PUBLIC"), ("conditional", "RESTRICTED"), ("not_open", "NON_PUBLIC"), (None, "NON_PUBLIC"),
     ("sometimes", "NON_PUBLIC")],
)  # fmt: skip
def test_open_types_map_to_eu_access_rights_A22_1(open_type: str | None, right: str) -> None:
    assert eu.access_right(open_type, "internal").iri == f"{AUTHORITY}access-right/{right}"
    assert set(eu.ACCESS_RIGHTS) == set(OpenType)


def test_secret_data_is_never_public_A38_1() -> None:
    for open_type in OpenType:
        assert eu.access_right(open_type, "secret").iri == f"{AUTHORITY}access-right/NON_PUBLIC"


@pytest.mark.parametrize(
    ("base_database", "theme"),
    [("population", "SOCI"), ("legal_persons", "ECON"), ("natural_resources_geography", "ENVI"),
     ("e_licences", "GOVE"), ("social_credit", "ECON")],
)  # fmt: skip
def test_each_base_database_has_its_eu_data_theme_A18_1(base_database: str, theme: str) -> None:
    (found,) = eu.data_themes(Category.base, BaseDatabase(base_database))
    assert found.concept.iri == f"{AUTHORITY}data-theme/{theme}"
    assert set(eu.BASE_DATABASE_THEMES) == set(BaseDatabase)


def test_theme_and_department_data_are_government_data_and_an_unknown_category_has_no_theme_A18_1() -> None:
    assert [t.code for t in eu.data_themes(Category.theme, None)] == ["GOVE"]
    assert [t.code for t in eu.data_themes(Category.department, None)] == ["GOVE"]
    assert eu.data_themes(None, None) == []


@pytest.mark.parametrize(
    ("declared", "code", "media_type"),
    [("csv", "CSV", "text/csv"),
     (" Xlsx ", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
     ("json-ld", "JSON_LD", "application/ld+json"), ("GeoJSON", "GEOJSON", "application/geo+json")],
)  # fmt: skip
def test_declared_formats_map_to_eu_file_types_and_iana_media_types(declared: str, code: str, media_type: str) -> None:
    found = eu.file_type(declared)
    assert found is not None
    assert (found.concept.iri, found.media_type) == (f"{AUTHORITY}file-type/{code}", media_type)


def test_a_format_outside_the_eu_table_has_no_file_type() -> None:
    assert eu.file_type("库表") is None
    assert eu.file_type("") is None
    assert eu.file_type(None) is None


def test_every_agency_kind_has_an_adms_publisher_type_A2_1() -> None:
    assert set(eu.PUBLISHER_TYPES) == set(AgencyKind)
    assert all(t.iri.startswith("http://purl.org/adms/publishertype/") for t in eu.PUBLISHER_TYPES.values())


def test_a_licence_is_from_the_eu_table_only_by_its_address() -> None:
    assert eu.Licence("CC BY 4.0", f"{AUTHORITY}licence/CC_BY_4_0").from_eu_table
    assert not eu.Licence("公共数据开放许可协议").from_eu_table
    assert not eu.Licence("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/").from_eu_table
