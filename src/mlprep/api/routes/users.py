"""`/mlprep/v1/users`: the user directory over HTTP (permission ModifyUsers), for the CLI and the
console. Every change is audited under the administrator who made it.

Handlers that hash a password are plain `def`: argon2 is CPU-bound and belongs in the thread
pool, not on the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from mlprep.api.bodies import accepts_json_body, json_request_body
from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.contract.users import NewUser, PasswordChange, RoleChange, User

router = APIRouter(prefix="/users", tags=["Users"])

Administrator = Annotated[Principal, Depends(requires(Permission.MODIFY_USERS))]
# Any text: a name no user has is a 404, as for any other unknown resource.
UserName = Annotated[str, Path(alias="userName", description="The user's name (any letter case)")]
JSON_BODY = [Depends(accepts_json_body)]


@router.get(
    "",
    operation_id="listUsers",
    response_description="Every user, by name",
    summary="Every user, by name",
    response_model=list[User],
    responses=problem_responses(401, 403),
)
def list_users(_: Administrator, services: ServicesDep) -> list[User]:
    return services.users.list()


@router.post(
    "",
    operation_id="addUser",
    response_description="The user added",
    summary="Adds a user (a password of at least 8 characters)",
    status_code=201,
    response_model=User,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 409, 415),
    openapi_extra=json_request_body(NewUser),
)
def add_user(
    body: NewUser, principal: Administrator, services: ServicesDep, response: Response
) -> User:
    user = services.users.add(body.user_name, body.password, body.role, actor=principal.user_name)
    response.headers["Location"] = f"/mlprep/v1/users/{user.user_name}"
    return user


@router.get(
    "/{userName}",
    operation_id="getUser",
    response_description="The user",
    summary="One user",
    response_model=User,
    responses=problem_responses(401, 403, 404),
)
def get_user(user_name: UserName, _: Administrator, services: ServicesDep) -> User:
    return services.users.get(user_name)


@router.put(
    "/{userName}/password",
    operation_id="setUserPassword",
    response_description="The user, whose earlier tokens no longer work",
    summary="Sets a user's password: their earlier tokens stop working and a lockout ends",
    response_model=User,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 404, 415),
    openapi_extra=json_request_body(PasswordChange),
)
def set_user_password(
    user_name: UserName, body: PasswordChange, principal: Administrator, services: ServicesDep
) -> User:
    services.users.set_password(user_name, body.password, actor=principal.user_name)
    return services.users.get(user_name)


@router.put(
    "/{userName}/role",
    operation_id="setUserRole",
    response_description="The user with the new role",
    summary="Gives a user another role: their earlier tokens stop working",
    response_model=User,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 404, 409, 415),
    openapi_extra=json_request_body(RoleChange),
)
def set_user_role(
    user_name: UserName, body: RoleChange, principal: Administrator, services: ServicesDep
) -> User:
    return services.users.set_role(user_name, body.role, actor=principal.user_name)


@router.post(
    "/{userName}/unlock",
    operation_id="unlockUser",
    response_description="The user, no longer locked",
    summary="Ends a user's lockout after too many failed logins",
    response_model=User,
    responses=problem_responses(401, 403, 404),
)
def unlock_user(user_name: UserName, principal: Administrator, services: ServicesDep) -> User:
    services.users.unlock(user_name, actor=principal.user_name)
    return services.users.get(user_name)


@router.delete(
    "/{userName}",
    operation_id="removeUser",
    response_description="The user is removed",
    summary="Removes a user; their tokens and event streams stop working at once",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409),
)
def remove_user(user_name: UserName, principal: Administrator, services: ServicesDep) -> Response:
    services.users.remove(user_name, actor=principal.user_name)
    return Response(status_code=204)
