"""HTTP for the CKAN-compatible Action API (issue 12, "Interoperability"): `/ckan/api/3/action/<name>`, which the
gateway also answers as `/api/3/action/<name>` and `/api/action/<name>`, where CKAN clients call it.

The answer is CKAN's envelope exactly (ckan/views/api.py, `action`): `{help, success: true, result}`, or `{help,
success: false, error: {__type, message}}` with the status of the error's kind (open_svc.ckan.errors); an unknown
action or a body that is no JSON object is CKAN's 400 "Bad request: …" string. `help` is the address of help_show
for the action. Anyone may call it (A24.1); it only reads.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request, Response

from hub.db import SessionDep
from hub.dependencies import NowDep
from open_svc.ckan.actions import ACTIONS, Context
from open_svc.ckan.errors import BadRequest, CkanError
from open_svc.ckan.params import request_data
from open_svc.datasets.router import SettingsDep

router = APIRouter(tags=["CKAN Action API"])
PATH = "/ckan/api/3/action/{name}"
MEDIA_TYPE = "application/json;charset=utf-8"
_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["help", "success"],
    "properties": {"help": {"type": "string"}, "success": {"type": "boolean"}, "result": {},
                   "error": {"type": "object", "required": ["__type"], "properties": {"__type": {"type": "string"}}}},
}  # fmt: skip


def _documented(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ENVELOPE}}}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _documented("`{help, success: true, result}`"),
    400: {"description": "CKAN's `Bad request: …` (an unknown action, a body that is no JSON object), or a "
          "Search Query Error envelope", "content": {"application/json": {"schema": {"anyOf": [
              {"type": "string"}, _ENVELOPE]}}}},
    403: _documented("Authorization Error: a conditionally open dataset's records need a data key (A24.2)"),
    404: _documented("Not Found Error"),
    409: _documented("Validation Error or Search Error"),
}  # fmt: skip
DESCRIPTION = (
    "CKAN's Action API over the open catalogue: package_list, package_search (q, fq, fq_list, rows, start, sort, "
    "facet.field, facet.limit, facet.mincount; Solr's syntax, dates and ranges as `metadata_modified:[2026-01-01T00:"
    "00:00Z TO *]`), package_show, resource_show, organization_list, organization_show, group_list, tag_list, "
    "status_show, datastore_search and help_show. Parameters as CKAN takes them: a GET's query string, a POST's JSON "
    "object (or form). Only open datasets exist to it (A22.1, A38.1)."
)


# The action's name; another is CKAN's 400 "Action name not known", not a validation error.
ActionName = Annotated[str, Path(description="The action", json_schema_extra={"enum": sorted(ACTIONS)})]


def _answer(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE)


async def _call(name: str, request: Request, context: Context) -> Response:
    action = ACTIONS.get(name)
    try:
        if action is None:
            raise BadRequest(f"Action name not known: {name}")
        data = await request_data(request)
    except BadRequest as refused:
        return _answer(400, refused.message)
    envelope: dict[str, Any] = {"help": f"{context.settings.public_url.rstrip('/')}/api/3/action/help_show?name={name}"}
    try:
        result = await action(context, data)
    except CkanError as error:
        return _answer(error.status, {**envelope, "success": False, "error": error.error()})
    return _answer(200, {**envelope, "success": True, "result": result})


@router.get(PATH, responses=RESPONSES, description=DESCRIPTION, response_class=Response)
async def call_by_get(
    name: ActionName, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Call an action with its parameters in the query string."""
    return await _call(name, request, Context(session, settings, now))


@router.post(
    PATH, responses=RESPONSES, description=DESCRIPTION, response_class=Response,
    openapi_extra={"requestBody": {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": True}}}}},
)  # fmt: skip
async def call_by_post(
    name: ActionName, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Call an action with its parameters as a JSON object (as ckanapi does), or a form."""
    return await _call(name, request, Context(session, settings, now))
