"""Responses of the agency read model."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from hub.contracts.vocabulary import AgencyKind


class KnownAgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    credit_code: str
    name: str
    kind: AgencyKind
    region_code: str
