"""Retry-After as RFC 9110 defines it (§10.2.3: delay-seconds or an HTTP-date in any of the three formats of §5.6.7),
and the bounded, jittered waits of the retry policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub_client.retry import RetryPolicy, http_date, retry_after_seconds

NOW = datetime(1994, 11, 6, 8, 49, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),  # RFC 9110 §10.2.3's example
        ("0", 0.0),
        (" 5 ", 5.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 37.0),  # IMF-fixdate, the RFC's example date
        ("Sunday, 06-Nov-94 08:49:37 GMT", 37.0),  # obsolete RFC 850 format
        ("Sun Nov  6 08:49:37 1994", 37.0),  # ANSI C's asctime() format
        ("Sun, 06 Nov 1994 08:48:00 GMT", 0.0),  # a date already past: no wait
        ("Fri, 31 Dec 1999 23:59:59 GMT", (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC) - NOW).total_seconds()),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize(
    "value",
    [None, "", "-5", "1.5", "soon", "٣", "Sun, 06 Nov 1994 08:49:37", "Sun, 31 Feb 1994 08:49:37 GMT",
     "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"],
)  # fmt: skip
def test_a_retry_after_that_is_neither_form_is_no_retry_after(value: str | None) -> None:
    assert retry_after_seconds(value, NOW) is None


def test_a_huge_delay_reads_as_too_long_without_building_the_integer() -> None:
    assert retry_after_seconds("9" * 5000, NOW) == float("inf")


def test_a_two_digit_year_more_than_50_years_ahead_is_the_latest_past_year_with_those_digits() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert http_date("Sunday, 06-Nov-94 08:49:37 GMT", now) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert http_date("Monday, 06-Nov-79 08:49:37 GMT", now) == datetime(2079, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert http_date("Tuesday, 06-Nov-81 08:49:37 GMT", now) == datetime(1981, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_the_wait_is_never_sooner_than_the_server_asks_and_at_most_a_second_later() -> None:
    policy = RetryPolicy(attempts=5, max_wait=60)
    assert policy.wait(1, 30.0, lambda: 0.0) == 30.0
    assert policy.wait(1, 30.0, lambda: 0.999) == pytest.approx(30.999)
    assert policy.wait(1, 2.0, lambda: 1.0) == pytest.approx(2.25)


def test_a_server_asking_for_longer_than_the_longest_wait_is_given_up_on() -> None:
    policy = RetryPolicy(attempts=5, max_wait=60)
    assert policy.wait(1, 61.0, lambda: 0.5) is None
    assert policy.wait(1, float("inf"), lambda: 0.5) is None


def test_without_retry_after_the_backoff_doubles_with_jitter_up_to_the_longest_wait() -> None:
    policy = RetryPolicy(attempts=10, max_wait=4.0, backoff=0.5)
    lowest = [policy.wait(n, None, lambda: 0.0) for n in range(1, 6)]
    highest = [policy.wait(n, None, lambda: 1.0) for n in range(1, 6)]
    assert lowest == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert highest == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(attempts=3)
    assert policy.wait(2, 1.0, lambda: 0.0) == 1.0
    assert policy.wait(3, 1.0, lambda: 0.0) is None
    assert policy.wait(3, None, lambda: 0.0) is None
