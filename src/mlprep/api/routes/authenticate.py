"""The Authenticate operations of the vendor's API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from mlprep.api.bodies import accepts_json_body, json_request_body
from mlprep.api.dependencies import ClientAddress, CurrentPrincipal, ServicesDep
from mlprep.api.responses import problem_responses
from mlprep.contract.authenticate import AuthenticateResponse, LoginRequest

router = APIRouter(prefix="/authenticate", tags=["Authenticate"])


@router.post(
    "",
    operation_id="login",
    response_description="The login was successful: a token and its lifetime",
    summary="Log in and receive a JSON web token",
    response_model=AuthenticateResponse,
    dependencies=[Depends(accepts_json_body)],
    responses=problem_responses(400, 401, 415, 429, 503),
    openapi_extra=json_request_body(LoginRequest),
)
async def login(
    body: LoginRequest, services: ServicesDep, client: ClientAddress
) -> AuthenticateResponse:
    # The argon2 check runs on a bounded pool of its own threads, never on the event loop.
    return await services.authenticator.login(body.user_name, body.password, client)


@router.delete(
    "",
    operation_id="logout",
    response_description="Logged out; the token is revoked",
    response_class=Response,
    summary="Log out; the token used is revoked",
    responses=problem_responses(401),
)
def logout(principal: CurrentPrincipal, services: ServicesDep, client: ClientAddress) -> Response:
    services.authenticator.logout(principal, client)
    return Response(status_code=200)


@router.post(
    "/renew-token",
    operation_id="renewToken",
    response_description="The renewed token",
    summary="Exchange a valid token for a fresh one",
    response_model=AuthenticateResponse,
    responses=problem_responses(401),
)
def renew_token(principal: CurrentPrincipal, services: ServicesDep) -> AuthenticateResponse:
    return services.authenticator.renew(principal)


@router.get(
    "/check-authentication",
    operation_id="checkAuthentication",
    response_description="The token is valid",
    response_class=Response,
    summary="Succeeds while the token is valid",
    responses=problem_responses(401),
)
async def check_authentication(principal: CurrentPrincipal) -> Response:
    return Response(status_code=200)
