"""share-svc's sampled gauges for /metrics (hub.metrics_sampling): share applications by state, and the review
deadlines running and overdue (A20.2)."""

from __future__ import annotations

from hub.metrics_domain import APPLICATIONS, deadlines, rows_by_state
from hub.metrics_sampling import Sampler
from share_svc.applications.lifecycle import ApplicationState
from share_svc.applications.models import Application, Review

# `new` is the state before an application's first step, never stored.
STORED_STATES = [state for state in ApplicationState if state is not ApplicationState.new]

SAMPLERS: tuple[Sampler, ...] = (
    rows_by_state("applications", APPLICATIONS, Application.state, STORED_STATES),
    deadlines("share_review", Review),
)
