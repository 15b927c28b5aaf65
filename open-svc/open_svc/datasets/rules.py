"""The rules of the open platform's datasets as pure functions: what a dataset is offered as, who obtains its data
directly (A24.1), what its search indexes, and the opaque cursor of its records.

A dataset is an open published entry (hub.published_catalogue.openness, A22.1, A38.1); anything else is answered
as absent (404), never as forbidden, so that the public cannot even learn that a not-open or secret entry exists.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from enum import StrEnum

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import OpenType
from hub.errors import Forbidden, InvalidInput
from hub.search import normalise


class Distribution(StrEnum):
    """The forms a dataset's data is offered in: files to download and the records API."""

    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    api = "api"


# Unconditional open data is obtained directly, by anyone (A24.1): every file and the API. Conditional open data
# only through the API, with the data key issued once an application is approved and the open-use agreement
# accepted (A24.2, A24.3).
FILES = (Distribution.csv, Distribution.json, Distribution.xlsx)
DISTRIBUTIONS: dict[OpenType, tuple[Distribution, ...]] = {
    OpenType.unconditional: (*FILES, Distribution.api),
    OpenType.conditional: (Distribution.api,),
}


def distributions_of(open_type: OpenType) -> tuple[Distribution, ...]:
    """The forms a dataset of this open type is offered in (the `format` filter and facet)."""
    return DISTRIBUTIONS.get(open_type, ())


def open_types_offering(distribution: Distribution) -> list[OpenType]:
    """The open types whose datasets are offered in this form."""
    return [open_type for open_type, offered in DISTRIBUTIONS.items() if distribution in offered]


def require_direct_access(open_type: OpenType) -> None:
    """Refuse (403) the public's direct access to data that is not unconditionally open: conditional open data
    needs an approved application and the accepted open-use agreement, then its data key (A24.2, A24.3)."""
    if open_type != OpenType.unconditional:
        raise Forbidden(
            "This dataset is open on conditions: apply to its agency, accept the open-use agreement, and call the "
            "records API with the data key you are issued.",
            requirement="A24.2",
        )


def search_text(name: str, summary: str, items: Sequence[DataItemSpec]) -> str:
    """What the dataset search reads of an entry: its name, summary and item labels, normalised (hub.search)."""
    return normalise(" ".join([name, summary, *(item.label for item in items)]))


def encode_cursor(key: str) -> str:
    """The opaque cursor that continues a walk of records after `key`."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> str:
    """The record key a cursor continues after; 422 naming the field when it is no cursor of ours."""
    refusal = InvalidInput(
        "Not a cursor this API returned.", errors=[{"field": f"query.{field}", "message": "not a cursor"}]
    )
    try:
        key = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise refusal from exc
    if "\x00" in key:  # no record key holds one (PostgreSQL text cannot)
        raise refusal
    return key
