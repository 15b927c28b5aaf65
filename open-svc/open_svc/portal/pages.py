"""Rendering the portal's pages: Jinja2 templates in the reader's language, the portal's public addresses, its own
stylesheet and script beside the hub's base stylesheet (no CDN, no web font: the hub runs on networks without
internet access), and the headers every page carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from hub.web_assets import SHARED, load_assets
from open_svc.portal.i18n import COOKIE, HTML_LANG, Language, Translator, script_messages

# Where citizens reach the portal: the gateway mounts this service's /portal/… at /open/… (gateway.routing.upstreams.
# MOUNTS). The page's script calls open-svc's API (/api/open/…) and the gateway's own account and token routes.
PUBLIC_BASE = "/open"
ROUTES = "/portal"
API_BASE = "/api/open"
SCRIPT_CONFIG = {"portal": PUBLIC_BASE, "api": API_BASE, "token": "/auth/token", "accounts": "/portal/accounts"}

HERE = Path(__file__).parent
ENVIRONMENT = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    # A template naming a value it was not given fails the page (and its test) instead of rendering a blank.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
YEAR_SECONDS = 365 * 24 * 3600
# Same origin only, no inline script or style: the page's data for its script travels in JSON blocks, never run.
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-cache",
    "vary": "Cookie",
}


# The hub's base stylesheet, then the portal's own stylesheet and script.
ASSETS = {**SHARED, **load_assets(HERE / "static")}


def static_url(name: str) -> str:
    """The public address of one of the portal's assets, with its version."""
    return f"{PUBLIC_BASE}/static/{name}?v={ASSETS[name].version}"


def portal_url(path: str, **query: object) -> str:
    """The public address of a portal page (`path` below the portal, e.g. "/datasets")."""
    shown = {name: value for name, value in query.items() if value not in (None, "")}
    return PUBLIC_BASE + path + (f"?{urlencode(shown)}" if shown else "")


def api_url(path: str, **query: object) -> str:
    """The public address of one of open-svc's API routes."""
    shown = {name: value for name, value in query.items() if value not in (None, "")}
    return API_BASE + path + (f"?{urlencode(shown)}" if shown else "")


def wants_html(request: Request) -> bool:
    """Whether the client reads pages (a browser), rather than a program expecting problem+json on an error."""
    return "text/html" in request.headers.get("accept", "")


@dataclass
class Page:
    """One page request: the reader's language, chosen in the query (then remembered in a cookie) or remembered."""

    request: Request
    language: Language
    chosen: bool

    @property
    def t(self) -> Translator:
        return Translator(self.language)

    def here(self, **changes: object) -> str:
        """This page's public address with query parameters changed (None removes one); the language is the
        cookie's to remember, so it is never carried on."""
        query = {k: v for k, v in self.request.query_params.items() if k != "lang"}
        query.update({k: str(v) for k, v in changes.items() if v is not None})
        for name in [k for k, v in changes.items() if v is None]:
            query.pop(name, None)
        return portal_url(self.request.url.path.removeprefix(ROUTES), **query)

    def render(self, template: str, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """The page `name` from its template, with the portal's common context, as an HTML response."""
        t = self.t
        other = Language.en if self.language is Language.zh else Language.zh
        zone = ZoneInfo(self.request.app.state.settings.timezone)
        html = ENVIRONMENT.get_template(template).render(
            t=t,
            lang=self.language.value,
            html_lang=HTML_LANG[self.language],
            other_html_lang=HTML_LANG[other],
            switch_url=self.here(lang=other.value),
            page=name,
            here=self.here,
            portal=portal_url,
            api=api_url,
            static=static_url,
            when=lambda moment: _when(moment, zone),
            day=_day,
            script_messages=script_messages(self.language),
            script_config=SCRIPT_CONFIG,
            **context,
        )
        response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
        if self.chosen:
            response.set_cookie(COOKIE, self.language.value, max_age=YEAR_SECONDS, path="/", samesite="lax")
        return response


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(moment: date | datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def page_of(
    request: Request,
    lang: Annotated[Language | None, Query(description="zh or en; remembered in a cookie for the next pages")] = None,
) -> Page:
    """The page request (a dependency): the language asked for, else the cookie's, else Chinese."""
    if lang is not None:
        return Page(request, lang, chosen=True)
    remembered = request.cookies.get(COOKIE, "")
    return Page(request, Language(remembered) if remembered in Language.__members__ else Language.zh, chosen=False)


PageDep = Annotated[Page, Depends(page_of)]
