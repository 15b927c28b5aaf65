"""What DCAT-AP 3.0.1 asks of a catalogue, written by hand from the specification (SEMIC, DCAT-AP 3.0.1,
https://semiceu.github.io/DCAT-AP/releases/3.0.1/), not from hub.dcat, and the checks the feeds' tests hold a parsed
graph to.

* `PROPERTIES`: the mandatory and recommended properties of Catalogue, Dataset, Distribution and Agent, from the
  section "Quick Reference of Classes and Properties" (each row also stands in the class's own section, "Catalogue",
  "Dataset", "Distribution", "Agent").
* `VOCABULARIES`: the controlled vocabularies of the section "Controlled vocabularies to be used" (its tables
  "… that MUST be used", "… with AT LEAST 1 value from …" and "… with a RECOMMENDED use of …"), and the EU authority
  tables the issue names for licence and access right.
* `RANGES`: the class each property's value has (the classes' property tables, "Range").
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCATAP = "http://data.europa.eu/r5r/"
EU = "http://publications.europa.eu/resource/authority/"

CATALOGUE, DATASET, DISTRIBUTION, AGENT = DCAT + "Catalog", DCAT + "Dataset", DCAT + "Distribution", FOAF + "Agent"
MANDATORY, RECOMMENDED = "mandatory", "recommended"


@dataclass(frozen=True)
class Property:
    cls: str
    level: str
    name: str  # as the specification names it
    iri: str
    section: str = "Quick Reference of Classes and Properties"


def _rows(cls: str, level: str, *pairs: tuple[str, str]) -> list[Property]:
    return [Property(cls, level, name, iri) for name, iri in pairs]


PROPERTIES: list[Property] = [
    *_rows(AGENT, MANDATORY, ("name", FOAF + "name")),
    *_rows(AGENT, RECOMMENDED, ("type", DCT + "type")),
    *_rows(CATALOGUE, MANDATORY, ("description", DCT + "description"), ("publisher", DCT + "publisher"),
           ("title", DCT + "title")),
    *_rows(CATALOGUE, RECOMMENDED, ("dataset", DCAT + "dataset"), ("geographical coverage", DCT + "spatial"),
           ("homepage", FOAF + "homepage"), ("language", DCT + "language"), ("licence", DCT + "license"),
           ("modification date", DCT + "modified"), ("release date", DCT + "issued"), ("service", DCAT + "service"),
           ("themes", DCAT + "themeTaxonomy")),
    *_rows(DATASET, MANDATORY, ("description", DCT + "description"), ("title", DCT + "title")),
    *_rows(DATASET, RECOMMENDED, ("contact point", DCAT + "contactPoint"),
           ("dataset distribution", DCAT + "distribution"), ("geographical coverage", DCT + "spatial"),
           ("keyword", DCAT + "keyword"), ("publisher", DCT + "publisher"), ("temporal coverage", DCT + "temporal"),
           ("theme", DCAT + "theme")),
    *_rows(DISTRIBUTION, MANDATORY, ("access URL", DCAT + "accessURL")),
    *_rows(DISTRIBUTION, RECOMMENDED, ("availability", DCATAP + "availability"),
           ("description", DCT + "description"), ("format", DCT + "format"), ("licence", DCT + "license")),
]  # fmt: skip

# (class, property) → the IRI every value must start with: the vocabulary's namespace.
VOCABULARIES: dict[tuple[str, str], str] = {
    (DATASET, DCT + "accrualPeriodicity"): EU + "frequency/",
    (DISTRIBUTION, DCT + "format"): EU + "file-type/",
    (DISTRIBUTION, DCAT + "mediaType"): "http://www.iana.org/assignments/media-types/",
    (CATALOGUE, DCT + "language"): EU + "language/",
    (DATASET, DCT + "language"): EU + "language/",
    # "Distribution availability vocabulary": the EU planned-availability authority table.
    (DISTRIBUTION, DCATAP + "availability"): EU + "planned-availability/",
    (DATASET, DCAT + "theme"): EU + "data-theme/",
    (AGENT, DCT + "type"): "http://purl.org/adms/publishertype/",
    (DATASET, DCT + "accessRights"): EU + "access-right/",
    (CATALOGUE, DCAT + "themeTaxonomy"): EU + "data-theme",
}

# Property → the class its values have (the range the specification gives it).
RANGES: dict[str, str] = {
    DCT + "publisher": AGENT,
    DCAT + "contactPoint": VCARD + "Kind",
    DCAT + "distribution": DISTRIBUTION,
    DCAT + "dataset": DATASET,
    DCT + "spatial": DCT + "Location",
    DCT + "accrualPeriodicity": DCT + "Frequency",
    DCT + "language": DCT + "LinguisticSystem",
    DCT + "license": DCT + "LicenseDocument",
    DCT + "format": DCT + "MediaTypeOrExtent",
    DCT + "accessRights": DCT + "RightsStatement",
    DCAT + "theme": SKOS + "Concept",
    DCATAP + "availability": SKOS + "Concept",
    FOAF + "homepage": FOAF + "Document",
    DCAT + "service": DCAT + "DataService",
    DCAT + "themeTaxonomy": SKOS + "ConceptScheme",
}


def parsed(document: bytes, rdf_format: str) -> Graph:
    """The document as an RDF graph ("json-ld" or "turtle")."""
    graph = Graph()
    with warnings.catch_warnings():
        # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        graph.parse(data=document, format=rdf_format)
    return graph


def instances(graph: Graph, cls: str) -> list[URIRef]:
    """The named instances of a class, in IRI order."""
    return sorted(s for s in graph.subjects(RDF.type, URIRef(cls)) if isinstance(s, URIRef))


def gaps(graph: Graph, levels: Collection[str], unavailable: Collection[tuple[str, str]] = ()) -> list[str]:
    """Every instance of the four classes lacking a property of the levels, one line each; `unavailable` lists the
    (class, property) pairs a test accepts as missing (recommended ones the hub does not hold, each with its reason
    in the test)."""
    lines = []
    for prop in PROPERTIES:
        if prop.level not in levels or (prop.cls, prop.iri) in unavailable:
            continue
        for node in graph.subjects(RDF.type, URIRef(prop.cls)):
            if graph.value(node, URIRef(prop.iri)) is None:
                lines.append(f"{node} ({prop.cls}) lacks {prop.level} {prop.name} <{prop.iri}> [{prop.section}]")
    return lines


def vocabulary_breaches(graph: Graph) -> list[str]:
    """Every value outside its controlled vocabulary, and every value without its range's class."""
    lines = []
    for (cls, prop), namespace in VOCABULARIES.items():
        for node in graph.subjects(RDF.type, URIRef(cls)):
            for value in graph.objects(node, URIRef(prop)):
                if not str(value).startswith(namespace) or isinstance(value, Literal):
                    lines.append(f"{node} {prop} {value}: not from {namespace}")
    for prop, cls in RANGES.items():
        for _, value in graph.subject_objects(URIRef(prop)):
            if (value, RDF.type, URIRef(cls)) not in graph:
                lines.append(f"{value}, a value of {prop}, is not a {cls}")
    for concept in graph.subjects(RDF.type, URIRef(SKOS + "Concept")):
        # "Concept": preferred label, mandatory.
        if graph.value(concept, URIRef(SKOS + "prefLabel")) is None:
            lines.append(f"{concept}, a skos:Concept, lacks its mandatory skos:prefLabel [Concept]")
    return lines


def values(graph: Graph, node: Node, prop: str) -> set[str]:
    """The values of a property of a node, as strings."""
    return {str(v) for v in graph.objects(node, URIRef(prop))}


def one(nodes: Iterable[Node]) -> Node:
    """The one node there is."""
    (node,) = list(nodes)
    return node
