"""The replica of open data: the records of open entries, fed by the centre's open-records changelog
(hub.contracts.open_records), from which open-svc serves the public so that no anonymous request reaches the big
data centre (A22.1, A24.1, A38.1).

`models` (the records and the follower's positions), `repository` (what the other parts read: an entry's rows in
key order with a cursor, counts, a digest; and the follower's writes), `service` (the follower, a lifespan part),
and `python -m open_svc.replica rebuild` (empty the replica and replay the topic from its start).
"""
