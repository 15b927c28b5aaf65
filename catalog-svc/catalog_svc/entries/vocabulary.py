"""The catalogue's element lists. The controlled vocabularies themselves (share and open types, update cycles,
secrecy…) are the hub's one vocabulary: import them from hub.contracts.vocabulary (A13.1, A18.1, A19.1, A22.1,
A38.1)."""

from __future__ import annotations

# The elements A13.1 names, as the fields that carry them, with the data items (信息项) the hub adds to them; a
# region's compilation rules may require more (A13.2) but never fewer.
A13_ELEMENTS = (
    "name", "summary", "provider_agency_id", "source_system", "share_type", "open_type", "update_cycle", "items",
)  # fmt: skip
KNOWN_ELEMENTS = (*A13_ELEMENTS, "classification", "category", "format", "share_method", "tags", "related_codes")
