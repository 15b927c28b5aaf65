"""CKAN's errors, as its Action API answers them (ckan/views/api.py, `action`): the body `{help, success: false,
error}` with `error.__type` naming the kind, and the kind's status.

| kind | status | `error` |
|---|---|---|
| Not Found Error | 404 | `{__type, message: "Not found: …"}` |
| Authorization Error | 403 | `{__type, message: "Access denied: …"}` |
| Validation Error | 409 | `{__type, <field>: [messages …]}` (or `message` when no field is at fault) |
| Search Query Error | 400 | `{__type, message: "Search Query is invalid: …"}` |
| Search Error | 409 | `{__type, message: "Search error: …"}` |

An unknown action or a body that is no JSON object is CKAN's "bad request": 400 with a JSON string as the whole
body, no envelope (`_finish_bad_request`).
"""

from __future__ import annotations

from typing import Any


class CkanError(Exception):
    """An error an action answers in CKAN's envelope."""

    status = 500
    kind = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def error(self) -> dict[str, Any]:
        """The envelope's `error` member."""
        return {"__type": self.kind, "message": self.message}


class NotFound(CkanError):
    status, kind = 404, "Not Found Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Not found: {self.message}" if self.message else "Not found"}


class NotAuthorized(CkanError):
    status, kind = 403, "Authorization Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Access denied: {self.message}" if self.message else "Access denied"}


class ValidationError(CkanError):
    """Parameters an action refuses, each field with its messages (CKAN's `error_dict`)."""

    status, kind = 409, "Validation Error"

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        super().__init__(str(errors))
        self.errors: dict[str, Any] = errors if isinstance(errors, dict) else {"message": errors}

    def error(self) -> dict[str, Any]:
        return {**self.errors, "__type": self.kind}


class SearchQueryError(CkanError):
    status, kind = 400, "Search Query Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Search Query is invalid: {(self.message,)!r}"}


class SearchError(CkanError):
    status, kind = 409, "Search Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Search error: {(self.message,)!r}"}


class BadRequest(Exception):
    """CKAN's "Bad request: …" answer (400, a JSON string): an unknown action, a body that is no JSON object."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = f"Bad request: {message}"
