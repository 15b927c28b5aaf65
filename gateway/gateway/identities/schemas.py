"""Request and response bodies of the identities domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class ClientIn(BaseModel):
    """A client to register: an agency system or ingest job (a secret is generated), an agency person (an officer
    or the agency's administrator) or a bureau operator (both sign in with a password)."""

    kind: Literal["agency_system", "ingest_job", "agency_person", "operator"]
    login: str = Field(min_length=3, max_length=200, pattern=r"^[A-Za-z0-9._@-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[Annotated[str, Field(max_length=40)]] = Field(
        max_length=10,
        description="agency_system, ingest_job, agency_officer and agency_admin for an agency's clients (the only "
        "ones an agency's administrator grants, for its own agency); reviewer, administrator, inspector for operators.",
    )
    agency_id: uuid.UUID | None = Field(
        default=None,
        description="Systems, jobs and agency people: an agency registered in the catalogue, in the caller's region "
        "(an agency's administrator: its own agency).",
    )
    region_code: str | None = Field(
        default=None,
        max_length=12,
        description="Operators: their region. Agency clients: their agency's, if given.",
    )
    password: str | None = Field(
        default=None, min_length=12, max_length=200, description="Operators and agency people only."
    )


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    login: str
    display_name: str
    roles: list[str]
    agency_id: uuid.UUID | None
    region_code: str | None
    status: str
    secret_version: int
    created_at: datetime


class ClientCreated(ClientOut):
    client_secret: str | None = Field(description="Shown once; only its hash is kept.")


class SecretReplaced(BaseModel):
    client_id: uuid.UUID
    client_secret: str
    secret_version: int


class TokenOut(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the RFC's token type, not a secret
    expires_in: int


class PortalAccountIn(BaseModel):
    login: str = Field(min_length=3, max_length=200, pattern=r"^[A-Za-z0-9._@+-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=200)


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class ApiKeyCreated(BaseModel):
    id: uuid.UUID
    name: str
    api_key: str = Field(description="Shown once; send it as X-API-Key.")
