"""The hash chain as pure functions: how records are linked and hashed, and how a run of them is verified (A36.1).

What a verifier compares, and what each comparison catches:
- each record with its own hash (an edited record), with the seq before it (a deleted one) and with the hash
  before it (records moved, or an edit rehashed in place);
- the chain's end with its marks: an anchor holds the last seq and its hash at anchor time, and since seq counts
  every record from 1 without gaps, it is also how many records the chain held then. A chain ending before a
  mark's seq lost its tail (truncated); a record differing from its mark was rewritten (anchor-mismatch).

Marks come from two places. The anchors in the gateway's database (every audit_anchor_interval_seconds) guard
against a tail cut by someone who cannot also delete anchors. The `gateway.audit` Kafka topic holds a copy outside
the database: every committed batch is published there with each record's seq and hash (the outbox commits with
the batch), and every anchor too. Verifying against the topic (`python -m gateway.audit verify --published`)
catches a tail cut after the newest anchor, or anchors deleted along with it, up to the last batch the relay
published.

A tail can also be missing because it was never written; the writer rules that out for every answered exchange
by committing each record before its response starts (see writer.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
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


def link(batch: Sequence[Mapping[str, Any]], head_seq: int, head_hash: str) -> list[dict[str, Any]]:
    """The records of a batch numbered and hashed after the chain head (seq 0 and GENESIS for an empty chain)."""
    rows, seq, prev_hash = [], head_seq, head_hash
    for fields in batch:
        seq += 1
        row = {**fields, "seq": seq, "prev_hash": prev_hash}
        row["hash"] = prev_hash = record_hash(row)
        rows.append(row)
    return rows


def verify_chain(
    records: Iterable[Mapping[str, Any]],
    *,
    expected_first_seq: int = 1,
    expected_prev_hash: str = GENESIS,
    anchors: Iterable[Mapping[str, Any]] = (),
) -> list[ChainBreak]:
    """Every break in a run of records read in `seq` order, and every mark the records contradict.

    An edited record no longer matches its hash (altered); a deleted one leaves a gap in `seq` (removed); records
    moved to other positions no longer follow the hash they hold (reordered); a chain ending before a mark's seq
    lost its tail (truncated); a record whose hash is not its mark's was rewritten (anchor-mismatch). `anchors` are
    marks `{seq, hash}`, with an optional `source` naming where the mark was found (default "anchor").
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
    truncated_at = None
    for mark in sorted(anchors, key=lambda m: int(m["seq"])):
        seq, source = int(mark["seq"]), mark.get("source", "anchor")
        if seq > last_seq:
            # One break names how far the chain should reach; every mark beyond its end says the same.
            truncated_at = ChainBreak(
                seq, "truncated", f"{source} of record {seq} is beyond the last record {last_seq}"
            )
        elif seq in hashes and hashes[seq] != mark["hash"]:
            breaks.append(ChainBreak(seq, "anchor-mismatch", f"record {seq} differs from its {source}"))
    return breaks + ([truncated_at] if truncated_at else [])
