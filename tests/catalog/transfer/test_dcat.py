"""The unified catalogue as DCAT-AP: EU frequency and access-right IRIs, and the properties every dcat:Dataset
carries (A13.1, A22.1, A38.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from catalog_svc.entries.models import EntryVersion
from catalog_svc.transfer import dcat
from catalog_svc.transfer.schemas import Publisher
from hub.contracts.vocabulary import OpenType, UpdateCycle

FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
PUBLISHER = Publisher(id=uuid.uuid4(), name="无锡市公安局", credit_code="11320200MB1234567X", data_unit="大数据科")


@pytest.mark.parametrize(
    ("cycle", "frequency"),
    [
        ("real_time", "UPDATE_CONT"), ("daily", "DAILY"), ("weekly", "WEEKLY"), ("monthly", "MONTHLY"),
        ("quarterly", "QUARTERLY"), ("half_yearly", "ANNUAL_2"), ("yearly", "ANNUAL"), ("irregular", "IRREG"),
    ],
)  # fmt: skip
def test_each_update_cycle_maps_to_its_eu_frequency(cycle: str, frequency: str) -> None:
    assert dcat.accrual_periodicity(cycle) == FREQUENCY + frequency


def test_every_update_cycle_has_a_frequency() -> None:
    assert set(dcat.FREQUENCIES) == set(UpdateCycle)
    assert dcat.accrual_periodicity(None) is None


@pytest.mark.parametrize(
    ("open_type", "right"),
    [("unconditional", "PUBLIC"), ("conditional", "RESTRICTED"), ("not_open", "NON_PUBLIC"), (None, "NON_PUBLIC")],
)
def test_open_types_map_to_eu_access_rights_A22_1(open_type: str | None, right: str) -> None:
    assert dcat.access_rights(open_type, "internal") == ACCESS + right
    assert set(dcat.ACCESS_RIGHTS) == set(OpenType)


def test_secret_data_is_never_public_A38_1() -> None:
    assert dcat.access_rights("unconditional", "secret") == ACCESS + "NON_PUBLIC"


def version(**overrides: Any) -> EntryVersion:
    values: dict[str, Any] = {
        "entry_id": uuid.uuid4(), "version": 3, "state": "published", "code": "01-02/000001",
        "region_code": "320200", "provider_agency_id": PUBLISHER.id, "name": "常住人口基本信息",
        "summary": "全市常住人口。", "format": "csv", "share_method": "api", "open_type": "unconditional",
        "secrecy": "public", "update_cycle": "monthly", "tags": ["人口", "户籍"], "items": [],
        "published_at": datetime(2025, 3, 1, tzinfo=UTC), **overrides,
    }  # fmt: skip
    return EntryVersion(**values)


def test_a_published_entry_is_a_dcat_dataset_with_the_required_properties() -> None:
    entry = version()
    node = dcat.dataset(entry, PUBLISHER, issued=datetime(2024, 1, 1, tzinfo=UTC))
    assert node["@type"] == "dcat:Dataset"
    assert node["dct:identifier"] == "01-02/000001"
    assert node["dct:title"] == {"@value": "常住人口基本信息", "@language": "zh"}
    assert node["dct:description"]["@value"] == "全市常住人口。"
    assert node["dct:publisher"]["@type"] == "foaf:Agent"
    assert node["dct:publisher"]["foaf:name"]["@value"] == "无锡市公安局"
    assert node["dct:publisher"]["dct:identifier"] == PUBLISHER.credit_code
    assert node["dcat:contactPoint"]["vcard:fn"] == "大数据科"
    assert node["dct:accrualPeriodicity"] == {"@id": FREQUENCY + "MONTHLY"}
    assert node["dct:accessRights"] == {"@id": ACCESS + "PUBLIC"}
    assert [k["@value"] for k in node["dcat:keyword"]] == ["人口", "户籍"]
    assert node["dct:issued"]["@value"].startswith("2024-01-01")
    assert node["dct:modified"]["@value"].startswith("2025-03-01")
    assert node["owl:versionInfo"] == "3"
    (distribution,) = node["dcat:distribution"]
    assert distribution["@type"] == "dcat:Distribution"
    assert distribution["dct:format"] == {"@id": "http://publications.europa.eu/resource/authority/file-type/CSV"}
    assert distribution["dcat:accessURL"]["@id"] == f"/api/catalog/entries/{entry.entry_id}"


def test_a_format_outside_the_eu_table_is_described_and_absent_values_are_left_out() -> None:
    node = dcat.dataset(version(format="库表", tags=[], share_method=None, update_cycle=None), None, None)
    assert "dcat:keyword" not in node
    assert "dct:publisher" not in node
    assert "dct:accrualPeriodicity" not in node
    assert node["dcat:distribution"][0]["dct:format"] == {"@type": "dct:MediaTypeOrExtent", "rdfs:label": "库表"}


def test_the_catalogue_document_is_json_ld_with_the_dcat_ap_context() -> None:
    datasets = [dcat.dataset(version(), PUBLISHER, None), dcat.dataset(version(code="01-02/000002"), None, None)]
    document = orjson.loads(
        dcat.catalogue_head("320200") + b",".join(orjson.dumps(d) for d in datasets) + dcat.CATALOGUE_TAIL
    )
    assert document["@type"] == "dcat:Catalog"
    assert {"dcat", "dct", "foaf", "vcard", "adms"} <= document["@context"].keys()
    assert [d["dct:identifier"] for d in document["dcat:dataset"]] == ["01-02/000001", "01-02/000002"]
