"""What every answer of the hub must be, whatever it was sent: never a 5xx (A28.1: bad input is a security event,
not a crash), and every error an RFC 9457 problem+json document with its type, title and status. Findings are
collected rather than raised at the first, so one run reports every route that breaks, each with a request that
reproduces it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PROBLEM_JSON = "application/problem+json"
EXCERPT = 300
REQUESTS_SHOWN = 5  # per kind of finding: enough to see which fields break, short enough to read


@dataclass(frozen=True)
class Finding:
    """One answer that broke the contract."""

    route: str  # "catalog POST /agencies/{agency_id}"
    caller: str  # the identity that sent it
    status: int | None  # None when no answer came (the connection broke)
    defect: str
    request: str  # how to send it again
    answer: str = ""  # the start of the answer's body


def ckan_error(media_type: str, body: bytes) -> bool:
    """Whether an error is one of the CKAN-compatible API (open-svc, issue 12), which answers as CKAN does for CKAN's
    clients: its envelope `{help, success: false, error: {__type, …}}`, or for a bad request a JSON string."""
    if media_type != "application/json":
        return False
    try:
        document = json.loads(body)
    except ValueError:
        return False
    if isinstance(document, str):
        return document.startswith("Bad request: ")
    error = document.get("error") if isinstance(document, dict) else None
    return document.get("success") is False and isinstance(error, dict) and isinstance(error.get("__type"), str)


def problem_defects(status: int, content_type: str | None, body: bytes) -> list[str]:
    """Why an error answer is not an RFC 9457 problem document (nothing when it is, or when it is no error, or the
    CKAN-compatible API's own error)."""
    if status < 400:
        return []
    media_type = (content_type or "").split(";")[0].strip().lower()
    if ckan_error(media_type, body):
        return []
    if media_type != PROBLEM_JSON:
        return [f"error answered as {content_type or 'no content type'}, not {PROBLEM_JSON}"]
    try:
        document = json.loads(body)
    except ValueError:
        return ["problem+json body is not JSON"]
    if not isinstance(document, dict):
        return ["problem+json body is not an object"]
    defects = [f"problem without a string `{member}`" for member in ("type", "title") if not isinstance(
        document.get(member), str)]  # fmt: skip
    if document.get("status") != status:
        defects.append(f"problem `status` {document.get('status')!r} is not the answer's {status}")
    return defects


def answer_defects(status: int, content_type: str | None, body: bytes) -> list[str]:
    """Every way an answer breaks the contract every route keeps."""
    defects = [f"server error {status}"] if status >= 500 else []
    return defects + problem_defects(status, content_type, body)


def excerpt(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")


def report(findings: Iterable[Finding]) -> str:
    """The findings grouped by route, caller, status and defect, with a few reproducible requests per group."""
    groups: dict[tuple[str, str, int | None, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.route, finding.caller, finding.status, finding.defect.split("\n")[0])].append(finding)
    lines = [f"{sum(len(g) for g in groups.values())} answers broke the contract, in {len(groups)} kinds:"]
    for (route, caller, status, defect), group in sorted(groups.items(), key=lambda kv: str(kv[0])):
        first = group[0]
        lines.append(f"- {route} as {caller}: {status} — {defect} (×{len(group)})")
        lines.extend(f"    request: {finding.request}" for finding in group[:REQUESTS_SHOWN])
        if first.answer:
            lines.append(f"    answer:  {first.answer}")
        if "\n" in first.defect:
            lines.extend("    " + line for line in first.defect.split("\n")[1:8])
    return "\n".join(lines)
