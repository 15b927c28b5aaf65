"""The audit hash chain as pure functions: what it detects, and what it must not confuse (A36.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.audit.chain import GENESIS, HASHED_FIELDS, ChainBreak, link, record_hash, verify_chain
from gateway.audit.models import AuditRecord

START = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
TIMESTAMPS = ("request_in", "request_out", "response_in", "response_out")


def audit_fields(n: int, **overrides: Any) -> dict[str, Any]:
    """Every field a writer appends for one request (all of HASHED_FIELDS but seq and prev_hash)."""
    fields: dict[str, Any] = {
        "kind": "exchange",
        "event": "exchange",
        "caller": f"client-{n}",
        "caller_kind": "agency_system",
        "roles": "agency_system",
        "agency_id": "6f1c1b3e-3a43-4b9c-8f0e-2d7e5f1a9c01",
        "region_code": "320200",
        "client_ip": "127.0.0.1",
        "method": "GET",
        "route": "/agencies/{agency_id}",
        "path": f"/api/catalog/agencies/{n}",
        "service": "catalog",
        "entry": None,
        "items": None,
        "row_count": None,
        "purpose": "统计分析",
        "grant_id": None,
        "status": 200,
        "request_bytes": 0,
        "response_bytes": 100 + n,
        "request_in": START + timedelta(seconds=n),
        "request_out": START + timedelta(seconds=n, microseconds=10),
        "response_in": START + timedelta(seconds=n, microseconds=20),
        "response_out": START + timedelta(seconds=n, microseconds=30),
        "trace_id": f"{n:032x}",
        "detail": None,
    }
    return {**fields, **overrides}


def chain_of(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records linked and hashed as the writer links them, seq from 1."""
    records, prev_hash = [], GENESIS
    for seq, record_fields in enumerate(fields, start=1):
        record = {**record_fields, "seq": seq, "prev_hash": prev_hash}
        record["hash"] = prev_hash = record_hash(record)
        records.append(record)
    return records


def chain(length: int) -> list[dict[str, Any]]:
    return chain_of([audit_fields(n) for n in range(1, length + 1)])


def in_seq_order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As the verifier reads a table: ORDER BY seq."""
    return sorted(records, key=lambda r: r["seq"])


def test_the_hash_covers_every_stored_column_but_itself_A36_1() -> None:
    columns = {column.name for column in AuditRecord.__table__.columns}
    assert set(HASHED_FIELDS) == columns - {"hash"}
    assert set(chain(1)[0]) == columns


def test_an_untouched_chain_verifies_intact_A36_1() -> None:
    records = chain(6)
    assert verify_chain(records) == []
    anchors = [{"seq": 3, "hash": records[2]["hash"]}, {"seq": 6, "hash": records[5]["hash"]}]
    assert verify_chain(records, anchors=anchors) == []
    assert verify_chain([]) == []


def test_a_range_verifies_from_the_hash_before_it_A34_1() -> None:
    records = chain(6)
    assert verify_chain(records[3:], expected_first_seq=4, expected_prev_hash=records[2]["hash"]) == []
    started_elsewhere = verify_chain(records[3:], expected_first_seq=4, expected_prev_hash=records[1]["hash"])
    assert [(b.seq, b.kind) for b in started_elsewhere] == [(4, "reordered")]


def test_editing_one_field_of_one_record_reports_exactly_that_record_altered_A36_1() -> None:
    records = chain(5)
    records[2] = {**records[2], "status": 500}

    assert [(b.seq, b.kind) for b in verify_chain(records)] == [(3, "altered")]


def test_every_hashed_field_is_covered_by_the_hash_A36_1() -> None:
    record = chain(1)[0]
    for name in HASHED_FIELDS:
        edited = {**record, name: "edited"}
        assert record_hash(edited) != record["hash"], name


def test_deleting_a_record_reports_it_removed_naming_the_gap_A36_1() -> None:
    records = chain(6)
    del records[2]

    breaks = verify_chain(records)

    assert [(b.seq, b.kind) for b in breaks] == [(4, "removed")]
    assert "3 missing before 4" in breaks[0].detail


def test_deleting_several_records_names_the_whole_gap_A36_1() -> None:
    records = chain(8)
    del records[1:5]

    breaks = verify_chain(records)

    assert [(b.seq, b.kind) for b in breaks] == [(6, "removed")]
    assert "2–5" in breaks[0].detail


def test_deleting_the_first_record_is_reported_removed_A36_1() -> None:
    records = chain(3)[1:]
    assert [(b.seq, b.kind) for b in verify_chain(records)] == [(2, "removed")]


def test_swapping_two_records_positions_reports_both_A36_1() -> None:
    records = chain(6)
    # An attacker reordering rows exchanges their seq values; the table is then read in seq order again.
    records[1], records[3] = {**records[1], "seq": 4}, {**records[3], "seq": 2}

    breaks = verify_chain(in_seq_order(records))

    assert ChainBreak(2, "altered", "record 2 does not match its hash") in breaks
    assert ChainBreak(4, "altered", "record 4 does not match its hash") in breaks
    assert {b.seq for b in breaks if b.kind == "reordered"} >= {2, 4}


def test_swapping_two_records_with_their_seq_and_hash_kept_in_place_reports_reordering_A36_1() -> None:
    # A cleverer attacker exchanges everything but seq, prev_hash and hash: each row still claims its place.
    records = chain(5)
    body = {name: value for name, value in records[1].items() if name not in ("seq", "prev_hash", "hash")}
    other = {name: value for name, value in records[2].items() if name not in ("seq", "prev_hash", "hash")}
    records[1], records[2] = {**records[1], **other}, {**records[2], **body}

    assert [(b.seq, b.kind) for b in verify_chain(records)] == [(2, "altered"), (3, "altered")]


def test_recomputing_the_hash_of_an_edited_record_breaks_the_link_to_the_next_A36_1() -> None:
    records = chain(5)
    forged = {**records[2], "caller": "someone-else"}
    forged["hash"] = record_hash(forged)
    records[2] = forged

    assert [(b.seq, b.kind) for b in verify_chain(records)] == [(4, "reordered")]


def test_rewriting_the_tail_after_an_edit_is_caught_by_an_anchor_A36_1() -> None:
    records = chain(5)
    anchors = [{"seq": 5, "hash": records[4]["hash"]}]
    # Edit record 3 and rehash it and everything after it: the chain itself is consistent again.
    fields = [{k: v for k, v in r.items() if k not in ("seq", "prev_hash", "hash")} for r in records]
    fields[2]["status"] = 404
    rewritten = chain_of(fields)

    assert verify_chain(rewritten) == []
    assert [(b.seq, b.kind) for b in verify_chain(rewritten, anchors=anchors)] == [(5, "anchor-mismatch")]


def test_cutting_the_tail_below_an_anchor_is_reported_truncated_A36_1() -> None:
    records = chain(6)
    anchors = [{"seq": 5, "hash": records[4]["hash"]}]

    breaks = verify_chain(records[:3], anchors=anchors)

    assert [(b.seq, b.kind) for b in breaks] == [(5, "truncated")]
    assert "beyond the last record 3" in breaks[0].detail
    assert [(b.seq, b.kind) for b in verify_chain([], anchors=anchors)] == [(5, "truncated")]


def test_a_batch_is_linked_after_the_chain_head_as_one_chain_A36_1() -> None:
    fields = [audit_fields(n) for n in range(1, 7)]

    first = link(fields[:2], 0, GENESIS)
    second = link(fields[2:], first[-1]["seq"], first[-1]["hash"])

    assert first + second == chain_of(fields)
    assert [r["seq"] for r in second] == [3, 4, 5, 6]


def test_a_chain_ending_before_the_records_published_of_it_is_reported_truncated_once_A36_1() -> None:
    records = chain(8)
    # Anchored at 3; records up to 8 published on gateway.audit; the tail after the anchor is cut.
    marks = [{"seq": 3, "hash": records[2]["hash"]}] + [
        {"seq": r["seq"], "hash": r["hash"], "source": "published record"} for r in records
    ]

    assert verify_chain(records[:3], anchors=marks[:1]) == []  # the database's own anchor cannot see it
    breaks = verify_chain(records[:3], anchors=marks)

    assert [(b.seq, b.kind) for b in breaks] == [(8, "truncated")]
    assert breaks[0].detail == "published record of record 8 is beyond the last record 3"


def test_a_record_differing_from_its_published_copy_names_the_copy_A36_1() -> None:
    records = chain(5)
    fields = [{k: v for k, v in r.items() if k not in ("seq", "prev_hash", "hash")} for r in records]
    fields[3]["caller"] = "someone-else"
    rewritten = chain_of(fields)  # consistent in itself, rehashed from record 4 on
    published = [{"seq": r["seq"], "hash": r["hash"], "source": "published record"} for r in records]

    breaks = verify_chain(rewritten, anchors=published)

    assert [(b.seq, b.kind) for b in breaks] == [(4, "anchor-mismatch"), (5, "anchor-mismatch")]
    assert breaks[0].detail == "record 4 differs from its published record"


def test_an_anchor_whose_hash_differs_is_reported_A36_1() -> None:
    records = chain(4)

    breaks = verify_chain(records, anchors=[{"seq": 3, "hash": "f" * 64}])

    assert [(b.seq, b.kind) for b in breaks] == [(3, "anchor-mismatch")]


def test_a_timestamp_without_microseconds_hashes_the_same_when_read_back_A36_1() -> None:
    whole_second = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
    written = chain_of([audit_fields(1, **dict.fromkeys(TIMESTAMPS, whole_second))])[0]
    # PostgreSQL hands back an equal datetime; an export hands back its text with microseconds written out.
    read_back = {**written, **{name: datetime.fromisoformat(whole_second.isoformat()) for name in TIMESTAMPS}}
    exported = {**written, **dict.fromkeys(TIMESTAMPS, "2026-03-02T09:30:15.000000+00:00")}

    assert whole_second.isoformat() == "2026-03-02T09:30:15+00:00"  # what a naive isoformat() would hash
    assert record_hash(read_back) == written["hash"]
    assert record_hash(exported) == written["hash"]
    assert verify_chain([read_back]) == []


def _edited(value: Any, data: st.DataObject) -> Any:
    """A value of the same type as `value` (or a text where it is None) that differs from it."""
    if isinstance(value, bool) or value is None:
        return data.draw(st.text(min_size=1))
    if isinstance(value, int):
        return value + data.draw(st.integers(-1000, 1000).filter(bool))
    if isinstance(value, datetime):
        return value + timedelta(microseconds=data.draw(st.integers(-(10**9), 10**9).filter(bool)))
    return data.draw(st.text().filter(lambda text: text != value))


# Every column, each for certain (hypothesis picks the chain, the place and the new value). Generation is cheap;
# on a CPU shared with a running mesh it is not always fast, which is no failure here.
@pytest.mark.parametrize("name", [*HASHED_FIELDS, "hash"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(length=st.integers(1, 8), data=st.data())
def test_any_single_field_edit_anywhere_is_detected_A36_1(name: str, length: int, data: st.DataObject) -> None:
    records = chain(length)
    anchors = [{"seq": length, "hash": records[-1]["hash"]}]
    index = data.draw(st.integers(0, length - 1))
    if name == "seq":
        # The primary key keeps seq unique: an edited seq moves the row to a free place.
        taken = {r["seq"] for r in records}
        value = data.draw(st.integers(-(10**6), 10**6).filter(lambda s: s not in taken))
    else:
        value = _edited(records[index][name], data)
    records[index] = {**records[index], name: value}
    edited_seq = records[index]["seq"]

    breaks = verify_chain(in_seq_order(records), anchors=anchors)

    assert any(b.seq == edited_seq and b.kind == "altered" for b in breaks), breaks
