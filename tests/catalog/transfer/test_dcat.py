"""The unified catalogue as DCAT-AP 3.0.1 (the shared mapping, hub.dcat): every mandatory and recommended property of
Catalogue, Dataset, Distribution and Agent the catalogue holds, held to the specification's table (tests/dcat_ap.py),
with the entry's own values (A13.1, A15.2, A22.1, A38.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from dcat_ap import (
    CATALOGUE,
    DATASET,
    DCAT,
    DCT,
    DISTRIBUTION,
    FOAF,
    MANDATORY,
    RECOMMENDED,
    VCARD,
    gaps,
    instances,
    one,
    parsed,
    values,
    vocabulary_breaches,
)
from rdflib import URIRef

from catalog_svc.entries.models import EntryVersion
from catalog_svc.settings import Settings
from catalog_svc.transfer import dcat
from catalog_svc.transfer.schemas import Publisher

SITE = "https://hub.example.gov.cn"
AUTHORITY = "http://publications.europa.eu/resource/authority/"
PUBLISHER = Publisher(id=uuid.uuid4(), name="无锡市公安局", credit_code="11320200MB1234567X", data_unit="大数据科",
                      kind="administrative_organ")  # fmt: skip
SETTINGS = Settings(HUB_PUBLIC_URL=SITE + "/", HUB_BUREAU_NAME="无锡市大数据管理局", log_json=False)
# What the unified catalogue does not hold: a temporal coverage (no element of the catalogue, A13.1), and a licence
# (sharing is ruled by the Measures, A21.1; open data's licence is in open-svc's feed).
UNAVAILABLE = {(DATASET, DCT + "temporal"), (CATALOGUE, DCT + "license"), (DISTRIBUTION, DCT + "license")}


@dataclass(frozen=True)
class Entry:
    version: EntryVersion
    publisher: Publisher | None
    issued: datetime | None


def version(**overrides: Any) -> EntryVersion:
    values: dict[str, Any] = {
        "entry_id": uuid.uuid4(), "version": 3, "state": "published", "code": "01-02/000001",
        "region_code": "320200", "provider_agency_id": PUBLISHER.id, "name": "常住人口基本信息",
        "summary": "全市常住人口。", "format": "csv", "share_method": "api", "share_type": "unconditional",
        "open_type": "unconditional", "secrecy": "public", "update_cycle": "monthly", "category": "base",
        "base_database": "population", "tags": ["人口", "户籍"], "items": [],
        "published_at": datetime(2025, 3, 1, tzinfo=UTC), **overrides,
    }  # fmt: skip
    return EntryVersion(**values)


async def exported(*entries: Entry, region: str | None = "320200") -> bytes:
    async def pages() -> AsyncIterator[Sequence[Entry]]:
        yield list(entries)

    return b"".join([chunk async for chunk in dcat.export(pages(), SETTINGS, region)])


async def test_the_unified_catalogue_has_every_mandatory_and_recommended_property_it_holds_A13_1() -> None:
    graph = parsed(await exported(Entry(version(), PUBLISHER, datetime(2024, 1, 1, tzinfo=UTC))), "json-ld")
    assert len(instances(graph, DATASET)) == 1
    assert gaps(graph, {MANDATORY, RECOMMENDED}, UNAVAILABLE) == []
    assert vocabulary_breaches(graph) == []


async def test_a_published_entry_is_a_dataset_of_its_provider_with_its_elements_A13_1_A15_2() -> None:
    entry = version(update_cycle="half_yearly", open_type="conditional", share_type="conditional",
                    share_conditions="仅用于社保核验")  # fmt: skip
    graph = parsed(await exported(Entry(entry, PUBLISHER, datetime(2024, 1, 1, tzinfo=UTC))), "json-ld")
    node = URIRef(f"{SITE}/api/catalog/entries/{entry.entry_id}")
    assert values(graph, node, DCT + "identifier") == {"01-02/000001"}
    assert values(graph, node, DCT + "title") == {"常住人口基本信息"}
    assert values(graph, node, DCT + "description") == {"全市常住人口。"}
    assert values(graph, node, DCAT + "keyword") == {"人口", "户籍"}
    assert values(graph, node, DCT + "accrualPeriodicity") == {AUTHORITY + "frequency/ANNUAL_2"}
    assert values(graph, node, DCT + "accessRights") == {AUTHORITY + "access-right/RESTRICTED"}
    assert values(graph, node, DCAT + "theme") == {AUTHORITY + "data-theme/SOCI"}
    assert values(graph, node, DCT + "issued") == {"2024-01-01T00:00:00+00:00"}
    assert values(graph, node, DCT + "modified") == {"2025-03-01T00:00:00+00:00"}
    assert values(graph, node, DCAT + "version") == {"3"}
    publisher = URIRef(f"{SITE}/api/catalog/agencies/{PUBLISHER.id}")
    assert values(graph, node, DCT + "publisher") == {str(publisher)}
    assert values(graph, publisher, FOAF + "name") == {"无锡市公安局"}
    assert values(graph, publisher, DCT + "identifier") == {PUBLISHER.credit_code}
    assert values(graph, publisher, DCT + "type") == {"http://purl.org/adms/publishertype/LocalAuthority"}
    contact = one(graph.objects(node, URIRef(DCAT + "contactPoint")))
    assert values(graph, contact, VCARD + "fn") == {"大数据科"}
    distribution = one(graph.objects(node, URIRef(DCAT + "distribution")))
    # The data is reached at the big data centre, under a grant (A21.1), on the share conditions.
    assert values(graph, distribution, DCAT + "accessURL") == {
        f"{SITE}/api/aggregation/entries/{entry.entry_id}/records"
    }
    assert values(graph, distribution, DCT + "format") == {AUTHORITY + "file-type/CSV"}
    assert values(graph, distribution, DCT + "title") == {"接口共享"}
    rights = one(graph.objects(distribution, URIRef(DCT + "rights")))
    assert values(graph, rights, "http://www.w3.org/2004/02/skos/core#prefLabel") == {"仅用于社保核验"}


@pytest.mark.parametrize(("open_type", "secrecy"), [("unconditional", "secret"), ("not_open", "internal")])
async def test_secret_or_not_open_entries_are_non_public_A22_1_A38_1(open_type: str, secrecy: str) -> None:
    entry = version(open_type=open_type, secrecy=secrecy)
    graph = parsed(await exported(Entry(entry, PUBLISHER, None)), "json-ld")
    node = URIRef(f"{SITE}/api/catalog/entries/{entry.entry_id}")
    assert values(graph, node, DCT + "accessRights") == {AUTHORITY + "access-right/NON_PUBLIC"}


async def test_a_format_outside_the_eu_table_is_described_and_absent_values_are_left_out() -> None:
    entry = version(format="库表", tags=[], share_method=None, update_cycle=None, category=None, base_database=None)
    graph = parsed(await exported(Entry(entry, None, None)), "json-ld")
    node = URIRef(f"{SITE}/api/catalog/entries/{entry.entry_id}")
    for absent in (DCAT + "keyword", DCT + "publisher", DCAT + "contactPoint", DCT + "accrualPeriodicity",
                   DCAT + "theme"):  # fmt: skip
        assert values(graph, node, absent) == set()
    distribution = one(graph.objects(node, URIRef(DCAT + "distribution")))
    extent = one(graph.objects(distribution, URIRef(DCT + "format")))
    assert values(graph, extent, "http://www.w3.org/2004/02/skos/core#prefLabel") == {"库表"}
    assert gaps(graph, {MANDATORY}) == []


async def test_the_catalogue_is_the_bureaus_of_its_region_listing_its_entries_A4_1() -> None:
    first, second = version(), version(code="01-02/000002")
    document = await exported(Entry(first, PUBLISHER, None), Entry(second, None, None), region="320206")
    graph = parsed(document, "json-ld")
    node = one(instances(graph, CATALOGUE))
    assert str(node) == f"{SITE}/api/catalog/catalogue?region=320206"
    assert values(graph, node, DCAT + "dataset") == {
        f"{SITE}/api/catalog/entries/{first.entry_id}",
        f"{SITE}/api/catalog/entries/{second.entry_id}",
    }
    bureau = one(graph.objects(node, URIRef(DCT + "publisher")))
    assert values(graph, bureau, FOAF + "name") == {"无锡市大数据管理局"}
    region = [p for p in graph.objects(node, URIRef(DCT + "spatial")) if not str(p).startswith(AUTHORITY)]
    assert [values(graph, r, "http://www.w3.org/2004/02/skos/core#notation") for r in region] == [{"320206"}]
