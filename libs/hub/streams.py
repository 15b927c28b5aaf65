"""Async iteration helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


async def read_ahead(source: AsyncIterator[T], depth: int) -> AsyncGenerator[T, None]:
    """The items of `source`, produced by a task of their own up to `depth` items ahead of the consumer.

    An async generator only runs while its consumer waits on it; read ahead, it runs while the consumer waits on
    something else (a database round trip), so the two overlap. Memory stays bounded by `depth` items. An error
    of the source reaches the consumer where it happened, after the items before it; a consumer that stops early
    (or fails) cancels the source and closes it.
    """
    if depth < 1:
        raise ValueError("read_ahead needs a depth of at least 1")
    queue: asyncio.Queue[T | _Failed | object] = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        try:
            async for item in source:
                await queue.put(item)
            await queue.put(_END)
        except BaseException as error:  # handed to the consumer, which raises it: it must never wait forever
            task = asyncio.current_task()
            if isinstance(error, asyncio.CancelledError) and task is not None and task.cancelling():
                raise  # the consumer cancelled the producer: it waits for nothing more
            await queue.put(_Failed(error))
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()

    producer = asyncio.create_task(produce())
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)
