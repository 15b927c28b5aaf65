"""The fault drills of `make drill` at a smaller volume (A29.1): each kills one piece of a two-replica hub with
SIGKILL under load and checks, in the databases, that nothing was lost or done twice and that the gateway stopped
failing within seconds. Marked `drill`: `make test-drills` runs them, `make test` leaves them out.

The hubs run on the test servers (ports +4300/+4400/+4500, databases drill_t*); the Kafka and PostgreSQL drills kill
a private broker (127.0.0.1:29302) and cluster (127.0.0.1:25482) of their own, never the test servers; below the
kernel's ephemeral range, so that no connection takes a killed server's port before it comes back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import Infra
from tools.drills.events import consumer_kill, kafka_kill, producer_kill
from tools.drills.gateways import gateway_kill
from tools.drills.hub import DrillHub, PrivateKafka, PrivatePostgres
from tools.drills.ingest import postgres_kill
from tools.drills.report import Outcome, table
from tools.drills.world import World, set_up

pytestmark = [pytest.mark.drill, pytest.mark.timeout(900)]


def held(outcome: Outcome) -> None:
    """A29.1's expectation, with the drill's row in the message when it fails."""
    print(table([outcome]))
    assert (outcome.lost, outcome.duplicated, outcome.errors_after, outcome.failed) == (0, 0, 0, []), table([outcome])


@pytest.fixture(scope="module")
def shared(infra: Infra) -> Iterator[tuple[DrillHub, World]]:
    hub = DrillHub("tshared", infra.database_url, infra.kafka_bootstrap, port_offset=4300)
    hub.up()
    try:
        yield hub, set_up(hub.gateway_url(), hub.admin_password())
    finally:
        hub.down()


def test_killing_a_consuming_replica_mid_stream_loses_and_repeats_no_event_A29_1(
    shared: tuple[DrillHub, World],
) -> None:
    hub, world = shared
    outcome = consumer_kill(hub, world, events=600)
    held(outcome)
    assert outcome.in_flight > 0  # the kill did land in the middle of the stream


def test_killing_a_producing_replica_mid_writes_loses_and_repeats_no_write_or_event_A29_1(
    shared: tuple[DrillHub, World],
) -> None:
    hub, world = shared
    held(producer_kill(hub, world, writes=200))


def test_killing_a_gateway_replica_fails_only_its_clients_and_the_audit_chain_verifies_A29_1_A36_1(
    shared: tuple[DrillHub, World],
) -> None:
    hub, world = shared
    outcome = gateway_kill(hub, world, seconds=10.0, clients_per_gateway=2)
    held(outcome)
    assert outcome.sent > 0


def test_killing_the_kafka_broker_mid_stream_loses_and_repeats_no_event_A29_1(infra: Infra) -> None:
    broker = PrivateKafka("tkafka", 29302, 29303)
    broker.script("start", fresh=True)
    hub = DrillHub("tkafka", infra.database_url, broker.bootstrap, port_offset=4400)
    try:
        hub.up()
        world = set_up(hub.gateway_url(), hub.admin_password())
        outcome = kafka_kill(hub, broker, world, events=1_000, rate=200.0)
    finally:
        hub.down()
        broker.script("stop")
    held(outcome)


def test_killing_postgresql_mid_ingest_stores_each_record_exactly_once_A29_1_A17_1(infra: Infra) -> None:
    cluster = PrivatePostgres("tpg", 25482)
    cluster.start()
    hub = DrillHub("tpg", cluster.url, infra.kafka_bootstrap, port_offset=4500)
    try:
        hub.up()
        world = set_up(hub.gateway_url(), hub.admin_password())
        outcome = postgres_kill(hub, cluster, world, records=20_000, batch_size=1_000)
    finally:
        hub.down()
        cluster.script("stop")
    held(outcome)
