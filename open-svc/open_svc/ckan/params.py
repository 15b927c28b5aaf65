"""An action's parameters as CKAN reads them (ckan/views/api.py, `_get_request_data`), and CKAN's validators of them
(ckan/logic/validators.py), with CKAN's messages.

A GET's parameters come from its query string (a name given twice is a list); a POST's from its form, else its
query string, else its JSON body, which must be an object. Text PostgreSQL cannot store (NUL, an unpaired
surrogate) is refused as anywhere in the hub (hub.input_edge, A28.1): a 422 problem naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request

from hub.errors import InvalidInput
from hub.input_edge import MESSAGE, unstorable_locations
from open_svc.ckan.errors import BadRequest, ValidationError

Params = dict[str, Any]
# Beyond PostgreSQL's 32-bit counts and offsets nothing can be paged to: Solr's start and rows are 32-bit too.
LARGEST = 2**31 - 1
_TRUE = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "f", "0"})


def _mixed(items: list[tuple[str, str]]) -> Params:
    """Values by name: a list where the name came more than once (werkzeug's MultiDict as CKAN flattens it)."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def _form_data(form: FormData) -> Params:
    values = [v for _, v in form.multi_items()]
    if len(values) == 1 and values[0] in ("1", ""):
        # An old client's form: its one key is the JSON of the parameters.
        return _json_object(next(iter(form.keys())).encode())
    return _mixed([(k, v if isinstance(v, str) else v.filename or "") for k, v in form.multi_items()])


def _json_object(body: bytes) -> Params:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc!r}") from exc
    if not isinstance(data, dict):
        raise BadRequest(f"JSON Error: Request data JSON decoded to {data!r} but it needs to be a dictionary.")
    return data


async def request_data(request: Request) -> Params:
    """The action's parameters (CKAN's order: a POST's form, the query string, a JSON body); `callback` (JSONP) is
    dropped."""
    query: QueryParams = request.query_params
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
        data = _form_data(await request.form())
    elif query:
        data = _mixed(list(query.multi_items()))
    elif request.method == "POST" and (body := await request.body()):
        data = _json_object(body)
    else:
        data = {}
    found = list(unstorable_locations(data, "body" if request.method == "POST" else "query"))
    if found:
        fields = list(dict.fromkeys(found))
        raise InvalidInput(f"Text that cannot be stored in: {', '.join(fields)}.",
                           errors=[{"field": field, "message": MESSAGE} for field in fields])  # fmt: skip
    data.pop("callback", None)
    return data


def required(data: Params, name: str) -> Any:
    """CKAN's `get_or_bust`: the value, or a Validation Error "Missing value"."""
    value = data.get(name)
    if value is None or value == "":
        raise ValidationError({name: ["Missing value"]})
    return value


def text(data: Params, name: str, default: str | None = None) -> str | None:
    """A text parameter (a list given for it is refused, as CKAN's unicode_safe does)."""
    value = data.get(name, default)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValidationError({name: ["Must be a string"]})


def integer(data: Params, name: str, default: int | None = None) -> int | None:
    """CKAN's int_validator: a whole number, from a number or its decimal text; "Invalid integer" otherwise."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, str):
            whole = int(value.strip())
        else:
            quotient, part = divmod(value, 1)
            if part:
                raise ValueError
            whole = int(quotient)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({name: ["Invalid integer"]}) from exc
    if abs(whole) > LARGEST:
        raise ValidationError({name: [f"Must be at most {LARGEST}"]})
    return whole


def natural(data: Params, name: str, default: int | None = None) -> int | None:
    """CKAN's natural_number_validator: a whole number, not negative."""
    value = integer(data, name, default)
    if value is not None and value < 0:
        raise ValidationError({name: ["Must be a natural number"]})
    return value


def boolean(data: Params, name: str, default: bool) -> bool:
    """CKAN's asbool: true/false, yes/no, on/off, y/n, t/f, 1/0."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationError({name: [f"String is not true/false: {value!r}"]})


def strings(data: Params, name: str) -> list[str]:
    """CKAN's convert_to_json_if_string then list_of_strings: a list of strings, given as a list or its JSON."""
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise ValidationError({name: ["Could not parse as valid JSON"]}) from exc
    if not isinstance(value, list):
        raise ValidationError({name: ["Not a list"]})
    for item in value:
        if not isinstance(item, str):
            raise ValidationError({name: [f"Not a string: {item!r}"]})
    return value
