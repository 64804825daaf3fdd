"""Access keys: long-lived, revocable credentials for the CLI and CI (`mlprep login` makes one),
exchanged for short-lived tokens. A user manages their own keys; an administrator (ModifyUsers)
anyone's. Issuing and revoking are audited, and so is each exchange, as a login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from mlprep.api.bodies import accepts_json_body, json_request_body
from mlprep.api.dependencies import ClientAddress, ServicesDep, requires_self_or
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.contract.access_keys import AccessKey, AccessKeyLogin, IssuedAccessKey, NewAccessKey
from mlprep.contract.authenticate import AuthenticateResponse

router = APIRouter(tags=["Access keys"])

KeyOwner = Annotated[Principal, Depends(requires_self_or(Permission.MODIFY_USERS))]
UserName = Annotated[str, Path(alias="userName", description="The user's name (any letter case)")]
KeyId = Annotated[str, Path(alias="keyId", description="The key's id (from the list)")]
JSON_BODY = [Depends(accepts_json_body)]


@router.post(
    "/authenticate/access-key",
    operation_id="loginWithAccessKey",
    response_description="A token, as a login answers, tied to the key",
    summary="Exchanges an access key for a token (no token needed)",
    response_model=AuthenticateResponse,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 415),
    openapi_extra=json_request_body(AccessKeyLogin),
)
async def login_with_access_key(
    body: AccessKeyLogin, services: ServicesDep, client: ClientAddress
) -> AuthenticateResponse:
    return await services.authenticator.login_with_access_key(body.access_key, client)


@router.get(
    "/users/{userName}/access-keys",
    operation_id="listAccessKeys",
    response_description="The user's keys, oldest first (never their secrets)",
    summary="A user's access keys (their own, or anyone's with ModifyUsers)",
    response_model=list[AccessKey],
    responses=problem_responses(401, 403, 404),
)
def list_access_keys(user_name: UserName, _: KeyOwner, services: ServicesDep) -> list[AccessKey]:
    return services.access_keys.list(user_name)


@router.post(
    "/users/{userName}/access-keys",
    operation_id="addAccessKey",
    response_description="The key, with its secret: the only time it is shown",
    summary="Issues an access key for a user (their own, or anyone's with ModifyUsers)",
    status_code=201,
    response_model=IssuedAccessKey,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 404, 415),
    openapi_extra=json_request_body(NewAccessKey),
)
def add_access_key(
    user_name: UserName, body: NewAccessKey, principal: KeyOwner, services: ServicesDep
) -> IssuedAccessKey:
    return services.access_keys.issue(user_name, body.label, actor=principal.user_name)


@router.delete(
    "/users/{userName}/access-keys/{keyId}",
    operation_id="revokeAccessKey",
    response_description="The key is revoked",
    summary="Revokes an access key: the tokens issued from it stop working at once",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
def revoke_access_key(
    user_name: UserName, key_id: KeyId, principal: KeyOwner, services: ServicesDep
) -> Response:
    services.access_keys.revoke(user_name, key_id, actor=principal.user_name)
    return Response(status_code=204)
