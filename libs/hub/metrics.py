"""Prometheus metrics of the shared machinery, counted as things happen; every series is labelled with the service
that counts it (the gateway's audit and security series excepted: only the gateway counts them).

Requests are timed per route template, never the raw path (hub.probes.HttpMetricsMiddleware), with their status, so
rates, latencies and errors show per route. Figures that take a query to know (backlogs, lag, jobs, applications,
deadlines) are gauges sampled in the background instead: hub.metrics_sampling.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Histogram(
    "hub_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route", "status"],
)
OUTBOX_PUBLISHED = Counter("hub_outbox_published_total", "Events published from the outbox.", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "hub_outbox_publish_failures_total", "Attempts to publish the outbox that failed.", ["service"]
)
OUTBOX_ALREADY_PUBLISHED = Counter(
    "hub_outbox_already_published_total",
    "Outbox rows found on their topic after a takeover or a failed publish, deleted instead of published again.",
    ["service"],
)
OUTBOX_DEAD_LETTERED = Counter(
    "hub_outbox_dead_lettered_total",
    "Events the broker refused for good, moved from the outbox to outbox_dead_letters.",
    ["service", "topic"],
)
EVENTS_CONSUMED = Counter("hub_events_consumed_total", "Events consumed, by outcome.", ["service", "topic", "outcome"])
EVENTS_DEAD_LETTERED = Counter(
    "hub_events_dead_lettered_total", "Events sent to a dead-letter topic.", ["service", "topic"]
)
AUDIT_RECORDS = Counter("hub_audit_records_total", "Records appended to the gateway's audit chain.")
AUDIT_RECORDS_PUBLISHED = Counter(
    "hub_audit_records_published_total",
    "Audit records published on gateway.audit, the chain's copy outside the gateway's database (A36.1).",
)
SECURITY_EVENTS = Counter("hub_security_events_total", "Security events at the gateway (A28.1).", ["event"])
BACKGROUND_FAILURES = Counter(
    "hub_background_failures_total", "Failures of a service's background work (each is retried).", ["task"]
)
