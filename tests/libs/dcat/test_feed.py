"""A catalogue streamed as DCAT-AP 3.0.1 Turtle and JSON-LD: parsed back with rdflib, it is one graph whatever the
pages, with every mandatory and recommended property of Catalogue, Dataset, Distribution and Agent the hub holds, and
its values from the EU controlled vocabularies (the table of tests/dcat_ap.py, from the specification)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from dcat_ap import (
    AGENT,
    CATALOGUE,
    DATASET,
    DCAT,
    DCT,
    DISTRIBUTION,
    MANDATORY,
    RECOMMENDED,
    gaps,
    instances,
    one,
    parsed,
    values,
    vocabulary_breaches,
)
from rdflib import URIRef
from rdflib.compare import isomorphic

from hub.contracts.vocabulary import AgencyKind, BaseDatabase, Category, OpenType, Secrecy, UpdateCycle
from hub.dcat import vocabularies as eu
from hub.dcat.feed import FeedFormat, catalogue_feed
from hub.dcat.graph import Agent, Catalogue, DataService, Dataset, Distribution

SITE = "https://data.example.gov.cn"
LICENCE = eu.Licence("公共数据开放许可协议", "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
# The hub's catalogue has no temporal coverage element (A13.1): the one recommended property it cannot give.
UNAVAILABLE = {(DATASET, DCT + "temporal")}
RDF_FORMATS = {FeedFormat.turtle: "turtle", FeedFormat.jsonld: "json-ld"}


def catalogue() -> Catalogue:
    return Catalogue(
        iri=f"{SITE}/catalog", title="开放目录", description="全市开放数据。",
        publisher=Agent(None, "公共数据主管部门", AgencyKind.administrative_organ), homepage=f"{SITE}/",
        region_code="320200", licence=LICENCE,
        service=DataService(f"{SITE}/api/3/action/", "CKAN API", f"{SITE}/api/3/action/", f"{SITE}/openapi.json"),
    )  # fmt: skip


def dataset(n: int, **changes: object) -> Dataset:
    values: dict[str, object] = {
        "iri": f"{SITE}/datasets/{n}", "identifier": f"01-02/{n:06d}", "title": "常住人口",
        "description": "全市常住人口。",
        "publisher": Agent(f"{SITE}/agencies/1", "无锡市公安局", AgencyKind.administrative_organ, "11320200MB0000000P"),
        "contact": "无锡市公安局", "keywords": ["姓名", "性别"],
        "themes": eu.data_themes(Category.base, BaseDatabase.population), "update_cycle": UpdateCycle.monthly,
        "open_type": OpenType.unconditional, "secrecy": Secrecy.public, "region_code": "320200",
        "issued": datetime(2025, 1, n, tzinfo=UTC), "modified": datetime(2026, 2, n, tzinfo=UTC), "version": 2,
        "distributions": [Distribution(f"{SITE}/datasets/{n}#csv", "CSV", "全部记录", f"{SITE}/datasets/{n}",
                                       f"{SITE}/datasets/{n}.csv", "CSV", LICENCE)],
    }  # fmt: skip
    return Dataset(**(values | changes))  # type: ignore[arg-type]


async def feed(feed_format: FeedFormat, *pages: Sequence[Dataset]) -> bytes:
    async def paged() -> AsyncIterator[Sequence[Dataset]]:
        for page in pages:
            yield page

    return b"".join([chunk async for chunk in catalogue_feed(catalogue(), paged(), feed_format)])


@pytest.mark.parametrize("feed_format", list(FeedFormat))
async def test_every_mandatory_and_recommended_property_is_given_with_eu_vocabularies_A13_1(
    feed_format: FeedFormat,
) -> None:
    graph = parsed(await feed(feed_format, [dataset(1), dataset(2)], [dataset(3)]), RDF_FORMATS[feed_format])
    assert len(instances(graph, DATASET)) == 3
    assert len(instances(graph, DISTRIBUTION)) == 3
    assert gaps(graph, {MANDATORY, RECOMMENDED}, UNAVAILABLE) == []
    assert vocabulary_breaches(graph) == []


async def test_the_turtle_and_the_json_ld_feed_are_the_same_graph() -> None:
    pages = ([dataset(1)], [dataset(2), dataset(3)])
    turtle = parsed(await feed(FeedFormat.turtle, *pages), "turtle")
    jsonld = parsed(await feed(FeedFormat.jsonld, *pages), "json-ld")
    assert isomorphic(turtle, jsonld)


async def test_pages_make_one_catalogue_listing_every_dataset_with_its_first_and_latest_dates() -> None:
    graph = parsed(await feed(FeedFormat.jsonld, [dataset(3)], [], [dataset(1), dataset(2)]), "json-ld")
    node = one(instances(graph, CATALOGUE))
    assert values(graph, node, DCAT + "dataset") == {f"{SITE}/datasets/{n}" for n in (1, 2, 3)}
    assert values(graph, node, DCT + "issued") == {"2025-01-01T00:00:00+00:00"}
    assert values(graph, node, DCT + "modified") == {"2026-02-03T00:00:00+00:00"}


async def test_an_empty_catalogue_is_still_a_valid_document() -> None:
    for feed_format, rdf_format in RDF_FORMATS.items():
        graph = parsed(await feed(feed_format), rdf_format)
        assert len(instances(graph, CATALOGUE)) == 1
        assert instances(graph, DATASET) == []


async def test_values_of_a_dataset_map_to_the_eu_tables_A22_1() -> None:
    conditional = dataset(1, open_type=OpenType.conditional, update_cycle=UpdateCycle.half_yearly)
    graph = parsed(await feed(FeedFormat.turtle, [conditional]), "turtle")
    node = URIRef(f"{SITE}/datasets/1")
    authority = "http://publications.europa.eu/resource/authority/"
    assert values(graph, node, DCT + "accessRights") == {authority + "access-right/RESTRICTED"}
    assert values(graph, node, DCT + "accrualPeriodicity") == {authority + "frequency/ANNUAL_2"}
    assert values(graph, node, DCAT + "theme") == {authority + "data-theme/SOCI"}
    assert values(graph, node, DCT + "language") == {authority + "language/ZHO"}
    assert values(graph, node, DCAT + "keyword") == {"姓名", "性别"}
    assert values(graph, node, DCT + "identifier") == {"01-02/000001"}
    publisher = one(instances(graph, AGENT))
    assert values(graph, publisher, DCT + "type") == {"http://purl.org/adms/publishertype/LocalAuthority"}


async def test_a_format_outside_the_eu_table_is_a_described_extent_and_absent_values_are_left_out() -> None:
    extent = Distribution(f"{SITE}/d#1", "库表", "库表共享", f"{SITE}/d", media_format="库表")
    bare = dataset(1, publisher=None, contact=None, keywords=[], themes=[], update_cycle=None, issued=None,
                   distributions=[extent])  # fmt: skip
    graph = parsed(await feed(FeedFormat.jsonld, [bare]), "json-ld")
    node = URIRef(f"{SITE}/datasets/1")
    for absent in (DCT + "publisher", DCAT + "contactPoint", DCAT + "keyword", DCAT + "theme", DCT + "issued"):
        assert values(graph, node, absent) == set()
    (described,) = graph.objects(URIRef(f"{SITE}/d#1"), URIRef(DCT + "format"))
    assert values(graph, described, "http://www.w3.org/2004/02/skos/core#prefLabel") == {"库表"}
    assert gaps(graph, {MANDATORY}) == []
