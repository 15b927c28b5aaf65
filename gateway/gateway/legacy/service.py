"""Use cases of the legacy-channel register.

Every change of the register is stated on `gateway.audit` (LegacyChannelStated) through the outbox, in the change's
transaction: a change that is refused, or does not commit, states nothing; one that commits is published once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.agencies import service as agencies
from gateway.audit.writer import SOURCE
from gateway.identities.keyring import Principal
from gateway.identities.rules import binding_problems
from gateway.legacy.models import LegacyChannel
from gateway.legacy.rules import REMAINING, ChannelStatus, is_overdue, next_status
from gateway.legacy.schemas import LegacyChannelChange, LegacyChannelIn, LegacyIndicator
from hub.contracts.gateway import LegacyChannelStated
from hub.errors import Forbidden, InvalidInput, NotFound
from hub.outbox import record_event
from hub.regions import region_contains


def _check_region(actor: Principal, region_code: str) -> None:
    if not actor.region_code or not region_contains(actor.region_code, region_code):
        raise Forbidden(f"Region {region_code} is outside {actor.region_code}.", requirement="A4.1")


async def register_channel(session: AsyncSession, actor: Principal, data: LegacyChannelIn) -> LegacyChannel:
    """Put an existing point-to-point channel on the register, with its integration deadline (A12.1).

    The channel is the agency's, so it is registered in the agency's region, as the catalogue announced it, and only
    by an administrator of that region (A4.1): the body's region must be the agency's.
    """
    agency = await agencies.known_agency(session, data.agency_id)
    agency_region = agency.region_code if agency else None
    if agency_region is not None:
        _check_region(actor, agency_region)
    problems = binding_problems(data.agency_id, agency_region, data.region_code)
    if problems:
        raise InvalidInput("The channel cannot be registered for this agency.", errors=problems)
    _check_region(actor, data.region_code)
    channel = LegacyChannel(
        id=uuid.uuid4(), status="registered", registered_by=actor.client_id, registered_at=datetime.now(UTC),
        **data.model_dump(),
    )  # fmt: skip
    session.add(channel)
    await session.flush()
    await _state(session, channel)
    return channel


async def change_channel(
    session: AsyncSession, actor: Principal, channel_id: uuid.UUID, change: LegacyChannelChange
) -> LegacyChannel:
    """Move a channel along its lifecycle (registered → integrating → integrated, or retired)."""
    channel = await session.get(LegacyChannel, channel_id, with_for_update=True)
    if channel is None:
        raise NotFound(f"No legacy channel {channel_id}.")
    _check_region(actor, channel.region_code)
    channel.status = next_status(channel.status, change.status)
    if channel.status == "integrated":
        channel.integrated_at = datetime.now(UTC)
    if change.note is not None:
        channel.note = change.note
    await session.flush()
    await _state(session, channel)
    return channel


async def _state(session: AsyncSession, channel: LegacyChannel) -> None:
    """Publish the channel as it now stands with the change (A12.1): its status says whether it still remains to be
    integrated (registered, integrating) or is closed (integrated, retired)."""
    stated = LegacyChannelStated(
        channel_id=str(channel.id), agency_id=str(channel.agency_id), region_code=channel.region_code,
        name=channel.name, status=str(channel.status), stated_at=datetime.now(UTC),
    )  # fmt: skip
    await record_event(session, stated, source=SOURCE)


async def channels_in(session: AsyncSession, region_code: str) -> Sequence[LegacyChannel]:
    """Every registered channel of a region and the regions inside it."""
    rows = (await session.execute(select(LegacyChannel).order_by(LegacyChannel.deadline))).scalars().all()
    return [c for c in rows if region_contains(region_code, c.region_code)]


def indicator(channels: Sequence[LegacyChannel], region_code: str, today: date) -> LegacyIndicator:
    """Counts by status, how many remain to be integrated, and how many of those are past their deadline."""
    by_status = {str(status): 0 for status in ChannelStatus}
    for channel in channels:
        by_status[channel.status] += 1
    return LegacyIndicator(
        region_code=region_code,
        total=len(channels),
        remaining=sum(by_status[s] for s in REMAINING),
        overdue=sum(is_overdue(c.status, c.deadline, today) for c in channels),
        by_status=by_status,
    )
