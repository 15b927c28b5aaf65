"""The hash chain as pure functions: how a record is hashed, and how a sequence of records is verified (A36.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
# Every column but the hash itself is covered, so any edit of a stored record changes its hash.
HASHED_FIELDS = (
    "seq", "kind", "event", "caller", "caller_kind", "roles", "agency_id", "region_code", "client_ip", "method",
    "route", "path", "service", "entry", "items", "row_count", "purpose", "grant_id", "status", "request_bytes",
    "response_bytes", "request_in", "request_out", "response_in", "response_out", "trace_id", "detail", "prev_hash",
)  # fmt: skip


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # In UTC with microseconds always written, so a value read back from PostgreSQL hashes the same.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the record's fields, its predecessor's hash included."""
    body = {name: _canonical(record[name]) for name in HASHED_FIELDS}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """One place where the stored chain is not what was written."""

    seq: int
    kind: str  # altered | removed | reordered | truncated | anchor-mismatch
    detail: str


def verify_chain(
    records: Iterable[Mapping[str, Any]],
    *,
    expected_first_seq: int = 1,
    expected_prev_hash: str = GENESIS,
    anchors: Iterable[Mapping[str, Any]] = (),
) -> list[ChainBreak]:
    """Every break in a run of records read in `seq` order, and every anchor the records contradict.

    An edited record no longer matches its hash (altered); a deleted one leaves a gap in `seq` (removed); records
    moved to other positions no longer follow the hash they hold (reordered); a cut-off tail falls short of an
    anchor (truncated).
    """
    breaks: list[ChainBreak] = []
    hashes: dict[int, str] = {}
    expected_seq, prev_hash = expected_first_seq, expected_prev_hash
    last_seq = expected_first_seq - 1
    for record in records:
        seq = int(record["seq"])
        if record_hash(record) != record["hash"]:
            breaks.append(ChainBreak(seq, "altered", f"record {seq} does not match its hash"))
        if seq > expected_seq:
            gap = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            breaks.append(ChainBreak(seq, "removed", f"record(s) {gap} missing before {seq}"))
        elif record["prev_hash"] != prev_hash:
            breaks.append(ChainBreak(seq, "reordered", f"record {seq} does not follow the record before it"))
        hashes[seq] = record["hash"]
        expected_seq, prev_hash, last_seq = seq + 1, record["hash"], seq
    for anchor in anchors:
        seq = int(anchor["seq"])
        if seq > last_seq:
            breaks.append(ChainBreak(seq, "truncated", f"anchored record {seq} is beyond the last record {last_seq}"))
        elif seq in hashes and hashes[seq] != anchor["hash"]:
            breaks.append(ChainBreak(seq, "anchor-mismatch", f"record {seq} differs from its anchor"))
    return breaks
