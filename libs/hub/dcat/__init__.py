"""DCAT-AP 3.0.1 of the hub's catalogues (A13.1, A22.1, A23.1): the EU vocabularies the catalogue's values map to
(`vocabularies`), the RDF of a catalogue, its datasets, distributions and agents (`graph`), and the catalogue
streamed as Turtle or JSON-LD (`feed`). catalog-svc exports the unified catalogue with it, open-svc publishes the
open catalogue and answers its CKAN-compatible API from the same mapping."""
