"""The open catalogue's DCAT-AP 3.0.1 feed through the gateway, read anonymously as JSON-LD and as Turtle and parsed
with rdflib: every mandatory and recommended property of Catalogue, Dataset, Distribution and Agent the hub holds,
held to the specification's table (tests/dcat_ap.py), values from the EU vocabularies, and no entry that is not
open data anywhere in it (A22.1, A23.1, A24.1, A38.1)."""

from __future__ import annotations

import httpx
import pytest
from dcat_ap import (
    CATALOGUE,
    DATASET,
    DCAT,
    DCT,
    DISTRIBUTION,
    EU,
    FOAF,
    MANDATORY,
    RECOMMENDED,
    gaps,
    instances,
    one,
    parsed,
    values,
    vocabulary_breaches,
)
from open.interop import ITEMS, SITE, World
from rdflib import Graph, URIRef

pytestmark = pytest.mark.integration

FEEDS = {"catalog.jsonld": ("application/ld+json", "json-ld"), "catalog.ttl": ("text/turtle", "turtle")}
# The catalogue holds no temporal coverage (no element of it, A13.1): the one recommended property not given.
UNAVAILABLE = {(DATASET, DCT + "temporal")}


async def feed(world: World, name: str) -> tuple[bytes, Graph]:
    async with httpx.AsyncClient(base_url=world.gateway_url, timeout=30) as client:
        response = await client.get(f"/api/open/dcat/{name}")
    media_type, rdf_format = FEEDS[name]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    return response.content, parsed(response.content, rdf_format)


def dataset_iri(world: World, label: str) -> URIRef:
    return URIRef(f"{SITE}/api/open/datasets/{world.id(label)}")


@pytest.mark.parametrize("name", list(FEEDS))
async def test_the_feed_has_every_mandatory_and_recommended_property_with_eu_vocabularies_A23_1(
    world: World, name: str
) -> None:
    _, graph = await feed(world, name)
    assert gaps(graph, {MANDATORY, RECOMMENDED}, UNAVAILABLE) == []
    assert vocabulary_breaches(graph) == []


@pytest.mark.parametrize("name", list(FEEDS))
async def test_only_open_datasets_are_in_the_feed_A22_1_A38_1(world: World, name: str) -> None:
    document, graph = await feed(world, name)
    open_labels = ("water_quality", "permits", "stations")
    assert set(instances(graph, DATASET)) == {dataset_iri(world, label) for label in open_labels}
    assert values(graph, one(instances(graph, CATALOGUE)), DCAT + "dataset") == {
        str(dataset_iri(world, label)) for label in open_labels
    }
    for hidden in ("closed", "secret", "retired"):
        assert world.id(hidden).encode() not in document
        assert world.entries[hidden].name.encode() not in document
    # An agency with no open entry is no publisher of the feed.
    assert str(world.closed_only.agency_id).encode() not in document


async def test_a_dataset_carries_its_catalogue_elements_and_a_distribution_per_form_A24_1(world: World) -> None:
    _, graph = await feed(world, "catalog.jsonld")
    water = dataset_iri(world, "water_quality")
    assert values(graph, water, DCT + "title") == {"城市供水水质监测数据"}
    assert values(graph, water, DCT + "identifier") == {world.entries["water_quality"].code}
    assert values(graph, water, DCAT + "keyword") == {item["label"] for item in ITEMS}
    assert values(graph, water, DCAT + "theme") == {EU + "data-theme/ENVI"}
    assert values(graph, water, DCT + "accrualPeriodicity") == {EU + "frequency/MONTHLY"}
    assert values(graph, water, DCT + "accessRights") == {EU + "access-right/PUBLIC"}
    assert values(graph, water, DCT + "modified") == {"2026-01-05T08:00:00+00:00"}
    publisher = one(graph.objects(water, URIRef(DCT + "publisher")))
    assert values(graph, publisher, FOAF + "name") == {"无锡市水利局"}
    assert values(graph, publisher, DCT + "identifier") == {world.water.credit_code}
    files = {
        str(d): (values(graph, d, DCT + "format"), values(graph, d, DCAT + "downloadURL"))
        for d in graph.objects(water, URIRef(DCAT + "distribution"))
    }
    page = f"{SITE}/api/open/datasets/{world.id('water_quality')}"
    assert files == {
        f"{page}#csv": ({EU + "file-type/CSV"}, {f"{page}/download?format=csv"}),
        f"{page}#json": ({EU + "file-type/JSON"}, {f"{page}/download?format=json"}),
        f"{page}#xlsx": ({EU + "file-type/XLSX"}, {f"{page}/download?format=xlsx"}),
        f"{page}#api": ({EU + "file-type/JSON"}, set()),
    }

    # Open on conditions: restricted, only the records API with a data key, and the conditions stated (A24.2).
    permits = dataset_iri(world, "permits")
    assert values(graph, permits, DCT + "accessRights") == {EU + "access-right/RESTRICTED"}
    api = one(graph.objects(permits, URIRef(DCAT + "distribution")))
    assert values(graph, api, DCAT + "accessURL") == {f"{SITE}/api/open/access/{world.id('permits')}/records"}
    rights = one(graph.objects(api, URIRef(DCT + "rights")))
    (statement,) = values(graph, rights, "http://www.w3.org/2004/02/skos/core#prefLabel")
    assert "仅用于人口研究" in statement


async def test_the_catalogue_is_the_bureaus_with_its_dates_and_the_ckan_api_as_its_service(world: World) -> None:
    _, graph = await feed(world, "catalog.ttl")
    catalogue = one(instances(graph, CATALOGUE))
    assert str(catalogue) == f"{SITE}/api/open/dcat/catalog"
    bureau = one(graph.objects(catalogue, URIRef(DCT + "publisher")))
    assert values(graph, bureau, FOAF + "name") == {"无锡市大数据管理局"}
    assert values(graph, catalogue, DCT + "issued") == {"2025-12-20T10:00:00+00:00"}
    assert values(graph, catalogue, DCT + "modified") == {"2026-02-10T09:30:00+00:00"}
    service = one(graph.objects(catalogue, URIRef(DCAT + "service")))
    assert values(graph, service, DCAT + "endpointURL") == {f"{SITE}/api/3/action/"}
    assert len(instances(graph, DISTRIBUTION)) == 4 + 1 + 4
