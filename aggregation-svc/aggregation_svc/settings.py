"""aggregation-svc settings: the shared ones, with this service's name."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "aggregation"
    # How long the text of rejected rows is kept for the pushing agency to fix them: it may hold personal data,
    # and retention is the city's to set (A38.1).
    quarantine_retention_days: int = Field(default=90, ge=1)
    # Where backups made through the API are written (A31.1), relative to the working directory unless absolute
    # (by default the run folder, as the hub's other local state); the caller never chooses it. Dumps hold the
    # centre's personal data: point it at the backup volume.
    backup_dir: Path = Field(default=Path(".run/backups"), validation_alias="HUB_BACKUP_DIR")
