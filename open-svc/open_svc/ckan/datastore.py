"""datastore_search (ckanext/datastore/logic/action.py) over the replica of open data: the records of an
unconditionally open dataset (A24.1), each projected on the items the catalogue opens (open_svc.datasets.records:
what the catalogue does not declare is not opened), with CKAN's filters, words, fields, sort and paging.

The datastore is the open platform's replica (open_svc.replica), never the big data centre: the public does not
reach the centre. A conditionally open dataset's records need a data key (A24.2, A24.3): an Authorization Error.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import ItemType, OpenType
from open_svc.ckan import dictize, repository
from open_svc.ckan.errors import NotAuthorized, NotFound, ValidationError
from open_svc.ckan.params import Params, boolean, natural, required, text
from open_svc.datasets.records import project
from open_svc.datasets.rules import distributions_of

LIMIT_DEFAULT, LIMIT_MAX = 100, 32000  # ckan.datastore.search.rows_default, rows_max
TYPES = {ItemType.string: "text", ItemType.integer: "int", ItemType.decimal: "numeric", ItemType.boolean: "bool",
         ItemType.date: "date", ItemType.datetime: "timestamp"}  # fmt: skip
RECORDS_FORMATS = ("objects", "lists")
ACTION_PATH = "/api/3/action/datastore_search"


def _object(data: Params, name: str) -> dict[str, Any]:
    """A JSON object parameter, given as an object or as its JSON text (a GET's)."""
    value = data.get(name) or {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise ValidationError({name: ["Could not parse as valid JSON"]}) from exc
    if not isinstance(value, dict):
        raise ValidationError({name: ["Not a JSON object"]})
    return value


def _as_text(value: Any) -> str | None:
    """A filter value as the item's text in the replica's JSON (a number as JSON writes it, true/false)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _known(names: list[str], requested: list[str], param: str) -> list[str]:
    for name in requested:
        if name not in names:
            raise ValidationError({param: [f'field "{name}" not in resource']})
    return requested


def _filters(data: Params, names: list[str]) -> dict[str, list[str | None]]:
    filters = _object(data, "filters")
    _known(names, list(filters), "filters")
    return {
        k: [_as_text(v) for v in (values if isinstance(values, list) else [values])] for k, values in filters.items()
    }


def _fields(data: Params, names: list[str]) -> list[str]:
    value = data.get("fields")
    if not value:
        return names
    requested = value if isinstance(value, list) else [f.strip() for f in str(value).split(",")]
    return _known(names, [str(f) for f in requested if f != "_id"], "fields")


def _order(data: Params, names: list[str]) -> list[tuple[str, str]]:
    order = []
    for part in (text(data, "sort") or "").split(","):
        words = part.split()
        if not words:
            continue
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc"):
            raise ValidationError({"sort": [f'Invalid sort "{part.strip()}"']})
        order.append((_known(names, [words[0]], "sort")[0], direction))
    return order


async def search(session: AsyncSession, data: Params) -> dict[str, Any]:
    """The action: a page of an open dataset's records, with the fields, the total and the links to page on."""
    resource_id = str(data.get("resource_id") or required(data, "resource_id"))
    parsed = dictize.parse_resource_id(resource_id)
    found = await repository.open_entry(session, parsed[0]) if parsed else None
    if found is None or parsed is None or parsed[1] not in distributions_of(found[0].open_type):
        raise NotFound(f'Resource "{resource_id}" was not found.')
    entry = found[0]
    if entry.open_type != OpenType.unconditional:
        raise NotAuthorized(
            "this dataset is open on conditions: apply to its agency, accept the open-use agreement, and read its "
            "records with the data key issued (A24.2, A24.3)"
        )
    names = [item.name for item in entry.items]
    filters, fields, order = _filters(data, names), _fields(data, names), _order(data, names)
    words = text(data, "q")
    limit = min(natural(data, "limit", LIMIT_DEFAULT) or 0, LIMIT_MAX)
    offset = natural(data, "offset", 0) or 0
    records_format = text(data, "records_format") or "objects"
    if records_format not in RECORDS_FORMATS:
        raise ValidationError({"records_format": [f"must be one of {', '.join(RECORDS_FORMATS)}"]})
    include_total = boolean(data, "include_total", True)
    rows = await repository.records(session, entry.entry_id, filters, words, names, order, limit, offset)
    shown = [{"_id": offset + i + 1, **project(entry.items, row.data)} for i, row in enumerate(rows)]
    columns = ["_id", *fields]
    items = {item.name: item for item in entry.items}
    result: dict[str, Any] = {
        "resource_id": resource_id,
        "fields": [{"id": "_id", "type": "int"}]
        + [{"id": n, "type": TYPES[items[n].data_type], "info": {"label": items[n].label}} for n in fields],
        "records": [
            {c: r[c] for c in columns} if records_format == "objects" else [r[c] for c in columns] for r in shown
        ],
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "include_total": include_total,
        "_links": {
            "start": f"{ACTION_PATH}?{urlencode({'resource_id': resource_id})}",
            "next": f"{ACTION_PATH}?{urlencode({'offset': offset + limit, 'resource_id': resource_id})}",
        },
    }
    if include_total:
        total = await repository.record_count(session, entry.entry_id, filters, words, names)
        result.update(total=total, total_was_estimated=False)
    for echoed in ("filters", "q", "sort"):
        if data.get(echoed):
            result[echoed] = data[echoed]
    return result
