"""Every query of the identities domain."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, any_, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.agencies.models import KnownAgency
from gateway.identities.models import ApiKey, Client, SigningKey

CHANNEL = "gateway_identities"


async def client_by_login(session: AsyncSession, login: str) -> Client | None:
    return (await session.execute(select(Client).where(Client.login == login))).scalar_one_or_none()


async def client_by_id(session: AsyncSession, client_id: uuid.UUID) -> Client | None:
    return await session.get(Client, client_id)


def _scope_region() -> ColumnElement[str | None]:
    # A client bound to an agency belongs to the agency's region as the catalogue announced it; the region stored
    # with the client counts only for the others (and for a client bound to an agency the gateway never learned).
    return func.coalesce(KnownAgency.region_code, Client.region_code)


async def scope_regions(session: AsyncSession) -> set[str | None]:
    """Every region some client belongs to (None: the open portal's users, who belong to none)."""
    query = select(_scope_region()).select_from(Client).outerjoin(KnownAgency, KnownAgency.id == Client.agency_id)
    return set((await session.execute(query.distinct())).scalars())


async def clients_of_regions(
    session: AsyncSession, regions: Collection[str | None], limit: int, offset: int
) -> Sequence[Client]:
    """A page of the clients belonging to the regions, oldest first."""
    scope = _scope_region()
    named = [r for r in regions if r is not None]
    wanted = or_(scope.in_(named), scope.is_(None)) if None in regions else scope.in_(named)
    query = (
        select(Client)
        .outerjoin(KnownAgency, KnownAgency.id == Client.agency_id)
        .where(wanted)
        .order_by(Client.created_at, Client.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(query)).scalars().all()


async def clients_of_agency(session: AsyncSession, agency_id: uuid.UUID, limit: int, offset: int) -> Sequence[Client]:
    """A page of the clients bound to one agency, oldest first."""
    query = (
        select(Client)
        .where(Client.agency_id == agency_id)
        .order_by(Client.created_at, Client.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(query)).scalars().all()


async def lock_active_administrators(session: AsyncSession, region_code: str) -> list[uuid.UUID]:
    """The active administrators of a region, locked until the transaction ends: two administrators revoking
    each other at once are serialised, and the second sees the first's change."""
    query = (
        select(Client.id)
        .where(
            Client.region_code == region_code, Client.status == "active", literal("administrator") == any_(Client.roles)
        )
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def api_key_with_client(session: AsyncSession, key_id: uuid.UUID) -> tuple[ApiKey, Client] | None:
    row = (await session.execute(select(ApiKey, Client).join(Client).where(ApiKey.id == key_id))).first()
    return (row[0], row[1]) if row else None


async def api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def signing_keys(session: AsyncSession) -> Sequence[SigningKey]:
    return (await session.execute(select(SigningKey))).scalars().all()


async def superseded_credentials(session: AsyncSession) -> tuple[set[str], dict[str, int], set[str]]:
    """Revoked clients, clients whose secret was replaced (with the current version), revoked API keys."""
    revoked: set[str] = set()
    versions: dict[str, int] = {}
    for client_id, status, version in await session.execute(
        select(Client.id, Client.status, Client.secret_version).where(
            (Client.status != "active") | (Client.secret_version > 1)
        )
    ):
        if status != "active":
            revoked.add(str(client_id))
        versions[str(client_id)] = version
    keys = {str(k) for k in (await session.execute(select(ApiKey.id).where(ApiKey.revoked_at.is_not(None)))).scalars()}
    return revoked, versions, keys


async def announce_change(session: AsyncSession) -> None:
    """Tell every gateway replica, on commit, to reload credentials and keys."""
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


async def lock_key_ring(session: AsyncSession) -> None:
    """Serialise key-ring changes between replicas for the rest of the transaction."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.signing_keys'))"))
