"""The AsyncAPI 3.0 document of every topic and event of the mesh, generated from the event models.

`python -m hub.contracts.asyncapi > docs/events/asyncapi.json` writes it; a test fails when the committed
document and the models disagree, so the published schemas never drift from the code. Schemas nested in a payload
(a pydantic model inside an event) live once under `components.schemas`, where their `$ref`s point, so generators
and the AsyncAPI tools resolve every reference.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from typing import Any

import hub.contracts
from hub.contracts.open_records import CHANGELOGS, ChangelogTopic
from hub.events import Event
from hub.mesh import load_mesh


def event_models() -> list[type[Event]]:
    """Every concrete event type of every contract module, ordered by topic and type."""
    for module in pkgutil.iter_modules(hub.contracts.__path__):
        if module.name != "asyncapi":
            importlib.import_module(f"hub.contracts.{module.name}")
    found: dict[str, type[Event]] = {}
    pending: list[type[Event]] = list(Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "type" in cls.__dict__:
            found[cls.type] = cls
    return sorted(found.values(), key=lambda c: (c.topic, c.type))


SCHEMAS_REF = "#/components/schemas/{model}"


def payload_schema(model: type[Event], schemas: dict[str, Any]) -> dict[str, Any]:
    """An event's JSON Schema, its nested models moved into `schemas` (the document's components)."""
    schema = model.model_json_schema(ref_template=SCHEMAS_REF)
    for name, nested in schema.pop("$defs", {}).items():
        if schemas.setdefault(name, nested) != nested:
            raise ValueError(f"two event contracts define {name} differently: rename one")
    return schema


def document() -> dict[str, Any]:
    """The AsyncAPI document: one channel per topic, one message per event type, payloads as JSON Schema."""
    producers = {topic: s.name for s in load_mesh().services.values() for topic in s.publishes}
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for model in event_models():
        name = model.type.replace(".", "_")
        messages[name] = {
            "name": model.type,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
            "contentType": "application/json",
            "bindings": {"kafka": {"key": {"type": "string", "description": "the aggregate id"}}},
            "headers": {
                "type": "object",
                "description": "CloudEvents 1.0 attributes in Kafka binary mode, and W3C trace context",
                "properties": {
                    "ce_specversion": {"const": "1.0"},
                    "ce_type": {"const": model.type},
                    "ce_id": {"type": "string"},
                    "ce_source": {"type": "string"},
                    "ce_subject": {"type": "string"},
                    "ce_time": {"type": "string", "format": "date-time"},
                    "traceparent": {"type": "string"},
                },
                "required": ["ce_specversion", "ce_type", "ce_id", "ce_source"],
            },
            "payload": payload_schema(model, schemas),
        }
        channel = channels.setdefault(model.topic.replace(".", "_"), {"address": model.topic, "messages": {}})
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for key, channel in channels.items():
        producer = producers.get(channel["address"])
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"published by {producer} through its outbox"
            if producer
            else "published by producers outside the mesh (the data-centre ingest jobs)",
        }
    for changelog in CHANGELOGS:
        _add_changelog(changelog, channels, messages, operations)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Public data hub events",
            "version": "1.0.0",
            "description": "Every fact the services of the hub publish on Kafka. Topics may carry a deployment prefix.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def _add_changelog(
    changelog: ChangelogTopic, channels: dict[str, Any], messages: dict[str, Any], operations: dict[str, Any]
) -> None:
    """A compacted state topic: keyed records, no CloudEvents headers (hub.contracts.open_records)."""
    key = changelog.topic.replace(".", "_")
    messages[key] = {
        "name": changelog.topic,
        "title": changelog.title,
        "summary": changelog.summary,
        "contentType": "application/json",
        "bindings": {"kafka": {"key": changelog.key_schema, "bindingVersion": "0.5.0"}},
        "payload": changelog.value_schema,
    }
    retention = {name: int(value) for name, value in changelog.config.items() if name.endswith(".ms")}
    channels[key] = {
        "address": changelog.topic,
        "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        "bindings": {
            "kafka": {
                "topicConfiguration": {"cleanup.policy": [changelog.config["cleanup.policy"]], **retention},
                "bindingVersion": "0.5.0",
            }
        },
    }
    operations[f"publish_{key}"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{key}"},
        "summary": changelog.producer,
    }


def render() -> str:
    """The document as committed in docs/events/asyncapi.json."""
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
