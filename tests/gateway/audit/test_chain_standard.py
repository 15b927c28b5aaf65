"""The audit chain from first principles (A36.1): where it starts, how a record is hashed, what a mark counts.

The expected values are written here, not taken from gateway.audit.chain: the chain starts before its first
record at the all-zero SHA-256 value (64 hexadecimal zeros, FIPS 180-4's 256 bits), its records are numbered
1, 2, 3 … so that a record's seq is how many records the chain holds up to it, and a record's hash is SHA-256 over
the UTF-8 JSON of every stored column but the hash (gateway.audit.models), keys sorted, no spaces, timestamps in
UTC with their microseconds written out. A verifier given nothing but the records assumes that start.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gateway.audit.chain import GENESIS, link, verify_chain
from gateway.audit.models import AuditRecord

ZERO_HASH = "0" * 64
COLUMNS = {column.name for column in AuditRecord.__table__.columns}
CHINA = timezone(timedelta(hours=8))


def exchange(n: int) -> dict[str, Any]:
    """The fields a writer appends for one exchange (every column but seq, prev_hash and hash)."""
    at = datetime(2026, 3, 2, 17, 30, 15, 123456, tzinfo=CHINA) + timedelta(seconds=n)
    fields: dict[str, Any] = {
        "kind": "exchange", "event": "exchange", "caller": f"client-{n}", "caller_kind": "agency_system",
        "roles": "agency_system", "agency_id": "6f1c1b3e-3a43-4b9c-8f0e-2d7e5f1a9c01", "region_code": "320200",
        "client_ip": "127.0.0.1", "method": "GET", "route": "/agencies/{agency_id}",
        "path": f"/api/catalog/agencies/{n}", "service": "catalog", "entry": None, "items": None,
        "row_count": None, "purpose": "统计分析", "grant_id": None, "status": 200, "request_bytes": 0,
        "response_bytes": 100 + n, "request_in": at, "request_out": at + timedelta(microseconds=10),
        "response_in": at + timedelta(microseconds=20), "response_out": at + timedelta(microseconds=30),
        "trace_id": f"{n:032x}", "detail": None,
    }  # fmt: skip
    assert set(fields) == COLUMNS - {"seq", "prev_hash", "hash"}
    return fields


def sha256_of(record: dict[str, Any]) -> str:
    """SHA-256 of the record as the chain's rule states it, written independently of chain.py."""

    def canonical(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        return value

    body = {name: canonical(record[name]) for name in COLUMNS - {"hash"}}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_chain_starts_from_the_all_zero_sha256_A36_1() -> None:
    assert GENESIS == ZERO_HASH


def test_the_first_batch_is_numbered_from_1_after_the_zero_hash_and_each_record_hashes_its_predecessor_A36_1() -> None:
    records = link([exchange(n) for n in range(1, 4)], 0, ZERO_HASH)

    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[0]["prev_hash"] == ZERO_HASH
    assert [r["prev_hash"] for r in records[1:]] == [r["hash"] for r in records[:-1]]
    assert [r["hash"] for r in records] == [sha256_of(r) for r in records]
    assert set(records[0]) == COLUMNS


def test_a_batch_continues_the_numbering_after_the_head_it_is_given_A36_1() -> None:
    head_hash = sha256_of({**exchange(41), "seq": 41, "prev_hash": ZERO_HASH})
    records = link([exchange(42), exchange(43)], 41, head_hash)
    assert [(r["seq"], r["prev_hash"]) for r in records] == [(42, head_hash), (43, records[0]["hash"])]


def test_a_chain_starting_at_1_from_the_zero_hash_verifies_with_no_arguments_A36_1() -> None:
    assert verify_chain(link([exchange(n) for n in range(1, 5)], 0, ZERO_HASH)) == []


def test_a_chain_whose_first_record_does_not_follow_the_zero_hash_is_reported_A36_1() -> None:
    # A consistent chain, but linked after a record the table no longer holds.
    records = link([exchange(n) for n in range(1, 4)], 0, "1" * 64)
    assert [(b.seq, b.kind) for b in verify_chain(records)] == [(1, "reordered")]


def test_a_chain_missing_its_first_record_names_record_1_A36_1() -> None:
    records = link([exchange(n) for n in range(1, 4)], 0, ZERO_HASH)
    [gap] = verify_chain(records[1:])
    assert (gap.seq, gap.kind, gap.detail) == (2, "removed", "record(s) 1 missing before 2")


@pytest.mark.parametrize("held", [0, 1, 3])
def test_a_mark_of_n_records_is_met_by_a_chain_of_n_and_beyond_one_of_fewer_A36_1(held: int) -> None:
    # seq counts the records: a mark taken when the chain held 4 records names record 4.
    records = link([exchange(n) for n in range(1, 5)], 0, ZERO_HASH)
    mark = {"seq": 4, "hash": records[3]["hash"]}
    assert verify_chain(records, anchors=[mark]) == []
    [cut] = verify_chain(records[:held], anchors=[mark])
    assert (cut.seq, cut.kind, cut.detail) == (4, "truncated", f"anchor of record 4 is beyond the last record {held}")
