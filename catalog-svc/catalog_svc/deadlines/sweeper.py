"""Keeps change-notice deadlines current (A14.2): follows the working-day calendar (reloaded when the override
file changes, without restart), recomputes provisional due dates, announces due-soon and overdue notices once.
Safe on several replicas (rows are claimed SKIP LOCKED)."""

from __future__ import annotations

from catalog_svc.deadlines.service import CHANGE_NOTICES
from hub.deadlines import deadline_upkeep

overdue_sweeper = deadline_upkeep(CHANGE_NOTICES, name="change-notices")
