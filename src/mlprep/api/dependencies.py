"""Typed dependencies: the services, the caller, and the permission an operation needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.errors import MissingCredentialsError
from mlprep.services import Services

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/authenticate")


def get_services(request: Request) -> Services:
    """The services built in the application's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_address(request: Request) -> str | None:
    """The caller's address, as the lockout policy and the audit trail record it."""
    return request.client.host if request.client else None


ClientAddress = Annotated[str | None, Depends(client_address)]


def authenticated(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller behind the bearer token. Raises AuthenticationError without a valid one."""
    if credentials is None:
        raise MissingCredentialsError(
            "This operation needs a bearer token: send 'Authorization: Bearer <token>' with a "
            "token from POST /api/v1/authenticate."
        )
    return services.authenticator.authenticate(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def requires(permission: Permission) -> Callable[[Principal, Services], Principal]:
    """A dependency that admits only callers holding `permission`."""

    def check(principal: CurrentPrincipal, services: ServicesDep) -> Principal:
        services.authenticator.require(principal, permission)
        return principal

    check.__name__ = f"requires_{permission.value}"
    return check
