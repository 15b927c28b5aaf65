"""catalog-svc's sampled gauges for /metrics (hub.metrics_sampling): change notices running and overdue, each due
15 working days after the change (A14.2)."""

from __future__ import annotations

from catalog_svc.deadlines.models import ChangeNotice
from hub.metrics_domain import deadlines
from hub.metrics_sampling import Sampler

SAMPLERS: tuple[Sampler, ...] = (deadlines("change_notice", ChangeNotice),)
