"""`make drill`: the fault drills (A29.1), each on a hub of its own with two replicas of every service, and the table
of what was killed, when, what was in flight, lost, duplicated in effect, the seconds to recover and the gateway's
errors during and after.

    .venv/bin/python tools/drill.py --database-url URL --kafka BOOTSTRAP [--events 10000] [--records 1000000]

The replica and gateway drills share one hub on the given servers (ports +4000, databases drill_shared_*, topics
drill-shared.*). The Kafka drill runs on a private broker (127.0.0.1:29292, .run/drill/kafka) and the PostgreSQL drill
on a private cluster (127.0.0.1:25472, .run/drill/pg): the servers other work uses are never killed. Exit status 1
when a drill lost or duplicated anything or left the gateway failing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from tools.drills.events import consumer_kill, kafka_kill, producer_kill
from tools.drills.gateways import gateway_kill
from tools.drills.hub import DrillHub, PrivateKafka, PrivatePostgres
from tools.drills.ingest import postgres_kill
from tools.drills.report import Outcome, table
from tools.drills.world import set_up

DRILLS = ("consumer", "producer", "gateway", "kafka", "postgres")
# Below the kernel's ephemeral range (32768 and up): while a killed server is down, a connection opened meanwhile
# could take its port as its local port, and the server could not bind it again.
KAFKA_PORTS = (29292, 29293)
PG_PORT = 25472


@dataclass(frozen=True)
class Sizes:
    events: int = 10_000
    writes: int = 600
    records: int = 1_000_000
    batch_size: int = 5_000
    gateway_seconds: float = 20.0
    kafka_rate: float = 500.0


@contextlib.contextmanager
def running(hub: DrillHub) -> Iterator[DrillHub]:
    hub.up()
    try:
        yield hub
    finally:
        hub.down()


def shared_drills(database_url: str, kafka: str, sizes: Sizes, only: set[str]) -> list[Outcome]:
    """The replica and gateway drills, on one hub on the shared servers."""
    with running(DrillHub("shared", database_url, kafka, port_offset=4000)) as hub:
        world = set_up(hub.gateway_url(), hub.admin_password())
        outcomes = []
        if "consumer" in only:
            outcomes.append(consumer_kill(hub, world, sizes.events))
        if "producer" in only:
            outcomes.append(producer_kill(hub, world, sizes.writes))
        if "gateway" in only:
            outcomes.append(gateway_kill(hub, world, sizes.gateway_seconds))
        return outcomes


def kafka_drill(database_url: str, sizes: Sizes) -> Outcome:
    """The broker drill, on a private broker."""
    broker = PrivateKafka("kafka", *KAFKA_PORTS)
    broker.script("start", fresh=True)
    try:
        with running(DrillHub("kafka", database_url, broker.bootstrap, port_offset=4100)) as hub:
            world = set_up(hub.gateway_url(), hub.admin_password())
            return kafka_kill(hub, broker, world, sizes.events, sizes.kafka_rate)
    finally:
        broker.script("stop")


def postgres_drill(kafka: str, sizes: Sizes) -> Outcome:
    """The database drill, on a private cluster."""
    cluster = PrivatePostgres("pg", PG_PORT)
    cluster.start()
    try:
        with running(DrillHub("pg", cluster.url, kafka, port_offset=4200)) as hub:
            world = set_up(hub.gateway_url(), hub.admin_password())
            return postgres_kill(hub, cluster, world, sizes.records, sizes.batch_size)
    finally:
        cluster.script("stop")


def run(database_url: str, kafka: str, sizes: Sizes, only: set[str]) -> list[Outcome]:
    outcomes = shared_drills(database_url, kafka, sizes, only) if only & {"consumer", "producer", "gateway"} else []
    if "kafka" in only:
        outcomes.append(kafka_drill(database_url, sizes))
    if "postgres" in only:
        outcomes.append(postgres_drill(kafka, sizes))
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="the shared PostgreSQL server (never killed)")
    parser.add_argument("--kafka", required=True, help="the shared Kafka bootstrap servers (never killed)")
    parser.add_argument("--events", type=int, default=Sizes.events, help="events in the stream drills")
    parser.add_argument("--writes", type=int, default=Sizes.writes, help="writes in the producer drill")
    parser.add_argument("--records", type=int, default=Sizes.records, help="records in the PostgreSQL drill")
    parser.add_argument("--only", nargs="+", choices=DRILLS, default=list(DRILLS))
    args = parser.parse_args()
    sizes = Sizes(events=args.events, writes=args.writes, records=args.records)
    outcomes = run(args.database_url, args.kafka, sizes, set(args.only))
    print(table(outcomes))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
