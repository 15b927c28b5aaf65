"""A DCAT-AP catalogue streamed as Turtle or JSON-LD, one page of datasets at a time.

A catalogue may hold tens of thousands of datasets: it is never built as one graph. Each page of datasets becomes a
graph of its own, serialised by rdflib (in a worker thread: it is CPU work) and written out; what spans pages — the
catalogue's links to its datasets, its dates, the EU concepts named — is added page by page or at the end. RDF
merges what it meets twice, so the document is one catalogue however it was cut:

* Turtle: the prefixes once, then each page's statements (rdflib's own prefix lines are left out: every page
  binds the same prefixes, `hub.dcat.graph.PREFIXES`).
* JSON-LD: one object, `{"@context": …, "@graph": [ … ]}`, each page's node objects appended to `@graph` (a node
  met in two pages is merged by every JSON-LD processor).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from anyio import to_thread
from rdflib import Graph

from hub.dcat.graph import (
    PREFIXES,
    Catalogue,
    Concepts,
    Dataset,
    date_catalogue,
    describe_catalogue,
    describe_dataset,
    list_datasets,
    new_graph,
)


class FeedFormat(StrEnum):
    """The serialisations of a catalogue feed."""

    turtle = "turtle"
    jsonld = "jsonld"


MEDIA_TYPES = {FeedFormat.turtle: "text/turtle; charset=utf-8", FeedFormat.jsonld: "application/ld+json"}
CONTEXT: dict[str, str] = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def turtle_head() -> bytes:
    """Every prefix a page may use, declared once at the document's start."""
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in CONTEXT.items()).encode() + b"\n"


def turtle_body(graph: Graph) -> bytes:
    """The graph's statements as Turtle, without the prefix lines `turtle_head` already wrote."""
    text = graph.serialize(format="turtle")
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (lines[start].startswith("@prefix") or not lines[start].strip()):
        start += 1
    return "".join(lines[start:]).encode()


def jsonld_nodes(graph: Graph) -> list[Any]:
    """The graph's node objects, compacted against the feed's context."""
    document = orjson.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    if "@graph" in document:
        nodes: list[Any] = document["@graph"]
        return nodes
    document.pop("@context", None)
    return [document] if document else []


class _Writer:
    """Serialises successive graphs into one document of the format."""

    def __init__(self, feed_format: FeedFormat) -> None:
        self.format = feed_format
        self.first = True

    def head(self) -> bytes:
        if self.format == FeedFormat.turtle:
            return turtle_head()
        return b'{"@context":' + orjson.dumps(CONTEXT) + b',"@graph":['

    def page(self, graph: Graph) -> bytes:
        if self.format == FeedFormat.turtle:
            return turtle_body(graph)
        nodes = jsonld_nodes(graph)
        if not nodes:
            return b""
        chunk = b",".join(orjson.dumps(node) for node in nodes)
        separator, self.first = (b"" if self.first else b","), False
        return separator + chunk

    def tail(self) -> bytes:
        return b"" if self.format == FeedFormat.turtle else b"]}"


async def catalogue_feed(
    catalogue: Catalogue, pages: AsyncIterator[Sequence[Dataset]], feed_format: FeedFormat
) -> AsyncIterator[bytes]:
    """The catalogue and every dataset of `pages`, streamed in the format."""
    writer = _Writer(feed_format)
    concepts = Concepts()
    yield writer.head()
    graph = new_graph()
    describe_catalogue(graph, catalogue, concepts)
    yield await to_thread.run_sync(writer.page, graph)
    issued: datetime | None = None
    modified: datetime | None = None
    async for page in pages:
        graph = new_graph()
        nodes = [describe_dataset(graph, dataset, concepts) for dataset in page]
        list_datasets(graph, catalogue, nodes)
        issued = _earliest(issued, [d.issued for d in page])
        modified = _latest(modified, [d.modified for d in page])
        yield await to_thread.run_sync(writer.page, graph)
    graph = new_graph()
    date_catalogue(graph, catalogue, issued, modified)
    concepts.describe(graph)
    yield await to_thread.run_sync(writer.page, graph)
    yield writer.tail()


def _earliest(current: datetime | None, values: Sequence[datetime | None]) -> datetime | None:
    return min((v for v in (current, *values) if v is not None), default=None)


def _latest(current: datetime | None, values: Sequence[datetime | None]) -> datetime | None:
    return max((v for v in (current, *values) if v is not None), default=None)
