"""The open-records changelog: the centre writes the records of open entries, and only those, to the compacted topic
`aggregation.open-records` after each committed batch, so that open-svc serves the public from a replica of its
own and the public never reaches the centre (A22.1, A24.1, A38.1). The topic's shape: hub.contracts.open_records.

Why a table of pending work, and not a relay following the records' history by id. Both were weighed:

* Following `record_history` by id with a stored position costs the ingest nothing, since the history is written
  anyway; but ids are taken when rows are inserted and become visible when their transaction commits, in another
  order (batches of different entries run side by side, and a consent's withdrawals are logged beside them). A
  position moved past id 900 while the transaction holding id 850 is still open skips id 850 for ever: a lost
  change. Closing that gap needs the in-flight transactions' ids, an index on the history's id (written per row,
  at a price on every batch) and a separate path for what the history does not hold: an entry becoming open or
  not open.
* A pending row written in the batch's own transaction commits with the batch or not at all, and a relay claiming
  rows `FOR UPDATE SKIP LOCKED` sees exactly the committed ones, whatever order they commit in, as the outbox
  does (hub.outbox). One row per chunk of up to 5,000 records (`ingest.service.CHUNK_ROWS`), carrying the keys the
  chunk changed as one array, is one small INSERT beside the chunk's COPYs; batches of entries that are not open
  write none (the entry is held for the whole batch, so it cannot become open meanwhile; when it does later, one
  row for the whole entry publishes all it holds). `bench/aggregation_ingest.py --open-entry` measures the price.

What the relay publishes is always the committed state as it reads it, never what a batch wrote: for each noted key
the record's data if its entry is open now and the record does not rest on a subject's consent (given for
collection, never for publication, A16.1), a tombstone where it may have been published before (the record came
to rest on a consent, or is gone; every record of an entry that closed), and nothing of a record never publishable,
not even its key (see `repository`). So the order in which pending rows are processed does not matter: a change
commits with its pending row, which is processed after the commit, by a read that sees it; the last message of
every key is therefore its last committed state. Nothing uncommitted is read, and a pending row leaves the table
only in the transaction that published it, after Kafka acknowledged every message (at least once: a relay that
dies in between publishes the same state again, which a state topic absorbs). One relay per database publishes at
a time (an advisory lock, elected among replicas as the outbox relay is).

The pieces: `models` (the pending rows), `repository` (their queries and what a key or an entry publishes),
`service` (the hooks: a chunk stored, an entry becoming open or not), `relay` (the publisher), and
`python -m aggregation_svc.changelog republish` (every open entry again: after a restore, or a lost topic).
"""
