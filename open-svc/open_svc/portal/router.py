"""HTTP for the public portal (A24.1): server-rendered pages, for anyone, reached through the gateway at /open/….

Pages read the open platform through its domains' services, as the API does, so they show exactly what the API
shows: open datasets only (A22.1, A38.1), unconditionally open data to anyone, conditional data by application
(A24.2, A24.3). A page holds nobody's own data: the sign-in, an application, the agreement, data keys, votes and
reports are asked of the API by the page's script with the user's token.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from hub.contracts.vocabulary import BaseDatabase, Category, OpenType, UpdateCycle
from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.errors import NotFound
from hub.web_assets import ASSET_HEADERS
from open_svc.agreements import service as agreements
from open_svc.applications.schemas import ApplicantKind, DataFormat
from open_svc.datasets import service as datasets
from open_svc.datasets.router import SettingsDep, TallyDep
from open_svc.datasets.rules import Distribution
from open_svc.datasets.schemas import DatasetPage, DatasetQuery, Sort
from open_svc.demands import service as demands
from open_svc.feedback.schemas import ReportKind
from open_svc.portal import repository
from open_svc.portal.pages import ASSETS, Page, PageDep, wants_html
from open_svc.quality import service as quality

router = APIRouter(tags=["portal"])
HOME_LIST = 6
PAGE_SIZE = 20
# The dataset list goes as far as the datasets' own list (offset ≤ 10,000).
MAX_PAGE = 10_000 // PAGE_SIZE + 1
PREVIEW_ROWS = 10
DEMANDS_SHOWN = 50
MISSING: dict[int | str, dict[str, Any]] = {
    404: {"content": {"text/html": {}}, "description": "No such open dataset (a page, for a browser)"}
}
# The dataset list's filters: each facet of the datasets' list, and the query parameter selecting one of its values.
FACET_PARAMS = {
    "agency": "agency_id",
    "category": "category",
    "base_database": "base_database",
    "update_cycle": "update_cycle",
    "open_type": "open_type",
    "format": "format",
}


def missing(page: Page, problem: NotFound) -> HTMLResponse:
    """A browser gets a page saying the dataset is not (or no longer) open; a program the problem (404)."""
    if not wants_html(page.request):
        raise problem
    return page.render("missing.html", "missing", status_code=404)


@router.get("/portal/", response_class=HTMLResponse)
async def home(page: PageDep, session: SessionDep, tally: TallyDep) -> HTMLResponse:
    """The portal's home: search, and the most downloaded and the newest open datasets (A24.1)."""
    popular = await datasets.browse(session, DatasetQuery(sort=Sort.downloads, limit=HOME_LIST), tally)
    newest = await datasets.browse(session, DatasetQuery(sort=Sort.newest, limit=HOME_LIST), tally)
    return page.render("home.html", "home", popular=popular.items, newest=newest.items, total=newest.total, q="")


@router.get("/portal/datasets", response_class=HTMLResponse)
async def dataset_list(
    page: PageDep,
    session: SessionDep,
    tally: TallyDep,
    q: Annotated[str, Query(max_length=100, description="Words to find (Chinese words work)")] = "",
    agency_id: uuid.UUID | None = None,
    category: Category | None = None,
    base_database: BaseDatabase | None = None,
    update_cycle: UpdateCycle | None = None,
    open_type: OpenType | None = None,
    format: Distribution | None = None,
    sort: Sort = Sort.newest,
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """Open datasets found by words and filters, with the facets of all matches, a page at a time (A24.1)."""
    query = DatasetQuery(
        text=q, agency_id=agency_id, category=category, base_database=base_database, update_cycle=update_cycle,
        open_type=open_type, format=format, sort=sort, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
    )  # fmt: skip
    found = await datasets.browse(session, query, tally)
    chosen = {"agency_id": agency_id, "category": category, "base_database": base_database,
              "update_cycle": update_cycle, "open_type": open_type, "format": format}  # fmt: skip
    kept = {name: str(value) for name, value in chosen.items() if value is not None}
    facets, active = _facets(page, found, kept)
    return page.render(
        "datasets.html", "datasets", found=found, q=q, kept=kept | {"sort": sort.value}, sort=sort.value,
        sorts=[s.value for s in Sort], facets=facets, active=active, number=number,
        pages=max(1, math.ceil(found.total / PAGE_SIZE)),
    )  # fmt: skip


def _facets(
    page: Page, found: DatasetPage, chosen: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Each facet's values as links choosing (or, when chosen, dropping) it, and the chosen ones as links dropping
    them; labels in the reader's language (agencies by name)."""
    groups, active = [], []
    for facet, param in FACET_PARAMS.items():
        values = []
        for value in getattr(found.facets, facet):
            # Agencies by name; every other facet is a value of the hub's vocabulary, in the reader's language.
            label = (value.label or page.t("agency.unnamed")) if facet == "agency" else page.t(f"{facet}.{value.value}")
            selected = chosen.get(param) == value.value
            values.append({"label": label, "count": value.count, "selected": selected,
                           "url": page.here(**{param: None if selected else value.value, "page": None})})  # fmt: skip
            if selected:
                active.append({"label": label, "url": page.here(**{param: None, "page": None})})
        if values:
            groups.append({"name": facet, "values": values})
    return groups, active


@router.get("/portal/datasets/{entry_id}", response_class=HTMLResponse, responses=MISSING)
async def dataset(
    entry_id: uuid.UUID, page: PageDep, session: SessionDep, tally: TallyDep, settings: SettingsDep, now: NowDep
) -> HTMLResponse:
    """An open dataset: metadata, items, quality with every criterion, a preview of its first records and its
    downloads when unconditionally open, else how to apply (A24.1, A24.2, A25.1); the view is counted."""
    try:
        shown = await datasets.view(session, entry_id, settings, now, tally)
    except NotFound as problem:
        return missing(page, problem)
    scored = await quality.dataset_quality(session, entry_id, settings, now)
    direct = shown.open_type == OpenType.unconditional
    preview = await datasets.preview(session, entry_id, PREVIEW_ROWS) if direct and shown.records else None
    return page.render("dataset.html", "dataset", d=shown, quality=scored, preview=preview, direct=direct)


@router.get("/portal/datasets/{entry_id}/apply", response_class=HTMLResponse, responses=MISSING)
async def apply(entry_id: uuid.UUID, page: PageDep, session: SessionDep) -> HTMLResponse:
    """The application form for a dataset open on conditions (A24.2): the applicant's identity, purpose, format and
    items; the collecting agency answers within 10 working days."""
    try:
        entry = await datasets.open_dataset(session, entry_id)
    except NotFound as problem:
        return missing(page, problem)
    return page.render(
        "apply.html", "apply", entry=entry, conditional=entry.open_type == OpenType.conditional,
        kinds=[k.value for k in ApplicantKind], formats=[f.value for f in DataFormat],
    )  # fmt: skip


@router.get("/portal/datasets/{entry_id}/report", response_class=HTMLResponse, responses=MISSING)
async def report(entry_id: uuid.UUID, page: PageDep, session: SessionDep) -> HTMLResponse:
    """The form reporting an obvious error in an open dataset, or objecting to it (A26.1); no account needed."""
    try:
        entry = await datasets.open_dataset(session, entry_id)
    except NotFound as problem:
        return missing(page, problem)
    return page.render("report.html", "report", entry=entry, kinds=[k.value for k in ReportKind])


@router.get("/portal/feedback", response_class=HTMLResponse)
async def feedback(page: PageDep) -> HTMLResponse:
    """Following a report to its answer: by its number and token, or, signed in, one's own reports (A26.1)."""
    return page.render("feedback.html", "feedback")


@router.get("/portal/demands", response_class=HTMLResponse)
async def demand_list(
    page: PageDep,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    """Requests for data to be opened, most votes first, with the bureau's answers, and the form to make one
    (A27.1)."""
    found, total = await demands.listing(session, None, DEMANDS_SHOWN, offset)
    agencies = await repository.agency_names(session)
    # A dataset an answer names is linked while it is open, and never named once it is not (A22.1, A38.1).
    opened = await repository.open_names(session, {d.entry_id for d in found if d.entry_id is not None})
    return page.render(
        "demands.html", "demands", demands=found, total=total, offset=offset, shown=DEMANDS_SHOWN,
        agencies=agencies, opened=opened,
    )  # fmt: skip


@router.get("/portal/account", response_class=HTMLResponse)
async def account(page: PageDep, session: SessionDep) -> HTMLResponse:
    """The signed-in user's applications, the open-use agreement to accept, and data keys (A24.2, A24.3)."""
    try:
        agreement = await agreements.current(session)
    except NotFound:
        agreement = None
    return page.render("account.html", "account", agreement=agreement)


@router.get("/portal/signin", response_class=HTMLResponse)
async def signin(page: PageDep) -> HTMLResponse:
    """Signing in to the portal, or signing up (the gateway's token and account routes)."""
    return page.render("signin.html", "signin")


@router.get(
    "/portal/static/{name}",
    response_class=Response,
    responses={200: {"content": {"text/css": {}, "text/javascript": {}}, "description": "The asset"}},
)
async def asset(name: Annotated[str, Path(max_length=100)]) -> Response:
    """The portal's stylesheets and script, from open-svc itself (no CDN); their address carries their version, so
    browsers keep them for good."""
    found = ASSETS.get(name)
    if found is None:
        raise NotFound(f"No asset {name}.")
    return Response(found.body, media_type=found.media_type, headers=ASSET_HEADERS)
