"""Responses of the agency read model."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class KnownAgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    region_code: str
