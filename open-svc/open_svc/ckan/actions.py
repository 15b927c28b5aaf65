"""The actions of the CKAN-compatible API, by name: CKAN's read actions over the open catalogue (A23.1, A24.1).

Each takes the request's session, the action's parameters and the request's context, and returns the action's
`result`; it raises a CkanError (open_svc.ckan.errors) as CKAN's action would. Only open datasets exist to them
(A22.1, A38.1): a not-open or secret entry is "Not found" to package_show and resource_show, and absent from every
list, search and facet. Their docstrings are what help_show answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.ckan import datastore, dictize, repository, search
from open_svc.ckan import query as q
from open_svc.ckan.errors import NotFound, ValidationError
from open_svc.ckan.params import Params, boolean, natural, required, strings, text
from open_svc.dcat import datasets
from open_svc.settings import Settings

LIST_MAX = 1000  # ckan.group_and_organization_list_max
LIST_ALL_FIELDS_MAX = 25  # ckan.group_and_organization_list_all_fields_max
ORGANIZATION_DATASETS = 10  # organization_show lists the first ten
# The CKAN release whose Action API this one answers as (status_show).
CKAN_VERSION = "2.10.0"


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    settings: Settings
    now: datetime


Action = Callable[[Context, Params], Awaitable[Any]]


async def _open_dataset(context: Context, value: Any) -> tuple[Any, Any]:
    entry_id = dictize.parse_id(str(value))  # a dataset's id and name are its entry's id
    found = await repository.open_entry(context.session, entry_id) if entry_id else None
    if found is None:
        raise NotFound()
    return found


async def package_list(context: Context, data: Params) -> list[str]:
    """Return a list of the names of the site's datasets (packages).

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets per page
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :rtype: list of strings
    """
    limit, offset = natural(data, "limit"), natural(data, "offset") or 0
    return [str(entry_id) for entry_id in await repository.open_ids(context.session, limit or None, offset)]


async def package_search(context: Context, data: Params) -> dict[str, Any]:
    """Searches for packages satisfying a given search criteria (q, fq, fq_list, rows, start, sort, facet,
    facet.field, facet.limit, facet.mincount), returning count, results, facets and search_facets."""
    return await search.package_search(context.session, data, context.settings, context.now)


async def package_show(context: Context, data: Params) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    """
    entry, agency = await _open_dataset(context, data.get("id") or required(data, "name_or_id"))
    return dictize.package(context.settings, entry, agency)


async def resource_show(context: Context, data: Params) -> dict[str, Any]:
    """Return the metadata of a resource.

    :param id: the id of the resource
    """
    resource_id = str(required(data, "id"))
    parsed = dictize.parse_resource_id(resource_id)
    if parsed is None:
        raise NotFound()
    entry, agency = await _open_dataset(context, parsed[0])
    for found in dictize.package(context.settings, entry, agency)["resources"]:
        if found["id"] == resource_id:
            return dict(found)
    raise NotFound("Resource was not found.")


def _list_page(data: Params, all_fields: bool) -> tuple[int, int]:
    limit = natural(data, "limit")
    ceiling = LIST_ALL_FIELDS_MAX if all_fields else LIST_MAX
    return (ceiling if limit is None or limit > ceiling else limit), natural(data, "offset") or 0


def _sorted(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """CKAN's group and organisation order: one of name, title, package_count (packages), asc or desc."""
    words = sort.split()
    field = {"packages": "package_count"}.get(words[0], words[0]) if words else "title"
    direction = words[1].lower() if len(words) > 1 else ("desc" if field == "package_count" else "asc")
    if field not in ("name", "title", "package_count") or len(words) > 2:
        raise ValidationError(f"Cannot sort by field `{words[0] if words else sort}`")
    if direction not in ("asc", "desc"):
        raise ValidationError(f"Invalid sort direction `{direction}`")
    return sorted(items, key=lambda item: (item[field], item["name"]), reverse=direction == "desc")


def _names(data: Params, name: str) -> list[str] | None:
    """A list of names, given as a list or comma-separated (CKAN's aslist); None when not given."""
    value = data.get(name)
    if not value:
        return None
    return strings(data, name) if isinstance(value, list) else [n.strip() for n in str(value).split(",")]


def _listed(items: list[dict[str, Any]], data: Params, names_param: str) -> list[Any]:
    """The organisations' or groups' list as CKAN answers it: filtered by names and words, sorted, a page of it,
    as names or (all_fields) as dictionaries."""
    all_fields = boolean(data, "all_fields", False)
    wanted = _names(data, names_param)
    words = (text(data, "q") or "").strip().lower()
    chosen = [
        i for i in items
        if (wanted is None or i["name"] in wanted) and (not words or words in (i["name"] + i["title"]).lower())
    ]  # fmt: skip
    limit, offset = _list_page(data, all_fields)
    page = _sorted(chosen, text(data, "sort") or text(data, "order_by") or "title asc")[offset : offset + limit]
    return page if all_fields else [item["name"] for item in page]


async def organization_list(context: Context, data: Params) -> list[Any]:
    """Return a list of the names of the site's organizations: the agencies providing open datasets.

    :param sort: name, title or package_count, asc or desc (default ``title asc``)
    :param limit, offset: a page of them
    :param organizations: only these (names)
    :param all_fields: return organization dictionaries, each with its package_count
    """
    found = await repository.providers(context.session)
    return _listed([dictize.organization(a, agency, n) for a, agency, n in found], data, "organizations")


async def organization_show(context: Context, data: Params) -> dict[str, Any]:
    """Return the details of an organization.

    :param id: the id or name of the organization
    :param include_datasets: include its first 10 datasets (default ``False``)
    """
    agency_id = dictize.parse_id(str(required(data, "id")))
    found = {a: (agency, n) for a, agency, n in await repository.providers(context.session)}
    if agency_id not in found:
        raise NotFound()
    agency, count = found[agency_id]
    shown = dictize.organization(agency_id, agency, count)
    shown.update({"extras": [], "groups": [], "tags": [], "users": [], "num_followers": 0})
    if boolean(data, "include_datasets", False):
        from_agency = repository.matching([q.Match("organization", str(agency_id))], "")
        rows = await repository.page(context.session, from_agency, [("name", "asc")], ORGANIZATION_DATASETS, 0)
        shown["packages"] = [dictize.package(context.settings, entry, a) for entry, a in rows]
    return shown


async def group_list(context: Context, data: Params) -> list[Any]:
    """Return a list of the names of the site's groups: the EU data themes of open datasets (A18.1).

    :param sort: name, title or package_count, asc or desc (default ``title asc``)
    :param limit, offset: a page of them
    :param groups: only these (names)
    :param all_fields: return group dictionaries, each with its package_count
    """
    counts = await repository.theme_counts(context.session)
    return _listed([dictize.group(code, n) for code, n in counts.items()], data, "groups")


async def tag_list(context: Context, data: Params) -> list[Any]:
    """Return a list of the site's tags: the labels of the data items open datasets hold.

    :param query: only tags whose names contain this (optional)
    :param vocabulary_id: tags of a vocabulary (there are none: every tag is a free tag)
    :param all_fields: return tag dictionaries
    """
    if data.get("vocabulary_id"):
        raise NotFound("Could not find vocabulary")
    words = (text(data, "query") or text(data, "q") or "").strip()
    names = sorted(n for n in await repository.tags(context.session) if words in n)
    return [dictize.tag(n) for n in names] if boolean(data, "all_fields", False) else names


async def status_show(context: Context, data: Params) -> dict[str, Any]:
    """Return a dictionary with information about the site's configuration."""
    catalogue = datasets.catalogue(context.settings)
    return {
        "site_title": catalogue.title,
        "site_description": catalogue.description,
        "site_url": datasets.base(context.settings),
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore"],
        "ckan_version": CKAN_VERSION,
    }


async def datastore_search(context: Context, data: Params) -> dict[str, Any]:
    """Search the DataStore resource of an unconditionally open dataset: its records in the open platform's replica,
    projected on the items the catalogue opens (A24.1). A conditionally open dataset's records need a data key
    (A24.2): Authorization Error.

    :param resource_id: id of a resource of the dataset
    :param filters: matching conditions, ``{"item": value}`` or ``{"item": [values]}`` (optional)
    :param q: words any item's text must hold (optional)
    :param fields: the items to return, a list or comma-separated (optional)
    :param sort: ``"item asc, item2 desc"`` (optional, default: the records' key order)
    :param limit: at most this many records (optional, default 100, at most 32000)
    :param offset: skip this many (optional)
    :param include_total: count the matching records (optional, default ``True``)
    :param records_format: ``objects`` (default) or ``lists``
    """
    return await datastore.search(context.session, data)


async def help_show(context: Context, data: Params) -> str | None:
    """Return the help string for a particular API action.

    :param name: Action function name (eg `package_search`)
    """
    name = str(required(data, "name"))
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return inspect.getdoc(ACTIONS[name])


ACTIONS: dict[str, Action] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "resource_show": resource_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "status_show": status_show,
    "datastore_search": datastore_search,
    "help_show": help_show,
}
