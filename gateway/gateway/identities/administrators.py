"""The administrators of the city's bureau, who administer the hub: the last one stays (A4.1), and the first
one, or a recovered one, is made outside the API, where nobody could authorise it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identities import repository
from gateway.identities.models import Client
from gateway.identities.rules import administers_city
from gateway.identities.secrets import hash_secret
from hub.errors import Conflict, InvalidInput
from hub.regions import is_city


async def keep_city_administered(session: AsyncSession, client: Client) -> None:
    """Refuse to take the administrator role from the city's last active administrator (A4.1)."""
    region = client.region_code
    if region is None or not administers_city(region, client.roles):
        return
    others = [a for a in await repository.lock_active_administrators(session, region) if a != client.id]
    if not others:
        raise Conflict(
            f"{client.login} is the last active administrator of {region}: the hub would be left "
            "without one. Make another administrator of the city first.",
            requirement="A4.1",
            rule="city-keeps-an-administrator",
        )


ADMINISTRATOR_ROLES = ("administrator", "inspector")


async def _administrator(login: str, password: str, region_code: str) -> Client:
    return Client(
        id=uuid.uuid4(), kind="operator", login=login, display_name=f"Administrator of {region_code}",
        secret_hash=await hash_secret(password), secret_version=1, roles=list(ADMINISTRATOR_ROLES),
        region_code=region_code, status="active", created_at=datetime.now(UTC),
    )  # fmt: skip


async def bootstrap_administrator(session: AsyncSession, login: str, password: str, region_code: str) -> Client | None:
    """The first administrator of a region, created outside the API (nobody could authorise it yet).

    Returns None when the login exists already, so running it on every start is harmless.
    """
    if await repository.client_by_login(session, login):
        return None
    client = await _administrator(login, password, region_code)
    session.add(client)
    await session.flush()
    return client


async def recover_city_administrator(
    session: AsyncSession, login: str, password: str, city: str, *, force: bool = False
) -> Client:
    """Give the city an administrator again, outside the API, when none can sign in (A4.1).

    Creates the login, or reactivates it (an operator's only) as an administrator of the city with the new
    password; tokens issued under its old password stay refused. Refused while the city has an active
    administrator, unless forced. Every gateway replica reloads the credentials when the transaction commits.
    """
    if not is_city(city):
        raise InvalidInput(f"{city} is not a city's code.", errors=[{"field": "region", "message": "e.g. 320200"}])
    active = await repository.lock_active_administrators(session, city)
    client = await repository.client_by_login(session, login)
    if active and not force:
        raise Conflict(f"{city} has {len(active)} active administrator(s); recover only with --force.")
    if client is None:
        client = await _administrator(login, password, city)
        session.add(client)
    elif client.kind != "operator":
        raise Conflict(f"{login} is a {client.kind}, not an operator: choose another login.")
    else:
        client.roles = sorted({*client.roles, *ADMINISTRATOR_ROLES})
        client.region_code = city
        client.status, client.revoked_at = "active", None
        client.secret_hash = await hash_secret(password)
        client.secret_version += 1
    await session.flush()
    await repository.announce_change(session)
    return client
