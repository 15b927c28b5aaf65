"""When to try a request again, and how long to wait first.

The hub says when it is busy: the gateway answers 429 with `Retry-After` when a client exceeds its rate, and 503
with `Retry-After` when it cannot serve just now (the audit trail cannot be written, a service's circuit is open).
A request is tried again after the time the answer names (RFC 9110 §10.2.3: seconds, or an HTTP-date), plus a
little random jitter so that clients told the same instant do not all come back at once; without `Retry-After`
(a 502 or 504, a connection that failed) after an exponential backoff with jitter. Both are bounded: a number of
attempts, and a longest wait; a server asking for longer than that is not waited for.

Retrying is safe for what this client sends: a batch keeps its id on every attempt, so the centre stores it
once (A17.1), and a token request has no effect to repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# Answers that say "not now": wait as told (or back off) and try again.
RETRY_STATUSES = frozenset({429, 503})
# Answers of a gateway whose upstream failed or timed out: nothing says when, so back off.
BACKOFF_STATUSES = frozenset({502, 504})

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
# RFC 9110 §5.6.7: IMF-fixdate, and the obsolete rfc850-date and asctime-date a recipient must accept as well.
_IMF_FIXDATE = re.compile(rf"^[A-Za-z]{{3}}, (\d{{2}}) ([A-Za-z]{{3}}) (\d{{4}}) {_TIME} GMT$")
_RFC850 = re.compile(rf"^[A-Za-z]{{6,9}}, (\d{{2}})-([A-Za-z]{{3}})-(\d{{2}}) {_TIME} GMT$")
_ASCTIME = re.compile(rf"^[A-Za-z]{{3}} ([A-Za-z]{{3}}) ([ \d]\d) {_TIME} (\d{{4}})$")
# More digits than any wait worth waiting for: read as "too long" without turning them into an integer.
_MAX_DIGITS = 12


def http_date(text: str, now: datetime) -> datetime | None:
    """An HTTP-date in any of its three formats (RFC 9110 §5.6.7), or None."""
    text = text.strip()
    if match := _IMF_FIXDATE.match(text):
        day, month, year, hour, minute, second = match.groups()
    elif match := _RFC850.match(text):
        day, month, short_year, hour, minute, second = match.groups()
        # A two-digit year more than 50 years ahead is the latest past year with those digits (§5.6.7).
        year_number = now.year - now.year % 100 + int(short_year)
        if year_number > now.year + 50:
            year_number -= 100
        year = str(year_number)
    elif match := _ASCTIME.match(text):
        month, day, hour, minute, second, year = match.groups()
    else:
        return None
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return None
    try:
        return datetime(int(year), month_number, int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        return None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The wait a `Retry-After` value asks for, in seconds (0 for a date already past), or None when it is absent or
    not a valid value (RFC 9110 §10.2.3: delay-seconds = 1*DIGIT, or an HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float("inf") if len(value) > _MAX_DIGITS else float(int(value))
    when = http_date(value, now)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: `attempts` tries in all, no single wait longer than `max_wait` seconds."""

    attempts: int = 8
    max_wait: float = 120.0
    # The first backoff without Retry-After; it doubles with each attempt, up to max_wait.
    backoff: float = 0.5

    def wait(self, attempt: int, retry_after: float | None, random: Callable[[], float]) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (from 1), or None to give up.

        With `retry_after`, never sooner than it asks, and up to a tenth later (at most a second) at random; a
        server asking for more than `max_wait` is given up on. Without it, half the exponential backoff plus up to
        the other half at random.
        """
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_wait:
                return None
            return retry_after + random() * min(1.0, 0.1 * retry_after + 0.05)
        ceiling = min(self.max_wait, self.backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + random() * ceiling / 2
