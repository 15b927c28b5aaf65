"""Request and response bodies of grants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from share_svc.grants.models import Grant
from share_svc.grants.rules import GrantStatus, grant_status


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


@dataclass(frozen=True)
class GrantFilters:
    """What a listing narrows to, beside the caller's scope (which a side narrows: `rules.listing_scope`)."""

    status: GrantStatus | None = None
    entry_id: uuid.UUID | None = None


class RevokeIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_not_blank)] = Field(
        description="Why the grant ends now: recorded with it and sent to the big data centre."
    )


class GrantOut(BaseModel):
    """What a consumer agency may obtain from the big data centre: these items of this entry, for this purpose,
    within this period (A21.1)."""

    id: uuid.UUID
    application_id: uuid.UUID
    entry_id: uuid.UUID
    entry_version: int = Field(
        description="The entry's version whose terms the grant holds (narrowed ones: the newest)."
    )
    consumer_agency_id: uuid.UUID
    provider_agency_id: uuid.UUID
    region_code: str
    items: list[str]
    purpose: str = Field(description="What every pull under the grant declares in x-hub-purpose (A21.1).")
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    narrowed_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    status: GrantStatus = Field(description="At the time of the answer: only a live grant delivers data.")

    @classmethod
    def of(cls, grant: Grant, now: datetime) -> GrantOut:
        """The grant as answered at `now`."""
        status = grant_status(grant.revoked_at, grant.valid_from, grant.valid_until, now)
        fields = {name: getattr(grant, name) for name in cls.model_fields if name != "status"}
        return cls(**fields, status=status)
