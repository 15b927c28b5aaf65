"""FastAPI dependencies of the gateway's own routes: the caller the guard authenticated, the context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.context import GatewayContext
from gateway.identities.keyring import Principal


def current_principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def gateway_context(request: Request) -> GatewayContext:
    context: GatewayContext = request.app.state.gateway
    return context


PrincipalDep = Annotated[Principal, Depends(current_principal)]
ContextDep = Annotated[GatewayContext, Depends(gateway_context)]
