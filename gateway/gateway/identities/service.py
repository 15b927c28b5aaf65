"""Use cases of the identities domain. They take the session and never commit: the request does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.agencies import service as agencies
from gateway.agencies.models import KnownAgency
from gateway.identities import repository
from gateway.identities.administrators import keep_city_administered
from gateway.identities.keyring import KeyRing, Principal, RingKey, new_ring_key
from gateway.identities.models import ApiKey, Client, SigningKey
from gateway.identities.rules import (
    PASSWORD_KINDS,
    binding_problems,
    client_problems,
    grant_refusal,
    may_administer,
    may_manage_for_agency,
)
from gateway.identities.schemas import ClientIn, PortalAccountIn
from gateway.identities.secrets import hash_secret, new_secret, secret_matches
from gateway.identities.state import CredentialState
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from hub.regions import is_city
from hub.roles import OPERATOR_ROLES, Role

API_KEY_PREFIX = "pdh_"


def principal_of(client: Client, api_key_id: str | None = None) -> Principal:
    """The principal a client authenticates as."""
    return Principal(
        client_id=str(client.id),
        kind=client.kind,
        roles=frozenset(client.roles),
        agency_id=str(client.agency_id) if client.agency_id else None,
        region_code=client.region_code,
        secret_version=client.secret_version,
        api_key_id=api_key_id,
    )


async def issue_token(session: AsyncSession, keyring: KeyRing, login: str, secret: str) -> tuple[str, int]:
    """An access token for a client presenting its login and secret (client credentials or password grant)."""
    client = await repository.client_by_login(session, login)
    if not await secret_matches(client.secret_hash if client else None, secret) or client is None:
        raise Unauthorized("Unknown client or wrong secret.", error="invalid_client")
    if client.status != "active":
        raise Unauthorized("This client's credentials have been revoked.", error="invalid_client")
    return keyring.issue(principal_of(client))


async def _unique_login(session: AsyncSession, login: str) -> None:
    if await repository.client_by_login(session, login):
        raise Conflict(f"The login {login!r} is taken.")


def _agency_scope(actor: Principal) -> str | None:
    """The agency an agency's administrator manages (A15.2); None for the bureau's operators, who act in their
    region (A4.1). Anyone else administers nobody (fail closed, whatever the policy table lets through)."""
    if OPERATOR_ROLES.intersection(actor.roles):
        return None
    if Role.agency_admin in actor.roles and actor.agency_id is not None:
        return actor.agency_id
    raise Forbidden("Only an administrator of the bureau or of an agency administers clients.", requirement="A15.2")


async def register_client(session: AsyncSession, actor: Principal, data: ClientIn) -> tuple[Client, str | None]:
    """Register an agency system, ingest job, agency person or operator; systems and jobs get a generated secret,
    shown once, people sign in with their password.

    A bureau administrator registers within its region (A4.1); an agency's administrator registers its own
    agency's systems, jobs and people only, with no role above its own (A15.2).
    """
    refusal = grant_refusal(actor.roles, actor.agency_id, data.kind, data.roles, data.agency_id)
    if refusal is not None:
        raise Forbidden(f"The client cannot be registered: {refusal}.", requirement="A15.2")
    problems = client_problems(data.kind, data.roles, data.agency_id, data.region_code)
    if data.kind in PASSWORD_KINDS and not data.password:
        problems.append({"field": "password", "message": f"an {data.kind} signs in with a password"})
    if problems:
        raise InvalidInput("The client cannot be registered.", errors=problems)
    region = data.region_code
    if data.agency_id is not None:
        region = await _agency_region(session, actor, data.agency_id, data.region_code)
    if _agency_scope(actor) is None and not may_administer(actor.region_code, region):
        raise _outside(actor, region)
    await _unique_login(session, data.login)
    secret = data.password if data.kind in PASSWORD_KINDS else new_secret()
    assert secret is not None
    client = Client(
        id=uuid.uuid4(),
        kind=data.kind,
        login=data.login,
        display_name=data.display_name,
        secret_hash=await hash_secret(secret),
        secret_version=1,
        roles=sorted(set(data.roles)),
        agency_id=data.agency_id,
        region_code=region,
        status="active",
        created_at=datetime.now(UTC),
    )
    session.add(client)
    await session.flush()
    return client, None if data.kind in PASSWORD_KINDS else secret


async def register_portal_account(session: AsyncSession, data: PortalAccountIn) -> Client:
    """A citizen or company signs up on the open portal."""
    await _unique_login(session, data.login)
    client = Client(
        id=uuid.uuid4(),
        kind="portal_user",
        login=data.login,
        display_name=data.display_name,
        secret_hash=await hash_secret(data.password),
        secret_version=1,
        roles=["portal_user"],
        status="active",
        created_at=datetime.now(UTC),
    )
    session.add(client)
    await session.flush()
    return client


def _outside(actor: Principal, region: str | None) -> Forbidden:
    return Forbidden(f"An administrator of {actor.region_code} cannot register clients of {region}.",
                     requirement="A4.1")  # fmt: skip


async def _agency_region(
    session: AsyncSession, actor: Principal, agency_id: uuid.UUID, declared_region: str | None
) -> str:
    """The region of a client bound to an agency: the agency's, as the catalogue announced it, if it lies within
    the bureau administrator's region (A4.1, A15.2). An agency's administrator binds to its own agency only,
    wherever the catalogue has since filed it (checked before)."""
    agency = await agencies.known_agency(session, agency_id)
    region = agency.region_code if agency else None
    bureau = _agency_scope(actor) is None
    if region is not None and bureau and not may_administer(actor.region_code, region):
        raise _outside(actor, region)
    problems = binding_problems(agency_id, region, declared_region)
    if problems or region is None:
        raise InvalidInput("The client cannot be bound to this agency.", errors=problems)
    return region


async def _administered_client(
    session: AsyncSession, actor: Principal, client_id: uuid.UUID
) -> tuple[Client, KnownAgency | None]:
    """A client the actor administers, with the agency it is bound to if the gateway knows it.

    An agency's administrator administers the clients of its own agency only (A15.2). A bureau administrator
    administers a client bound to an agency in the agency's region (A4.1), whatever region it was stored with:
    clients bound before the gateway checked bindings may name another.
    """
    client = await repository.client_by_id(session, client_id)
    if client is None:
        raise NotFound(f"No client {client_id}.")
    agency = await agencies.known_agency(session, client.agency_id) if client.agency_id else None
    own_agency = _agency_scope(actor)
    if own_agency is not None:
        if not may_manage_for_agency(own_agency, client.agency_id):
            raise Forbidden(f"Client {client_id} is not of agency {own_agency}.", requirement="A15.2")
        return client, agency
    region = agency.region_code if agency else client.region_code
    if not may_administer(actor.region_code, region):
        raise Forbidden(f"Client {client_id} is outside region {actor.region_code}.", requirement="A4.1")
    return client, agency


async def list_clients(session: AsyncSession, actor: Principal, limit: int, offset: int) -> Sequence[Client]:
    """A page of the clients the actor administers: its agency's for an agency's administrator (A15.2), its
    region's for the bureau (A4.1), filtered by the database so every page is full.

    The regions are few, so the one region rule (hub.regions) picks them here rather than being restated in SQL.
    """
    own_agency = _agency_scope(actor)
    if own_agency is not None:
        return await repository.clients_of_agency(session, uuid.UUID(own_agency), limit, offset)
    regions = {r for r in await repository.scope_regions(session) if may_administer(actor.region_code, r)}
    return await repository.clients_of_regions(session, regions, limit, offset) if regions else []


async def replace_secret(
    session: AsyncSession, state: CredentialState, actor: Principal, client_id: uuid.UUID
) -> tuple[Client, str]:
    """A new secret for a system; tokens issued under the old one stop working at once.

    A system bound to an agency the catalogue never registered gets no new credential (A15.2): it can only be
    revoked.
    """
    client, agency = await _administered_client(session, actor, client_id)
    if client.kind not in ("agency_system", "ingest_job"):
        raise Conflict("Only agency systems and ingest jobs have generated secrets.")
    if client.agency_id is not None and agency is None:
        raise Conflict(
            f"Client {client_id} is bound to agency {client.agency_id}, which the catalogue never registered: "
            "revoke it and register one bound to a registered agency.",
            errors=[{"field": "agency_id", "message": "not registered in the catalogue (A2.1, A15.2)"}],
        )
    secret = new_secret()
    client.secret_hash = await hash_secret(secret)
    client.secret_version += 1
    await session.flush()
    await repository.announce_change(session)
    state.supersede_secret(str(client.id), client.secret_version)
    return client, secret


async def revoke_client(
    session: AsyncSession, state: CredentialState, actor: Principal, client_id: uuid.UUID
) -> Client:
    """Revoke every credential of a client: its tokens and API keys are refused from now on.

    Any client the actor administers can be revoked, even one bound to an agency the gateway does not know: that
    is how such a client is got rid of. The city's last active administrator cannot (A4.1).
    """
    client, _ = await _administered_client(session, actor, client_id)
    if client.status == "active":
        await keep_city_administered(session, client)
    client.status = "revoked"
    client.revoked_at = datetime.now(UTC)
    await session.flush()
    await repository.announce_change(session)
    # This replica refuses at once; the others on the notification, when the transaction commits.
    state.revoke_client(str(client.id))
    return client


async def create_api_key(session: AsyncSession, principal: Principal, name: str) -> tuple[ApiKey, str]:
    """A new API key for a portal user; the plaintext is returned once."""
    secret = new_secret()
    key = ApiKey(id=uuid.uuid4(), client_id=uuid.UUID(principal.client_id), name=name,
                 secret_hash=await hash_secret(secret), created_at=datetime.now(UTC))  # fmt: skip
    session.add(key)
    await session.flush()
    return key, f"{API_KEY_PREFIX}{key.id.hex}.{secret}"


async def revoke_api_key(
    session: AsyncSession, state: CredentialState, principal: Principal, key_id: uuid.UUID
) -> None:
    """Revoke one of the caller's API keys."""
    key = await repository.api_key(session, key_id)
    if key is None or str(key.client_id) != principal.client_id:
        raise NotFound(f"No API key {key_id} of yours.")
    key.revoked_at = datetime.now(UTC)
    await session.flush()
    await repository.announce_change(session)
    state.revoke_api_key(str(key.id))


async def authenticate_api_key(
    sessionmaker: async_sessionmaker[AsyncSession], state: CredentialState, raw: str
) -> Principal:
    """The principal of an API key `pdh_<id>.<secret>`; argon2 runs on first use, then a digest is compared."""
    try:
        key_hex, secret = raw.removeprefix(API_KEY_PREFIX).split(".", 1)
        key_id = str(uuid.UUID(hex=key_hex))
    except ValueError as exc:
        raise Unauthorized("Malformed API key.") from exc
    cached = state.cached_api_key(key_id, secret)
    if cached is not None:
        return state.check(cached)
    async with sessionmaker() as session:
        found = await repository.api_key_with_client(session, uuid.UUID(key_id))
    if found is None or not await secret_matches(found[0].secret_hash, secret):
        raise Unauthorized("Unknown API key.")
    key, client = found
    if key.revoked_at is not None or client.status != "active":
        raise Unauthorized("This API key has been revoked.")
    principal = principal_of(client, api_key_id=key_id)
    state.remember_api_key(key_id, secret, principal)
    return state.check(principal)


def _ring_key(key: SigningKey) -> RingKey:
    return RingKey(key.kid, key.private_pem, key.public_pem, key.created_at, key.retired_at)


async def load_key_ring(session: AsyncSession, keyring: KeyRing) -> None:
    """Load the ring from the database, creating its first key if there is none."""
    keys = list(await repository.signing_keys(session))
    if not any(k.retired_at is None for k in keys):
        await repository.lock_key_ring(session)
        keys = list(await repository.signing_keys(session))
        if not any(k.retired_at is None for k in keys):
            fresh = new_ring_key()
            key = SigningKey(kid=fresh.kid, private_pem=fresh.private_pem, public_pem=fresh.public_pem,
                             created_at=fresh.created_at)  # fmt: skip
            session.add(key)
            await session.flush()
            keys.append(key)
    keyring.load([_ring_key(k) for k in keys])


async def rotate_signing_key(session: AsyncSession, keyring: KeyRing, actor: Principal) -> str:
    """Start signing with a new key; the old one verifies its tokens until they expire. Returns the new kid.

    The key ring serves the whole hub, so only the city's bureau rotates it (A4.1).
    """
    if not actor.region_code or not is_city(actor.region_code):
        raise Forbidden(f"Only a city's administrator rotates the hub's signing key, not one of {actor.region_code}.",
                        requirement="A4.1")  # fmt: skip
    await repository.lock_key_ring(session)
    now = datetime.now(UTC)
    for key in await repository.signing_keys(session):
        if key.retired_at is None:
            key.retired_at = now
    fresh = new_ring_key()
    session.add(SigningKey(kid=fresh.kid, private_pem=fresh.private_pem, public_pem=fresh.public_pem, created_at=now))
    await session.flush()
    await repository.announce_change(session)
    keyring.load([_ring_key(k) for k in await repository.signing_keys(session)])
    return fresh.kid


async def load_credentials(session: AsyncSession, state: CredentialState) -> None:
    """Refresh the in-memory revocations from the database."""
    state.replace(*await repository.superseded_credentials(session))
