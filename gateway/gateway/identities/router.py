"""HTTP for identities: tokens, clients, portal accounts, API keys, the key ring."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, status

from gateway.access.dependencies import ContextDep, PrincipalDep
from gateway.identities import service
from gateway.identities.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ClientCreated,
    ClientIn,
    ClientOut,
    PortalAccountIn,
    SecretReplaced,
    TokenOut,
)
from hub.db import SessionDep
from hub.errors import BadRequest

router = APIRouter(tags=["identities"])
# Far past any hub's number of clients, and far inside PostgreSQL's bigint OFFSET: a larger one is a 422 (A28.1).
MAX_OFFSET = 1_000_000


@router.post("/auth/token", response_model=TokenOut)
async def issue_token(
    session: SessionDep,
    context: ContextDep,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
) -> TokenOut:
    """OAuth 2.0 token endpoint: `client_credentials` for systems and jobs, `password` for operators, agency people
    and portal users."""
    if grant_type == "client_credentials" and client_id and client_secret:
        login, secret = client_id, client_secret
    elif grant_type == "password" and username and password:
        login, secret = username, password
    else:
        raise BadRequest(
            "Send grant_type=client_credentials with client_id and client_secret, "
            "or grant_type=password with username and password.",
            error="invalid_request",
        )
    token, ttl = await service.issue_token(session, context.keyring, login, secret)
    return TokenOut(access_token=token, expires_in=ttl)


@router.get("/.well-known/jwks.json")
async def jwks(context: ContextDep) -> dict[str, Any]:
    """The public keys that verify the hub's access tokens."""
    return context.keyring.jwks()


@router.post("/admin/clients", status_code=status.HTTP_201_CREATED, response_model=ClientCreated)
async def register_client(body: ClientIn, session: SessionDep, principal: PrincipalDep) -> ClientCreated:
    """Register an agency system, ingest job, agency person or operator: a bureau administrator within its region
    (A4.1), an agency's administrator for its own agency only, granting no role above its own (A15.2). Agency
    clients are bound to an agency the catalogue registered."""
    client, secret = await service.register_client(session, principal, body)
    return ClientCreated.model_validate({**ClientOut.model_validate(client).model_dump(), "client_secret": secret})


@router.get("/admin/clients", response_model=list[ClientOut])
async def list_clients(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ClientOut]:
    """Clients of the operator's region and the regions inside it (A4.1); an agency's administrator, its agency's
    (A15.2)."""
    return [ClientOut.model_validate(c) for c in await service.list_clients(session, principal, limit, offset)]


@router.post("/admin/clients/{client_id}/secret", response_model=SecretReplaced)
async def replace_secret(
    client_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, context: ContextDep
) -> SecretReplaced:
    """A new secret for a system or job the caller administers (A4.1, A15.2); its old tokens stop working at once."""
    client, secret = await service.replace_secret(session, context.credentials, principal, client_id)
    return SecretReplaced(client_id=client.id, client_secret=secret, secret_version=client.secret_version)


@router.post("/admin/clients/{client_id}/revoke", response_model=ClientOut)
async def revoke_client(
    client_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, context: ContextDep
) -> ClientOut:
    """Revoke a client the caller administers (A4.1, A15.2): every replica refuses its tokens and keys within a
    second."""
    return ClientOut.model_validate(await service.revoke_client(session, context.credentials, principal, client_id))


@router.post("/admin/signing-keys/rotate")
async def rotate_signing_key(session: SessionDep, principal: PrincipalDep, context: ContextDep) -> dict[str, str]:
    """Sign new tokens with a new key; tokens signed by the old one stay valid until they expire (city only, A4.1)."""
    return {"kid": await service.rotate_signing_key(session, context.keyring, principal)}


@router.post("/portal/accounts", status_code=status.HTTP_201_CREATED, response_model=ClientOut)
async def register_portal_account(body: PortalAccountIn, session: SessionDep) -> ClientOut:
    """A citizen or company signs up on the open portal."""
    return ClientOut.model_validate(await service.register_portal_account(session, body))


@router.post("/portal/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyIn, session: SessionDep, principal: PrincipalDep) -> ApiKeyCreated:
    """A new API key for the signed-in portal user, shown once."""
    key, plaintext = await service.create_api_key(session, principal, body.name)
    return ApiKeyCreated(id=key.id, name=key.name, api_key=plaintext)


@router.delete("/portal/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(key_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, context: ContextDep) -> None:
    """Revoke one of the portal user's API keys."""
    await service.revoke_api_key(session, context.credentials, principal, key_id)
