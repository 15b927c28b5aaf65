"""The sampled gauges every service has (hub.metrics_sampling): its outbox, its consumer group's lag and dead
letters, and its jobs; each sampler reads nothing where the service has none of these."""

from __future__ import annotations

from hub.metrics_jobs import JOBS_SAMPLER
from hub.metrics_kafka import CONSUMER_SAMPLER
from hub.metrics_outbox import OUTBOX_SAMPLER
from hub.metrics_sampling import Sampler

SHARED_SAMPLERS: tuple[Sampler, ...] = (OUTBOX_SAMPLER, CONSUMER_SAMPLER, JOBS_SAMPLER)
