"""Who and what a span is about: the attributes operators find traces by, and what a span must never hold.

Every span of a request or an event may name the caller (its subject id and kind), the agency it acts for, and the
entry, grant and application the work is about, so an operator can find "every delivery under grant G" or "what
agency A's system did" in the trace UI (A28.1: the bureau supervises the agencies' security duties; A36.1: every
delivery is attributed to a person or system). Only identifiers go in (UUIDs, the caller's kind from the fixed
vocabulary): never a login, a name, a purpose or a value of a record, since traces leave the hub for whatever
backend the operators run. URLs are recorded without their query's values, which can be record values (key
filters of a delivery, a search) (A28.1).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.trace import Span, StatusCode

CALLER_SUBJECT = "hub.caller.subject"
CALLER_KIND = "hub.caller.kind"
CALLER_AGENCY = "hub.caller.agency"
# The agency the work is about: a route's or an event's agency, else the caller's own.
AGENCY_ID = "hub.agency.id"
ENTRY_ID = "hub.entry.id"
GRANT_ID = "hub.grant.id"
APPLICATION_ID = "hub.application.id"

# Route parameters and event fields naming what the work is about, and the attribute each becomes.
ID_FIELDS = {
    "entry_id": ENTRY_ID,
    "grant_id": GRANT_ID,
    "application_id": APPLICATION_ID,
    "agency_id": AGENCY_ID,
}
# The subject of an unauthenticated caller: a fixed word, not an id.
ANONYMOUS = "anonymous"
# URL attributes of the HTTP instrumentations (old and stable semantic conventions) whose query is redacted.
URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
QUERY_ATTRIBUTE = "url.query"
REDACTED = "*"


def identifier(value: object) -> str | None:
    """The value as a canonical UUID string, or None when it is not one (and so may be anything: never recorded)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _span(span: Span | None) -> Span:
    return span if span is not None else trace.get_current_span()


def tag_caller(subject: str, kind: str, agency_id: object = None, span: Span | None = None) -> None:
    """Name the caller on the span (the current one by default): its subject id, kind, and agency if it has one
    (also the span's agency until a route or event names another)."""
    target = _span(span)
    if not target.is_recording():
        return
    subject_id = ANONYMOUS if subject == ANONYMOUS else identifier(subject)
    if subject_id is not None:
        target.set_attribute(CALLER_SUBJECT, subject_id)
    # The kind comes from the gateway's own vocabulary (agency_system, operator, …), never from the caller.
    target.set_attribute(CALLER_KIND, kind)
    agency = identifier(agency_id) if agency_id is not None else None
    if agency is not None:
        target.set_attribute(CALLER_AGENCY, agency)
        target.set_attribute(AGENCY_ID, agency)


def tag_ids(fields: Mapping[str, Any], span: Span | None = None) -> None:
    """Name on the span the entry, grant, application and agency among `fields` (route parameters, an event's data,
    what a service reported to the gateway's audit); only values that are UUIDs are recorded."""
    target = _span(span)
    if not target.is_recording():
        return
    for name, attribute in ID_FIELDS.items():
        value = identifier(fields[name]) if fields.get(name) is not None else None
        if value is not None:
            target.set_attribute(attribute, value)


def route_parameters(template: str, path: str) -> dict[str, str]:
    """The parameters of a route template (`/entries/{entry_id}/records`) in a path that matches it."""
    parameters: dict[str, str] = {}
    for part, value in zip(template.split("/"), path.split("/"), strict=False):
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = value
    return parameters


def redact_query(query: str) -> str:
    """A query string with its parameter names kept and every value replaced: values may be a record's."""
    return "&".join(f"{name}={REDACTED}" for name, _ in parse_qsl(query, keep_blank_values=True))


def redact_url(url: str) -> str:
    """A URL or request target without its query's values (see `redact_query`)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    return urlunsplit(parts._replace(query=redact_query(parts.query)))


def redact_span_urls(span: Span) -> None:
    """Overwrite the span's URL attributes, as the HTTP instrumentations set them, with their queries redacted."""
    if not span.is_recording():
        return
    attributes: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    for name in URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redact_url(value))
    query = attributes.get(QUERY_ATTRIBUTE)
    if isinstance(query, str):
        span.set_attribute(QUERY_ATTRIBUTE, redact_query(query))


def record_error(span: Span, error: BaseException) -> None:
    """Mark the span failed, naming the error's type only: its message may quote the data that failed (a record's
    value in a validation error, a key in a constraint violation), and the DLQ and the logs keep it (A28.1)."""
    name = type(error).__qualname__
    span.add_event("exception", {"exception.type": name, "exception.escaped": False})
    span.set_status(StatusCode.ERROR, name)
