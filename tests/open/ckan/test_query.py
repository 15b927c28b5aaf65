"""The Solr syntax CKAN clients send in package_search's q and fq, parsed as Solr reads it (Solr's standard query
parser: fields, quoted values, groups, ranges with [ ] inclusive and { } exclusive ends, +, -, NOT, AND, OR, dates
in ISO 8601 UTC and NOW arithmetic), and refused where Solr refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from open_svc.ckan.query import (
    EVERYTHING,
    AllOf,
    AnyOf,
    Match,
    Not,
    Range,
    SearchSyntaxError,
    Text,
    parse,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_harvesters_incremental_range_is_an_open_ended_range_of_publication_times() -> None:
    assert parse("metadata_modified:[2026-01-01T00:00:00Z TO *]", NOW) == Range(
        "metadata_modified", datetime(2026, 1, 1, tzinfo=UTC), None, True, True
    )


@pytest.mark.parametrize(
    "written",
    ["2026-01-01T08:30:00Z", "2026-01-01T08:30:00.000000Z", "2026-01-01T08:30:00", "2026-01-01T16:30:00+08:00"],
)
def test_a_date_with_or_without_fractions_or_zone_is_read_as_utc(written: str) -> None:
    found = parse(f"metadata_created:{{{written} TO NOW]", NOW)
    assert found == Range("metadata_created", datetime(2026, 1, 1, 8, 30, tzinfo=UTC), NOW, False, True)


def test_now_arithmetic_counts_back_from_the_time_of_the_search() -> None:
    found = parse("metadata_modified:[NOW-7DAYS TO NOW]", NOW)
    assert found == Range("metadata_modified", NOW - timedelta(days=7), NOW, True, True)


def test_clauses_join_by_and_unless_or_joins_them_and_minus_negates() -> None:
    assert parse("tags:水质 -organization:abc", NOW) == AllOf(
        (Match("tags", "水质"), Not(Match("organization", "abc")))
    )
    assert parse("organization:a OR organization:b", NOW) == AnyOf(
        (Match("organization", "a"), Match("organization", "b"))
    )
    assert parse("+res_format:CSV AND NOT groups:envi", NOW) == AllOf(
        (Match("res_format", "CSV"), Not(Match("groups", "envi")))
    )


def test_quoted_values_groups_and_escapes() -> None:
    assert parse('tags:"pH 值"', NOW) == Match("tags", "pH 值")
    assert parse("tags:(水质 OR 站点)", NOW) == AnyOf((Match("tags", "水质"), Match("tags", "站点")))
    assert parse(r"title:a\:b", NOW) == Match("title", "a:b")
    assert parse("(tags:a OR tags:b) groups:envi", NOW) == AllOf(
        (AnyOf((Match("tags", "a"), Match("tags", "b"))), Match("groups", "envi"))
    )


def test_bare_words_search_the_text_and_an_empty_query_or_star_star_matches_everything() -> None:
    assert parse("水质 监测", NOW) == AllOf((Text("水质"), Text("监测")))
    for everything in ("", "   ", "*:*", '""', None):
        assert parse(everything, NOW) == EVERYTHING
    assert parse("tags:*", NOW) == Match("tags", None)


@pytest.mark.parametrize(
    "query",
    [
        "unknown_field:x",  # Solr: undefined field
        "metadata_modified:[yesterday TO *]",  # Invalid Date String
        "tags:[a TO b]",  # ranges only on dates here
        "metadata_modified:[2026-01-01T00:00:00Z *]",  # no TO
        "(tags:a",
        "tags:a)",
        "tags:a OR",
        'tags:"unclosed',
        "metadata_modified:",
    ],
)
def test_a_query_solr_would_refuse_is_a_syntax_error(query: str) -> None:
    with pytest.raises(SearchSyntaxError):
        parse(query, NOW)
