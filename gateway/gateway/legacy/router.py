"""HTTP for the legacy-channel register (A12.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, status

from gateway.access.dependencies import PrincipalDep
from gateway.legacy import service
from gateway.legacy.models import LegacyChannel
from gateway.legacy.rules import is_overdue
from gateway.legacy.schemas import LegacyChannelChange, LegacyChannelIn, LegacyChannelOut, LegacyIndicator
from hub.db import SessionDep

router = APIRouter(prefix="/admin/legacy-channels", tags=["legacy channels"])


def _out(channel: LegacyChannel) -> LegacyChannelOut:
    out = LegacyChannelOut.model_validate(channel)
    out.overdue = is_overdue(channel.status, channel.deadline, datetime.now(UTC).date())
    return out


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LegacyChannelOut)
async def register_channel(body: LegacyChannelIn, session: SessionDep, principal: PrincipalDep) -> LegacyChannelOut:
    """Register an agency's existing point-to-point channel with its integration deadline."""
    return _out(await service.register_channel(session, principal, body))


@router.get("", response_model=list[LegacyChannelOut])
async def list_channels(session: SessionDep, principal: PrincipalDep) -> list[LegacyChannelOut]:
    """The channels of the operator's region, earliest deadline first."""
    return [_out(c) for c in await service.channels_in(session, principal.region_code or "")]


@router.get("/indicator", response_model=LegacyIndicator)
async def legacy_indicator(session: SessionDep, principal: PrincipalDep) -> LegacyIndicator:
    """How many channels remain to be integrated, and how many are overdue."""
    region = principal.region_code or ""
    channels = await service.channels_in(session, region)
    return service.indicator(channels, region, datetime.now(UTC).date())


@router.patch("/{channel_id}", response_model=LegacyChannelOut)
async def change_channel(
    channel_id: uuid.UUID, body: LegacyChannelChange, session: SessionDep, principal: PrincipalDep
) -> LegacyChannelOut:
    """Move a channel along its lifecycle."""
    return _out(await service.change_channel(session, principal, channel_id, body))
