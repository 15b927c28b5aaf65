"""What of an audited exchange the indicators count, as pure functions (A12.1, A28.1).

* An exchange of data: a request (kind `exchange`) of a caller acting for an agency, for an entry's data (the serving
  service named the entry to the audit), answered with success (2xx). The rows are those the service reported
  delivered (none reported: 0). Whether the entry is another agency's is decided with the published catalogue
  when the figures are made: an agency's own data (its ingest, its own reads) is no exchange between agencies.
* A security event (kind `security`, A28.1) of a caller acting for an agency. Events of callers acting for no
  agency (anonymous callers, portal users, bureau operators) carry no agency nor region in the audit's event, so no
  agency's or region's figure counts them.

Both are dated by the local day the request came in.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from hub.contracts.gateway import AuditedExchange
from supervision_svc.sources import EXCHANGE, SECURITY


@dataclass(frozen=True)
class Volume:
    requests: int = 0
    rows: int = 0

    def __add__(self, other: Volume) -> Volume:
        return Volume(self.requests + other.requests, self.rows + other.rows)


def _uuid(text: str | None) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def exchange_key(record: AuditedExchange, tz: ZoneInfo) -> tuple[date, uuid.UUID, uuid.UUID] | None:
    """(local day, consuming agency, entry) of a successful request for an entry's data by an agency's caller."""
    if record.kind != EXCHANGE or not 200 <= record.status < 300:
        return None
    agency, entry = _uuid(record.agency_id), _uuid(record.entry)
    if agency is None or entry is None:
        return None
    return record.request_in.astimezone(tz).date(), agency, entry


def security_key(record: AuditedExchange, tz: ZoneInfo) -> tuple[date, uuid.UUID] | None:
    """(local day, agency) of a security event of an agency's caller (A28.1)."""
    agency = _uuid(record.agency_id)
    if record.kind != SECURITY or agency is None:
        return None
    return record.request_in.astimezone(tz).date(), agency


def exchange_volumes(
    records: Iterable[AuditedExchange], tz: ZoneInfo
) -> dict[tuple[date, uuid.UUID, uuid.UUID], Volume]:
    """A batch's exchanges of data summed by (day, consuming agency, entry)."""
    volumes: dict[tuple[date, uuid.UUID, uuid.UUID], Volume] = {}
    for record in records:
        key = exchange_key(record, tz)
        if key is not None:
            volumes[key] = volumes.get(key, Volume()) + Volume(1, record.row_count or 0)
    return volumes


def security_events(records: Iterable[AuditedExchange], tz: ZoneInfo) -> Counter[tuple[date, uuid.UUID]]:
    """A batch's security events counted by (day, agency)."""
    return Counter(key for record in records if (key := security_key(record, tz)) is not None)
