"""What stops a job: a file that cannot be read, a refusal by the hub, a hub that stays unavailable."""

from __future__ import annotations

from typing import Any


class SourceError(Exception):
    """The file cannot be read on at all: nothing of it should be sent."""


class HubError(Exception):
    """The hub did not do what was asked; `problem` is its RFC 9457 answer when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, problem: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class HubRefused(HubError):
    """The hub answered with a refusal (4xx, or a 5xx that is not worth retrying): retrying will not help."""


class HubUnavailable(HubError):
    """The hub stayed unavailable (429, 503, network errors) through every retry the policy allows."""


class ResumeError(Exception):
    """A job's saved state does not fit this run: resuming would push the file cut differently."""
