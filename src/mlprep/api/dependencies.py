"""Typed dependencies: the services, the caller, and the permission an operation needs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPBearer
from starlette.requests import HTTPConnection

from mlprep.auth.authentication import Authenticator
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.errors import MissingCredentialsError
from mlprep.services import Services


class BearerToken(HTTPBearer):
    """The bearer token of the Authorization header, as a string (None without one).

    FastAPI's HTTPBearer wraps it in a pydantic model on every request; the token alone is all
    that is needed. Being an HTTPBearer still, it declares the security scheme in the OpenAPI
    document as before.
    """

    async def __call__(self, request: HTTPConnection) -> str | None:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()


# Named and described as the vendor's document has it, so generated clients match theirs.
_bearer = BearerToken(
    auto_error=False,
    scheme_name="Bearer",
    bearerFormat="JWT",
    description="A token from POST /api/v1/authenticate",
)
Token = Annotated[str | None, Depends(_bearer)]
NO_TOKEN = (
    "This operation needs a bearer token: send 'Authorization: Bearer <token>' with a "
    "token from POST /api/v1/authenticate."
)


# Dependencies and handlers that touch only memory are `async def`: FastAPI calls them on the
# event loop, with no hop to a worker thread. Handlers that call the database are plain `def` (or
# hand their store calls to a thread): with PostgreSQL across a network each statement is a round
# trip, and on the loop it would hold every other request and event stream meanwhile. The reads
# clients poll come from memory (api/hot_reads.py); the run engine commits on a thread of its own.
async def get_services(request: Request) -> Services:
    """The services built in the application's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def client_address(request: Request) -> str | None:
    """The caller's address, as the lockout policy and the audit trail record it."""
    return request.client.host if request.client else None


ClientAddress = Annotated[str | None, Depends(client_address)]


async def _principal(request: Request, token: str | None) -> Principal:
    if token is None:
        raise MissingCredentialsError(NO_TOKEN)
    services: Services = request.app.state.services
    return await services.authenticator.principal_of(token)


async def authenticated(request: Request, token: Token) -> Principal:
    """The caller behind the bearer token. Raises AuthenticationError without a valid one."""
    return await _principal(request, token)


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def requires(
    permission: Permission,
) -> Callable[[Request, str | None], Coroutine[Any, Any, Principal]]:
    """A dependency that admits only callers holding `permission` (one dependency, not a chain
    of them: each level of FastAPI's dependency solving costs on every request)."""

    async def check(request: Request, token: Token) -> Principal:
        principal = await _principal(request, token)
        Authenticator.require(principal, permission)
        return principal

    check.__name__ = f"requires_{permission.value}"
    _REQUIRED[check] = permission
    return check


# The permission each `requires` dependency checks, so that the lane for polled reads
# (api/hot_reads.py) takes a route's permission from the route itself.
_REQUIRED: dict[Callable[..., object], Permission] = {}


def required_permission(dependant: Dependant) -> Permission | None:
    """The permission a route's `requires` dependency checks (its router's included), if any."""
    if dependant.call is not None and dependant.call in _REQUIRED:
        return _REQUIRED[dependant.call]
    for dependency in dependant.dependencies:
        permission = required_permission(dependency)
        if permission is not None:
            return permission
    return None


def requires_self_or(
    permission: Permission,
) -> Callable[[Request, str | None, str], Coroutine[Any, Any, Principal]]:
    """A dependency that admits the user the path names (`{userName}`, any letter case), and
    anyone else only with `permission`: a user manages their own access keys, an administrator
    anyone's."""

    async def check(
        request: Request,
        token: Token,
        user_name: Annotated[str, Path(alias="userName", description="The user's name")],
    ) -> Principal:
        principal = await _principal(request, token)
        if principal.user_name.casefold() != user_name.casefold():
            Authenticator.require(principal, permission)
        return principal

    check.__name__ = f"requires_self_or_{permission.value}"
    return check
