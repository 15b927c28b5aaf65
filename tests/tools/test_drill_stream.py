"""The drills' event stream never outlives its drill (tools/drills/load.py): a publisher retrying a broker that is
gone once kept pytest from exiting, and CI ran until its 90 minutes were up."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

from tools.drills.load import Stream, publishing
from tools.drills.world import Credentials, World


@pytest.fixture
def gone_broker() -> Iterator[str]:
    """A loopback port that refuses connections for as long as the test runs: bound, never listening."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{held.getsockname()[1]}"


def world() -> World:
    nobody = Credentials("-", "-")
    return World(entry_id=str(uuid.uuid4()), agency_id=str(uuid.uuid4()), job=nobody, system=nobody, admin_password="-")


def test_a_stream_the_broker_never_takes_gives_up_after_its_stall(gone_broker: str) -> None:
    stream = Stream(gone_broker, "drill.aggregation.ingest", world(), stalled=1.0)
    with publishing(stream, events=10) as publisher:
        publisher.join(60)
        assert not publisher.is_alive()
    assert (stream.gave_up, stream.published) == (True, 0)


def test_leaving_the_block_early_stops_the_publisher(gone_broker: str) -> None:
    stream = Stream(gone_broker, "drill.aggregation.ingest", world(), stalled=600.0)
    with pytest.raises(RuntimeError), publishing(stream, events=10) as publisher:
        raise RuntimeError("the drill failed before the stream ended")
    assert not publisher.is_alive()
    assert (stream.gave_up, stream.published) == (False, 0)
