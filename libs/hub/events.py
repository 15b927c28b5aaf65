"""Events as CloudEvents 1.0 in Kafka binary mode: `ce_*` headers, a JSON body, keyed by aggregate id.

Payloads are pydantic models (the schemas other services build their read models from). W3C trace context
rides in the same headers, so a consumer's work joins the producer's trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict

JSON = "application/json"
_FORMAT = JSONFormat()
# Headers that are not CloudEvents attributes but travel with them.
TRACE_HEADERS = ("traceparent", "tracestate")


class Event(BaseModel):
    """Base of every event payload. Subclasses name the fact (past tense) and the topic it is published on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    topic: ClassVar[str]

    def aggregate_id(self) -> str:
        """The id of the aggregate the event is about: the Kafka key, so its events stay in order."""
        raise NotImplementedError


@dataclass(frozen=True)
class EventEnvelope:
    """A CloudEvent as the hub handles it: attributes, JSON data, and the trace headers beside it."""

    id: str
    type: str
    source: str
    subject: str
    time: datetime
    data: dict[str, Any]
    trace_headers: dict[str, str] = field(default_factory=dict)

    def to_kafka(self) -> tuple[bytes, list[tuple[str, bytes]], bytes]:
        """Key, headers and value of the Kafka record (binary content mode)."""
        event = CloudEvent(
            attributes={
                "id": self.id,
                "source": self.source,
                "type": self.type,
                "subject": self.subject,
                "time": self.time,
                "datacontenttype": JSON,
            },
            data=self.data,
        )
        message = to_binary(event, _FORMAT, key_mapper=lambda e: e.get_subject())
        headers = [(k, v) for k, v in message.headers.items()]
        headers += [(k, v.encode()) for k, v in self.trace_headers.items() if k in TRACE_HEADERS]
        return self.subject.encode(), headers, message.value

    @classmethod
    def from_kafka(cls, headers: Sequence[tuple[str, bytes | None]], value: bytes | None) -> EventEnvelope:
        """Parse a Kafka record in binary content mode; ValueError if it is not a valid CloudEvent."""
        # Kafka allows a header without a value; it carries nothing a CloudEvent needs.
        header_map = {k: v for k, v in headers if v is not None}
        try:
            event = from_binary(KafkaMessage(headers=header_map, key=None, value=value or b""), _FORMAT)
        except Exception as exc:
            raise ValueError(f"not a CloudEvent in Kafka binary mode: {exc}") from exc
        data = event.get_data()
        if not isinstance(data, dict):
            raise ValueError("event data is not a JSON object")
        trace = {k: header_map[k].decode() for k in TRACE_HEADERS if k in header_map}
        return cls(
            id=event.get_id(),
            type=event.get_type(),
            source=event.get_source(),
            subject=event.get_subject() or "",
            time=event.get_time() or datetime.min,
            data=data,
            trace_headers=trace,
        )


def header_dict(headers: Sequence[tuple[str, bytes | None]]) -> Mapping[str, str]:
    """Kafka headers as text, for trace-context extraction and logs."""
    return {k: v.decode(errors="replace") for k, v in headers if v is not None}
