"""Reading a source ahead of its consumer (hub.streams.read_ahead), as the bulk ingest checks the rows of a batch
while the rows before them are written (A17.1)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest

from hub.streams import read_ahead


class SourceBroke(Exception):
    """What a source raises in these tests: a type of its own, so the consumer's is known to be the same."""


class WriteFailed(Exception):
    """What a consumer raises in these tests."""


class Numbers:
    """A source of 1, 2, 3 … that records how far it has got, how far ahead of the consumer it ever was, and whether
    it was closed. Each item takes a turn of the event loop, as reading a request body does."""

    def __init__(self, count: int | None = None, *, fails_after: int | None = None) -> None:
        self.count = count
        self.fails_after = fails_after
        self.produced = 0
        self.received = 0  # set by the consumer
        self.most_ahead = 0
        self.closed = False

    def __aiter__(self) -> Numbers:
        return self

    async def __anext__(self) -> int:
        await asyncio.sleep(0)
        if self.fails_after is not None and self.produced == self.fails_after:
            raise SourceBroke(f"broke after {self.produced}")
        if self.count is not None and self.produced == self.count:
            raise StopAsyncIteration
        self.produced += 1
        self.most_ahead = max(self.most_ahead, self.produced - self.received)
        return self.produced

    async def aclose(self) -> None:
        self.closed = True


async def round_trip(turns: int = 20) -> None:
    """Something else the consumer awaits (a database round trip): a few turns of the event loop, no clock."""
    for _ in range(turns):
        await asyncio.sleep(0)


def closable(items: AsyncIterator[int]) -> AsyncGenerator[int, None]:
    """read_ahead's items as the async generator they are (typed as an iterator), for `aclosing`."""
    assert isinstance(items, AsyncGenerator)
    return items


async def collect(items: AsyncIterator[int], received: list[int]) -> None:
    """The consumer of most tests: it takes each item, then awaits something else."""
    async for n in items:
        received.append(n)
        await round_trip()


async def tasks_left(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """The tasks started since `before` that are still pending once the loop has had its turns to end them (a
    generator its consumer dropped is closed by the loop's finaliser, in a task of its own)."""
    for _ in range(100):
        left = asyncio.all_tasks() - before
        if not left:
            break
        await asyncio.sleep(0)
    return left


@pytest.mark.parametrize("depth", [1, 2, 7])
async def test_every_item_arrives_in_order(depth: int) -> None:
    source = Numbers(50)
    received = [n async for n in read_ahead(source, depth)]
    assert received == list(range(1, 51))
    assert source.closed


async def test_an_empty_source_ends_at_once() -> None:
    assert [n async for n in read_ahead(Numbers(0), 2)] == []


async def test_the_source_runs_ahead_while_the_consumer_awaits_something_else() -> None:
    """Read ahead, the source keeps producing during the consumer's round trip; iterated directly, it does not."""
    direct = Numbers(10)
    async for _ in direct:
        await round_trip()
        break
    assert direct.produced == 1

    ahead = Numbers(10)
    async for first in read_ahead(ahead, 2):
        await round_trip()
        assert first == 1
        assert 1 < ahead.produced <= 1 + 2 + 1  # the consumer's item, two queued, one waiting for room
        break


@pytest.mark.parametrize("depth", [1, 2, 5])
async def test_the_source_never_runs_more_than_depth_items_ahead(depth: int) -> None:
    """Memory stays bounded: besides the item the consumer holds, `depth` items queued and one waiting for room."""
    source = Numbers(40)
    async for n in read_ahead(source, depth):
        source.received = n
        await round_trip()
        assert source.produced <= n + depth + 1
    assert source.most_ahead <= depth + 1
    assert source.most_ahead == depth + 1  # and it does use the room it has


async def test_a_depth_below_one_is_refused_rather_than_reading_the_whole_source_ahead() -> None:
    """`asyncio.Queue(maxsize=0)` has no bound at all: a depth of 0 must not mean reading everything ahead."""
    source = Numbers(1000)
    with pytest.raises(ValueError, match="at least 1"):
        async for _ in read_ahead(source, 0):
            pass
    assert source.most_ahead == 0


@pytest.mark.parametrize("depth", [1, 2, 5])
async def test_an_error_of_the_source_reaches_the_consumer_after_the_items_before_it(depth: int) -> None:
    before = asyncio.all_tasks()
    source = Numbers(fails_after=3)
    received: list[int] = []
    with pytest.raises(SourceBroke, match="broke after 3"):
        await collect(read_ahead(source, depth), received)
    assert received == [1, 2, 3]
    assert source.closed
    assert await tasks_left(before) == set()


async def test_the_consumer_gets_the_very_exception_the_source_raised() -> None:
    raised = SourceBroke("this one")

    async def source() -> AsyncIterator[int]:
        yield 1
        raise raised

    with pytest.raises(SourceBroke) as caught:
        await collect(read_ahead(source(), 2), [])
    assert caught.value is raised


async def test_a_source_cancelled_from_within_does_not_leave_the_consumer_waiting() -> None:
    """A source may see a CancelledError its task was not sent (a future it awaits is cancelled by its owner): the
    consumer must hear of it, not wait for an item that never comes."""

    async def source() -> AsyncIterator[int]:
        yield 1
        raise asyncio.CancelledError

    received: list[int] = []
    outcome = "ended"
    try:
        async with asyncio.timeout(1):
            async for n in read_ahead(source(), 2):
                received.append(n)
    except TimeoutError:
        outcome = "still waiting for the next item after 1 s"
    except asyncio.CancelledError:
        outcome = "cancelled"
    assert (received, outcome) == ([1], "cancelled")


async def counting(log: list[str]) -> AsyncIterator[int]:
    """An endless source that logs its end: only being closed ends it."""
    n = 0
    try:
        while True:
            await asyncio.sleep(0)
            n += 1
            yield n
    finally:
        log.append("finally")


async def consume_until_break(source: AsyncIterator[int]) -> None:
    async for n in read_ahead(source, 2):
        if n == 3:
            break


async def consume_until_break_closing(source: AsyncIterator[int]) -> None:
    async with contextlib.aclosing(closable(read_ahead(source, 2))) as items:
        async for n in items:
            if n == 3:
                break


async def consume_until_raise(source: AsyncIterator[int]) -> None:
    with contextlib.suppress(WriteFailed):
        async for n in read_ahead(source, 2):
            await round_trip(3)
            if n == 3:
                raise WriteFailed


@pytest.mark.parametrize("consume", [consume_until_break, consume_until_break_closing, consume_until_raise])
async def test_a_consumer_that_stops_early_cancels_the_source_and_closes_it(consume: Any) -> None:
    before = asyncio.all_tasks()
    log: list[str] = []
    await consume(counting(log))
    assert await tasks_left(before) == set()
    assert log == ["finally"]


async def test_a_consumer_that_stops_early_closes_a_source_that_is_no_generator() -> None:
    before = asyncio.all_tasks()
    source = Numbers()
    async with contextlib.aclosing(closable(read_ahead(source, 2))) as items:
        async for n in items:
            if n == 2:
                break
    assert await tasks_left(before) == set()
    assert source.closed
    assert source.produced <= 2 + 2 + 1


async def test_a_cancelled_consumer_cancels_the_source() -> None:
    before = asyncio.all_tasks()
    log: list[str] = []
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in read_ahead(counting(log), 2):
            started.set()
            await asyncio.Event().wait()  # a write that never ends

    consumer = asyncio.create_task(consume())
    await started.wait()
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert await tasks_left(before) == set()
    assert log == ["finally"]


class Halt(BaseException):
    """Neither an Exception nor a cancellation: what a source might still raise (SystemExit, a group)."""


async def test_a_base_exception_of_the_source_reaches_the_consumer_instead_of_leaving_it_waiting() -> None:
    class Halting(Numbers):
        async def __anext__(self) -> int:
            if self.produced == 2:
                raise Halt("stop")
            return await super().__anext__()

    received: list[int] = []
    with pytest.raises(Halt):
        await asyncio.wait_for(collect(read_ahead(Halting(), 2), received), timeout=5)
    assert received == [1, 2]
