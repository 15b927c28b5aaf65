"""A catalogue as DCAT-AP 3.0.1 RDF: the Catalogue, its Datasets, their Distributions and the Agents publishing them,
with the mandatory and recommended properties of each class (the specification's "Quick Reference of Classes and
Properties") wherever the hub holds the information, and the EU vocabularies of `hub.dcat.vocabularies`.

A service describes what it publishes in the plain values below; the functions add their triples to an rdflib
graph. Every EU concept a description names is collected in `Concepts` and described once (typed with the class
DCAT-AP gives the property's range, with its preferred label and its scheme), so that a receiver holding none of
the EU tables still finds each value's class and label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from hub.contracts.vocabulary import AgencyKind, OpenType, Secrecy, UpdateCycle
from hub.dcat import vocabularies as eu

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
PREFIXES: dict[str, Namespace] = {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "skos": SKOS, "adms": ADMS, "dcatap": DCATAP,
    "rdf": Namespace(str(RDF)), "xsd": Namespace(str(XSD)),
}  # fmt: skip
LANGUAGE_TAG = "zh"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Agent:
    """Who publishes (dct:publisher): an agency answering for its entries (A15.2), or the bureau publishing the
    catalogue (no IRI of its own: a blank node). `identifier` is the agency's unified social credit code (A2.1)."""

    iri: str | None
    name: str
    kind: AgencyKind | None = None
    identifier: str | None = None


@dataclass(frozen=True)
class Distribution:
    """One way of obtaining a dataset's data: `access_url` where it is reached (a page or an API), `download_url` a
    file of it, `media_format` its declared format ("CSV" …), `rights` the conditions of a conditional opening
    (A24.2)."""

    iri: str
    title: str
    description: str
    access_url: str
    download_url: str | None = None
    media_format: str | None = None
    licence: eu.Licence | None = None
    rights: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A published catalogue entry (A13.1) as a dcat:Dataset. `identifier` is its resource code (代码); `contact`
    the name of who answers questions about it; `region_code` the GB/T 2260 code of the region it covers."""

    iri: str
    identifier: str
    title: str
    description: str
    publisher: Agent | None
    contact: str | None
    keywords: Sequence[str]
    themes: Sequence[eu.Theme]
    update_cycle: UpdateCycle | None
    open_type: OpenType | None
    secrecy: Secrecy | None
    region_code: str | None
    issued: datetime | None
    modified: datetime | None
    version: int | None
    distributions: Sequence[Distribution]
    landing_page: str | None = None


@dataclass(frozen=True)
class DataService:
    """An API serving the catalogue's datasets (dcat:service of the catalogue)."""

    iri: str
    title: str
    endpoint_url: str
    endpoint_description: str


@dataclass(frozen=True)
class Catalogue:
    """The dcat:Catalog: its title and description, the bureau publishing it, its homepage, the region it covers,
    the licence of what it opens (None for a catalogue that opens nothing), and the API serving it."""

    iri: str
    title: str
    description: str
    publisher: Agent
    homepage: str
    region_code: str | None = None
    licence: eu.Licence | None = None
    service: DataService | None = None


@dataclass
class Concepts:
    """The EU concepts a description names, by the DCAT-AP class of the property's range they are used under."""

    used: dict[eu.Concept, set[URIRef]] = field(default_factory=dict)

    def name(self, concept: eu.Concept, range_class: URIRef) -> URIRef:
        """The concept's IRI, remembering it and the class it is used as."""
        self.used.setdefault(concept, set()).add(range_class)
        return URIRef(concept.iri)

    def describe(self, graph: Graph) -> None:
        """Type, label and scheme of every concept named: a skos:Concept (with its mandatory preferred label) of its
        EU table (a skos:ConceptScheme), and an instance of its range class (dct:Frequency, dct:LicenseDocument …)."""
        schemes = set()
        for concept, classes in self.used.items():
            node = URIRef(concept.iri)
            graph.add((node, RDF.type, SKOS.Concept))
            for range_class in classes:
                graph.add((node, RDF.type, range_class))
            graph.add((node, SKOS.prefLabel, Literal(concept.label, lang="en")))
            scheme = URIRef(concept.scheme.rstrip("/"))
            graph.add((node, SKOS.inScheme, scheme))
            schemes.add(scheme)
        for scheme in schemes:
            graph.add((scheme, RDF.type, SKOS.ConceptScheme))
            graph.add((scheme, DCT.title, Literal(_scheme_title(str(scheme)), lang="en")))


def _scheme_title(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()


def new_graph() -> Graph:
    """An empty graph with the feeds' prefixes bound, and no others (rdflib's default set makes serialising slow)."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def _text(value: str) -> Literal:
    return Literal(value, lang=LANGUAGE_TAG)


def _when(value: datetime) -> Literal:
    return Literal(value.astimezone(UTC).isoformat(), datatype=XSD.dateTime)


def describe_agent(graph: Graph, agent: Agent, concepts: Concepts) -> URIRef | BNode:
    """A foaf:Agent: its name (mandatory) and its type (recommended, the ADMS publisher types)."""
    node: URIRef | BNode = URIRef(agent.iri) if agent.iri else BNode()
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, _text(agent.name)))
    if agent.kind is not None:
        graph.add((node, DCT.type, concepts.name(eu.PUBLISHER_TYPES[agent.kind], SKOS.Concept)))
    if agent.identifier:
        graph.add((node, DCT.identifier, Literal(agent.identifier)))
    return node


def describe_licence(graph: Graph, licence: eu.Licence) -> URIRef | BNode:
    """A dct:LicenseDocument: its document when it has one (a concept when the EU licence table's), and its title."""
    node: URIRef | BNode = URIRef(licence.url) if licence.url else BNode()
    graph.add((node, RDF.type, DCT.LicenseDocument))
    graph.add((node, DCT.title, _text(licence.title)))
    if licence.from_eu_table:
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.prefLabel, _text(licence.title)))
        graph.add((node, SKOS.inScheme, URIRef(eu.LICENCE.rstrip("/"))))
    return node


def _location(graph: Graph, region_code: str | None, concepts: Concepts) -> Iterable[URIRef | BNode]:
    """The places a region code stands for: the country (EU country table) and the region by its GB/T 2260 code."""
    yield concepts.name(eu.CHINA, DCT.Location)
    if region_code:
        region = BNode()
        graph.add((region, RDF.type, DCT.Location))
        graph.add((region, SKOS.notation, Literal(region_code)))
        yield region


def describe_distribution(graph: Graph, distribution: Distribution, concepts: Concepts) -> URIRef:
    """A dcat:Distribution: access URL (mandatory); availability, description, format and licence (recommended)."""
    node = URIRef(distribution.iri)
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.accessURL, URIRef(distribution.access_url)))
    graph.add((node, DCATAP.availability, concepts.name(eu.STABLE, SKOS.Concept)))
    graph.add((node, DCT.title, _text(distribution.title)))
    graph.add((node, DCT.description, _text(distribution.description)))
    if distribution.download_url:
        graph.add((node, DCAT.downloadURL, URIRef(distribution.download_url)))
    declared = eu.file_type(distribution.media_format)
    if declared is not None:
        graph.add((node, DCT["format"], concepts.name(declared.concept, DCT.MediaTypeOrExtent)))
        if declared.media_type:
            media_type = URIRef(IANA_MEDIA_TYPES + declared.media_type)
            graph.add((media_type, RDF.type, DCT.MediaType))
            graph.add((node, DCAT.mediaType, media_type))
    elif distribution.media_format:
        # A format the EU table lacks (库表, 接口 …) is still stated, as a described extent.
        extent = BNode()
        graph.add((extent, RDF.type, DCT.MediaTypeOrExtent))
        graph.add((extent, SKOS.prefLabel, _text(distribution.media_format)))
        graph.add((node, DCT["format"], extent))
    if distribution.licence is not None:
        graph.add((node, DCT.license, describe_licence(graph, distribution.licence)))
    if distribution.rights:
        rights = BNode()
        graph.add((rights, RDF.type, DCT.RightsStatement))
        graph.add((rights, SKOS.prefLabel, _text(distribution.rights)))
        graph.add((node, DCT.rights, rights))
    return node


def describe_dataset(graph: Graph, dataset: Dataset, concepts: Concepts) -> URIRef:
    """A dcat:Dataset: title and description (mandatory); contact point, distributions, geographical coverage,
    keywords, publisher and themes (recommended; temporal coverage, the other one, is not an element of the hub's
    catalogue); and its identifier, access rights, frequency, language, dates and version."""
    node = URIRef(dataset.iri)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.title, _text(dataset.title)))
    graph.add((node, DCT.description, _text(dataset.description)))
    graph.add((node, DCT.identifier, Literal(dataset.identifier)))
    identifier = BNode()
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(dataset.identifier)))
    graph.add((node, ADMS.identifier, identifier))
    if dataset.publisher is not None:
        graph.add((node, DCT.publisher, describe_agent(graph, dataset.publisher, concepts)))
    if dataset.contact:
        contact = BNode()
        # vcard:Organization is a vcard:Kind; typed as both, a receiver needs no vCard ontology to see it.
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, VCARD.fn, _text(dataset.contact)))
        graph.add((node, DCAT.contactPoint, contact))
    for keyword in dict.fromkeys(k for k in dataset.keywords if k):
        graph.add((node, DCAT.keyword, _text(keyword)))
    for theme in dataset.themes:
        graph.add((node, DCAT.theme, concepts.name(theme.concept, SKOS.Concept)))
    for place in _location(graph, dataset.region_code, concepts):
        graph.add((node, DCT.spatial, place))
    frequency = eu.frequency(dataset.update_cycle)
    if frequency is not None:
        graph.add((node, DCT.accrualPeriodicity, concepts.name(frequency, DCT.Frequency)))
    access = eu.access_right(dataset.open_type, dataset.secrecy)
    graph.add((node, DCT.accessRights, concepts.name(access, DCT.RightsStatement)))
    graph.add((node, DCT.language, concepts.name(eu.CHINESE, DCT.LinguisticSystem)))
    if dataset.issued is not None:
        graph.add((node, DCT.issued, _when(dataset.issued)))
    if dataset.modified is not None:
        graph.add((node, DCT.modified, _when(dataset.modified)))
    if dataset.version is not None:
        graph.add((node, DCAT.version, Literal(str(dataset.version))))
    if dataset.landing_page:
        graph.add((node, DCAT.landingPage, URIRef(dataset.landing_page)))
        graph.add((URIRef(dataset.landing_page), RDF.type, FOAF.Document))
    for distribution in dataset.distributions:
        graph.add((node, DCAT.distribution, describe_distribution(graph, distribution, concepts)))
    return node


def describe_catalogue(graph: Graph, catalogue: Catalogue, concepts: Concepts) -> URIRef:
    """A dcat:Catalog: title, description and publisher (mandatory); geographical coverage, homepage, language,
    licence, themes and service (recommended). Its datasets, release and modification dates come with the datasets
    (`list_datasets`, `date_catalogue`)."""
    node = URIRef(catalogue.iri)
    graph.add((node, RDF.type, DCAT.Catalog))
    graph.add((node, DCT.title, _text(catalogue.title)))
    graph.add((node, DCT.description, _text(catalogue.description)))
    publisher = describe_agent(graph, catalogue.publisher, concepts)
    graph.add((node, DCT.publisher, publisher))
    graph.add((node, FOAF.homepage, URIRef(catalogue.homepage)))
    graph.add((URIRef(catalogue.homepage), RDF.type, FOAF.Document))
    graph.add((node, DCT.language, concepts.name(eu.CHINESE, DCT.LinguisticSystem)))
    for place in _location(graph, catalogue.region_code, concepts):
        graph.add((node, DCT.spatial, place))
    if catalogue.licence is not None:
        graph.add((node, DCT.license, describe_licence(graph, catalogue.licence)))
    taxonomy = URIRef(eu.DATA_THEME.rstrip("/"))
    graph.add((node, DCAT.themeTaxonomy, taxonomy))
    graph.add((taxonomy, RDF.type, SKOS.ConceptScheme))
    graph.add((taxonomy, DCT.title, Literal(_scheme_title(str(taxonomy)), lang="en")))
    if catalogue.service is not None:
        service = catalogue.service
        service_node = URIRef(service.iri)
        graph.add((service_node, RDF.type, DCAT.DataService))
        graph.add((service_node, DCT.title, _text(service.title)))
        graph.add((service_node, DCAT.endpointURL, URIRef(service.endpoint_url)))
        graph.add((service_node, DCAT.endpointDescription, URIRef(service.endpoint_description)))
        graph.add((service_node, DCT.publisher, publisher))
        graph.add((node, DCAT.service, service_node))
    return node


def list_datasets(graph: Graph, catalogue: Catalogue, datasets: Iterable[URIRef]) -> None:
    """The catalogue's dcat:dataset links (and what its service serves)."""
    node = URIRef(catalogue.iri)
    for dataset in datasets:
        graph.add((node, DCAT.dataset, dataset))
        if catalogue.service is not None:
            graph.add((URIRef(catalogue.service.iri), DCAT.servesDataset, dataset))


def date_catalogue(graph: Graph, catalogue: Catalogue, issued: datetime | None, modified: datetime | None) -> None:
    """The catalogue's release date (its first dataset's) and modification date (its latest change)."""
    node = URIRef(catalogue.iri)
    if issued is not None:
        graph.add((node, DCT.issued, _when(issued)))
    if modified is not None:
        graph.add((node, DCT.modified, _when(modified)))
