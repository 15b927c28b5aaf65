"""Every query of the identities domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identities.models import ApiKey, Client, SigningKey

CHANNEL = "gateway_identities"


async def client_by_login(session: AsyncSession, login: str) -> Client | None:
    return (await session.execute(select(Client).where(Client.login == login))).scalar_one_or_none()


async def client_by_id(session: AsyncSession, client_id: uuid.UUID) -> Client | None:
    return await session.get(Client, client_id)


async def clients(session: AsyncSession, limit: int, offset: int) -> Sequence[Client]:
    query = select(Client).order_by(Client.created_at, Client.id).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


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
