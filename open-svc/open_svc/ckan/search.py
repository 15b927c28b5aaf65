"""package_search as CKAN answers it (ckan/logic/action/get.py, `package_search`; ckan/lib/search/query.py): its
parameters, its order, and its facets in both shapes, over the open datasets only (A22.1, A38.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import OpenType
from open_svc.ckan import dictize, repository
from open_svc.ckan import query as q
from open_svc.ckan.errors import SearchError, SearchQueryError
from open_svc.ckan.params import Params, boolean, integer, natural, strings, text
from open_svc.datasets.rules import distributions_of
from open_svc.settings import Settings

ROWS_DEFAULT, ROWS_MAX = 10, 1000  # CKAN's default rows and ckan.search.rows_max
DEFAULT_SORT = "score desc, metadata_modified desc"  # ckan.search.default_package_sort
FACET_LIMIT = 50  # search.facets.limit
FACET_FIELDS = frozenset({"organization", "groups", "tags", "res_format", "license_id"})
# The parameters CKAN's schema and Solr take (VALID_SOLR_PARAMETERS); the tuning ones change nothing here.
ACCEPTED = frozenset({
    "q", "fq", "fq_list", "rows", "start", "sort", "facet", "facet.field", "facet.limit", "facet.mincount",
    "include_private", "include_drafts", "include_deleted", "use_default_schema", "fl", "qf", "bf", "boost", "wt",
    "tie", "defType", "mm", "df", "extras", "q.op",
})  # fmt: skip


@dataclass(frozen=True)
class SearchParams:
    clauses: list[q.Clause]
    order: list[tuple[str, str]]
    sort: str
    rows: int
    start: int
    facet_fields: list[str]
    facet_limit: int
    facet_mincount: int


def sort_order(sort: str) -> list[tuple[str, str]]:
    """The (field, direction) pairs of a sort parameter; score (relevance) is passed over: no score is kept."""
    order = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            raise SearchQueryError('Invalid "sort" parameter')
        field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if len(words) > 2 or direction not in ("asc", "desc"):
            raise SearchQueryError('Invalid "sort" parameter')
        if field == "score":
            continue
        if field not in repository.SORTABLE:
            raise SearchError(f"can not sort on undefined field: {field}")
        order.append((field, direction))
    return order


def search_params(data: Params, now: datetime) -> SearchParams:
    """The parameters of a search, validated as CKAN does (Validation Error for a value, Search Query Error for a
    parameter it does not know, Search Error for a query Solr refuses)."""
    unknown = sorted(k for k in data if k not in ACCEPTED and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    rows = min(natural(data, "rows", ROWS_DEFAULT) or 0, ROWS_MAX)
    start = natural(data, "start", 0) or 0
    for flag in ("include_private", "include_drafts", "include_deleted", "use_default_schema"):
        boolean(data, flag, False)  # validated; only public, active datasets exist here
    sort = text(data, "sort") or DEFAULT_SORT
    if sort == "rank":
        sort = DEFAULT_SORT
    try:
        clauses = [q.parse(text(data, "q"), now), q.parse(text(data, "fq"), now)]
        clauses += [q.parse(extra, now) for extra in strings(data, "fq_list")]
    except q.SearchSyntaxError as exc:
        raise SearchError(str(exc)) from exc
    facet_fields = strings(data, "facet.field") if boolean(data, "facet", True) else []
    for field in facet_fields:
        if field not in FACET_FIELDS:
            raise SearchError(f"undefined field {field}")
    facet_limit = integer(data, "facet.limit", FACET_LIMIT)
    return SearchParams(
        clauses=clauses, order=sort_order(sort), sort=sort, rows=rows, start=start, facet_fields=facet_fields,
        facet_limit=FACET_LIMIT if facet_limit is None else facet_limit,
        facet_mincount=natural(data, "facet.mincount", 1) or 0,
    )  # fmt: skip


async def _facet_counts(session: AsyncSession, found: Any, field: str, total: int, licence_id: str) -> dict[str, int]:
    if field == "license_id":
        return {licence_id: total} if total else {}
    if field == "res_format":
        by_type = await repository.facet(session, found, "open_type")
        counts: dict[str, int] = {}
        for open_type, n in by_type.items():
            for form in distributions_of(OpenType(open_type)):
                name = form.value.upper()
                counts[name] = counts.get(name, 0) + n
        return counts
    counts = await repository.facet(session, found, field)
    # Groups are named by their theme's code in lower case.
    return {k.lower(): n for k, n in counts.items()} if field == "groups" else counts


def _top(counts: dict[str, int], limit: int, mincount: int) -> dict[str, int]:
    ranked = sorted(((k, n) for k, n in counts.items() if n >= mincount), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked if limit < 0 else ranked[:limit])


async def package_search(session: AsyncSession, data: Params, settings: Settings, now: datetime) -> dict[str, Any]:
    """The search: count, a page of results, facets (`facets`, and `search_facets` with display names)."""
    params = search_params(data, now)
    licence_id = dictize.licence_id(settings)
    found = repository.matching(params.clauses, licence_id)
    count = await repository.count(session, found)
    rows = await repository.page(session, found, params.order, params.rows, params.start) if params.rows else []
    facets = {
        field: _top(await _facet_counts(session, found, field, count, licence_id), params.facet_limit,
                    params.facet_mincount)
        for field in params.facet_fields
    }  # fmt: skip
    return {
        "count": count,
        "facets": facets,
        "results": [dictize.package(settings, entry, agency) for entry, agency in rows],
        "sort": params.sort,
        "search_facets": await _search_facets(session, facets),
    }


async def _search_facets(session: AsyncSession, facets: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The facets as CKAN restructures them: items with name, display name and count, by display name reversed."""
    agency_ids = [dictize.parse_id(name) for name in facets.get("organization", {})]
    agencies = await repository.agencies(session, [a for a in agency_ids if a is not None])
    shaped: dict[str, Any] = {}
    for field, counts in facets.items():
        items = []
        for name, count in counts.items():
            display = name
            if field == "organization" and (agency_id := dictize.parse_id(name)) in agencies:
                display = agencies[agency_id].name
            elif field == "groups" and name in dictize.THEMES:
                display = dictize.THEMES[name].chinese
            items.append({"name": name, "display_name": display, "count": count})
        shaped[field] = {"title": field, "items": sorted(items, key=lambda i: i["display_name"], reverse=True)}
    return shaped
