"""How many partitions the Kafka broker holds, printed before `make bench` measures on it.

Every benchmark's events, and every service's relay and consumers, share the broker of `make up`. A broker
holding thousands of partitions (left by test runs pointed at it) spends CPU on them all the time: on 2026-12-02
the same ingest run went from 18,253 records/s on a broker holding about 3,600 partitions to 22,286 records/s on
one started empty (bench/README.md, "`make bench` after stop 24's changes"). A `make bench` leaves about 100.

    .venv/bin/python bench/broker_state.py --kafka BOOTSTRAP     # `make bench` does this
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from aiokafka.admin import AIOKafkaAdminClient

# Far above what the hub's and the benchmarks' own topics make (about 100 partitions).
WARN_ABOVE_PARTITIONS = 1000


async def topics_and_partitions(bootstrap: str) -> tuple[int, int]:
    """How many topics the broker holds, and how many partitions they have together."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        described = await admin.describe_topics(names) if names else []
    finally:
        await admin.close()
    return len(names), sum(len(topic["partitions"]) for topic in described)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), help="Kafka bootstrap servers")
    args = parser.parse_args()
    if not args.kafka:
        parser.error("give --kafka (or KAFKA_BOOTSTRAP_SERVERS)")
    topics, partitions = asyncio.run(topics_and_partitions(args.kafka))
    print(f"broker {args.kafka}: {topics} topics, {partitions} partitions")
    if partitions > WARN_ABOVE_PARTITIONS:
        print(
            f"warning: over {WARN_ABOVE_PARTITIONS} partitions slow the broker and every figure that goes through it;"
            " `make down && rm -rf .run/kafka/data` empties it (make up's events go with it)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
