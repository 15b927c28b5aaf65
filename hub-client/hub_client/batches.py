"""A file cut into batches of a fixed number of records, each under an id that is the same on every run.

A batch's id is the SHA-256 of the entry, the push mode, the file's own SHA-256, the batch size and the batch's
number. The big data centre stores a batch id once and answers a repeat with the first result (200, `replayed`),
so a job that stopped anywhere (killed, network gone, an answer lost) and is run again on the same file pushes
the same batches under the same ids, and a batch the centre had already stored has no second effect (A17.1). A file
changed in any byte is another file, with other ids: pushing it is a new push, never mistaken for a replay (which
the centre would refuse, 409, as other content under a known id).

At most two batches are held at a time (the one being pushed and the next one, read meanwhile), each in pieces, with
no object per record: memory stays flat whatever the file's size.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub_client.readers import Source, SourceRecord

READ_BYTES = 1024 * 1024
# Records joined into one piece of a batch's body. A body joined whole is one buffer of megabytes; the C allocator
# keeps such freed buffers mapped, so the client's memory grew with the file's size (bench/README.md). Pieces of a
# few hundred kilobytes are reused from batch to batch.
PIECE_RECORDS = 1000
# Names how this client writes a batch's body. A change that writes the same records differently must change it:
# else a job resumed by the new version would send other content under an id the centre knows (409 Conflict).
ID_SCHEME = "hub-client/1"


@dataclass(frozen=True)
class FileFacts:
    """A file's SHA-256, size and count of line breaks (to estimate its records before reading them)."""

    sha256: str
    size: int
    line_breaks: int


def file_facts(path: Path) -> FileFacts:
    """The file's digest and size, read once in pieces."""
    digest = hashlib.sha256()
    size = line_breaks = 0
    with path.open("rb") as file:
        while piece := file.read(READ_BYTES):
            digest.update(piece)
            size += len(piece)
            line_breaks += piece.count(b"\n")
    return FileFacts(digest.hexdigest(), size, line_breaks)


@dataclass(frozen=True)
class JobIdentity:
    """What makes a push the same push: the entry, the mode, the file's content and how it is cut."""

    entry_id: str
    mode: str
    file_sha256: str
    batch_size: int

    def batch_id(self, number: int) -> str:
        """The id of the batch at position `number` (from 1): 64 hex digits, within the centre's pattern."""
        text = f"{ID_SCHEME}\n{self.entry_id}\n{self.mode}\n{self.file_sha256}\n{self.batch_size}\n{number}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Batch:
    """One batch: its records sent as one body, and those the client keeps back with their problem."""

    number: int
    batch_id: str
    # The file line of each row sent, in order: the centre numbers a batch's rows from 1, so its row r is lines[r-1].
    lines: tuple[int, ...]
    # The body in pieces of PIECE_RECORDS records, sent one after another: a batch is never one large buffer.
    pieces: tuple[bytes, ...]
    rejected: tuple[SourceRecord, ...]

    @property
    def records(self) -> int:
        """The file's records in this batch, sent or not."""
        return len(self.lines) + len(self.rejected)

    @property
    def size(self) -> int:
        """The body's length in bytes."""
        return sum(map(len, self.pieces))

    def line_of(self, row: int) -> int | None:
        """The file line of the centre's row `row` of this batch."""
        return self.lines[row - 1] if 1 <= row <= len(self.lines) else None


def batches(source: Source, identity: JobIdentity) -> Iterator[Batch]:
    """The file's records, `identity.batch_size` a batch (the last one smaller), each CSV batch under the header."""
    size = identity.batch_size
    if size < 1:
        raise ValueError("a batch holds at least one record")
    number = 0
    pieces, payloads, lines, rejected = [source.header], list[bytes](), list[int](), list[SourceRecord]()
    for record in source.records:
        if record.problem is None:
            payloads.append(record.payload)
            lines.append(record.line)
            if len(payloads) == PIECE_RECORDS:
                pieces.append(b"".join(payloads))
                payloads = []
        else:
            rejected.append(record)
        if len(lines) + len(rejected) == size:
            number += 1
            pieces.append(b"".join(payloads))
            yield Batch(number, identity.batch_id(number), tuple(lines), tuple(pieces), tuple(rejected))
            pieces, payloads, lines, rejected = [source.header], [], [], []
    if lines or rejected:
        number += 1
        pieces.append(b"".join(payloads))
        yield Batch(number, identity.batch_id(number), tuple(lines), tuple(pieces), tuple(rejected))


class _Failed:
    """What ended the reading thread with an error, to be raised where the batches are used."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


@contextmanager
def read_ahead(items: Iterator[Batch]) -> Iterator[Iterator[Batch]]:
    """The batches, the next one read from the file in a thread while the caller pushes the current one.

    The centre takes one entry's batches one at a time, so a job cannot gain by pushing two at once; but reading
    and cutting the next batch need not wait for the centre's answer to this one. The thread starts on a batch only
    when the caller has taken the one before it, so two batches are held at most; it is stopped and joined on exit,
    before the file it reads is closed.
    """
    # One item in the hands of the thread or the queue at a time: the queue never holds two, and a put never waits.
    ready: queue.Queue[object] = queue.Queue()
    wanted = threading.Semaphore(1)
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                if not wanted.acquire(timeout=0.1):
                    continue
                item = next(items, _END)
                ready.put(item)
                if item is _END:
                    return
                del item  # the caller's now: once it is pushed, nothing here keeps it
        except BaseException as error:  # raised again in the caller's thread
            ready.put(_Failed(error))

    def taken() -> Iterator[Batch]:
        while (item := ready.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            assert isinstance(item, Batch)
            wanted.release()
            yield item

    reader = threading.Thread(target=read, name="hub-client-read-ahead", daemon=True)
    reader.start()
    try:
        yield taken()
    finally:
        stop.set()
        reader.join()
