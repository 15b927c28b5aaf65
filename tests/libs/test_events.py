"""CloudEvents 1.0 in Kafka binary mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.events import EventEnvelope

ENVELOPE = EventEnvelope(
    id="0b6a1c1e-5b7e-4b53-9a53-6a7c1f0c2b11",
    type="catalog.agency.registered",
    source="/hub/catalog",
    subject="agency-1",
    time=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
    data={"name": "无锡市公安局", "n": 1},
    trace_headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
)


def test_binary_mode_puts_attributes_in_ce_headers_and_data_in_the_body() -> None:
    key, headers, value = ENVELOPE.to_kafka()
    header_map = dict(headers)
    assert key == b"agency-1"
    assert header_map["ce_specversion"] == b"1.0"
    assert header_map["ce_id"] == ENVELOPE.id.encode()
    assert header_map["ce_type"] == b"catalog.agency.registered"
    assert header_map["ce_source"] == b"/hub/catalog"
    assert header_map["ce_subject"] == b"agency-1"
    assert header_map["content-type"] == b"application/json"
    assert header_map["traceparent"].startswith(b"00-0af7651916cd43dd8448eb211c80319c")
    assert b"specversion" not in value


def test_an_event_survives_the_round_trip() -> None:
    _, headers, value = ENVELOPE.to_kafka()
    assert EventEnvelope.from_kafka(headers, value) == ENVELOPE


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ([], b'{"a": 1}'),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")], b"not json"),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/x"),
                ("ce_type", b"t"),
                ("content-type", b"application/json"),
            ],
            b"[1, 2]",
        ),
    ],
)
def test_a_message_that_is_not_a_cloudevent_with_an_object_body_is_rejected(
    headers: list[tuple[str, bytes]], value: bytes
) -> None:
    with pytest.raises(ValueError):
        EventEnvelope.from_kafka(headers, value)
