"""Topic provisioning on the real broker: every topic gets the partitions services/mesh.toml declares, in one place
(issue 15), its dead-letter twin the same, and an undeclared topic is refused."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from harness import Infra, eventually
from hub.kafka import ensure_topics
from hub.settings import HubSettings

pytestmark = pytest.mark.integration

MESH_FILE = Path(__file__).resolve().parents[2] / "services" / "mesh.toml"


def declared_in(mesh_file: Path) -> dict[str, int]:
    """The partition count of each topic, read from the file itself rather than through hub.mesh."""
    return {name: body["partitions"] for name, body in tomllib.loads(mesh_file.read_text())["topics"].items()}


def settings(infra: Infra, topic_prefix: str, mesh_file: Path = MESH_FILE) -> HubSettings:
    return HubSettings(
        service_name="topics-test",
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        mesh_file=mesh_file,
    )


async def partition_counts(infra: Infra, topic_prefix: str, expected: Iterable[str]) -> dict[str, int]:
    """Each topic of the prefix on the broker and its number of partitions, keyed by its logical name, once the
    `expected` ones are in the broker's metadata with their partitions (a moment after their creation)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:

        async def settled() -> list[dict[str, int]] | None:
            ours = [t for t in await admin.list_topics() if t.startswith(topic_prefix)]
            counts = {
                d["topic"].removeprefix(topic_prefix): len(d["partitions"]) for d in await admin.describe_topics(ours)
            }
            return [counts] if set(expected) <= counts.keys() and 0 not in counts.values() else None

        [found] = await eventually(settled)
        return dict(found)
    finally:
        await admin.close()


async def test_every_declared_topic_and_its_dead_letter_twin_get_the_partitions_mesh_toml_declares(
    infra: Infra, topic_prefix: str
) -> None:
    declared = declared_in(MESH_FILE)
    assert declared, "services/mesh.toml declares no [topics]"

    await ensure_topics(settings(infra, topic_prefix), [*declared, *(f"{t}.dlq" for t in declared)])

    expected = {**declared, **{f"{t}.dlq": n for t, n in declared.items()}}
    assert await partition_counts(infra, topic_prefix, expected) == expected


async def test_a_topic_gets_the_count_its_mesh_file_declares_rather_than_a_fixed_one(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    # The services of the real file, with topics declared at counts the real file does not use.
    services = MESH_FILE.read_text().split("[topics.", 1)[0]
    mesh_file = tmp_path / "mesh.toml"
    topics = '[topics."catalog.events"]\npartitions = 2\n\n[topics."share.events"]\npartitions = 5\n'
    mesh_file.write_text(services + topics)

    await ensure_topics(settings(infra, topic_prefix, mesh_file), ["catalog.events", "share.events.dlq"])

    expected = {"catalog.events": 2, "share.events.dlq": 5}
    assert await partition_counts(infra, topic_prefix, expected) == expected


async def test_an_undeclared_topic_is_refused_before_any_topic_is_created(infra: Infra, topic_prefix: str) -> None:
    with pytest.raises(ValueError, match=r"catalog\.evnets"):
        await ensure_topics(settings(infra, topic_prefix), ["catalog.events", "catalog.evnets"])
    # A topic created afterwards is visible only after any the refused call would have created.
    await ensure_topics(settings(infra, topic_prefix), ["open.events"])

    assert await partition_counts(infra, topic_prefix, ["open.events"]) == {
        "open.events": declared_in(MESH_FILE)["open.events"]
    }


async def test_a_topic_is_created_with_the_replication_factor_of_the_settings(infra: Infra, topic_prefix: str) -> None:
    # The test broker is one node: it refuses two copies, which shows the factor asked is the settings', not a fixed 1.
    two_copies = settings(infra, topic_prefix).model_copy(update={"kafka_topic_replication_factor": 2})
    with pytest.raises(KafkaError, match=r"(?i)replication"):
        await ensure_topics(two_copies, ["catalog.events"])

    await ensure_topics(settings(infra, topic_prefix), ["catalog.events"])
    assert await partition_counts(infra, topic_prefix, ["catalog.events"]) == {"catalog.events": 3}
