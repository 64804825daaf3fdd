"""The instrument's general error operations (`/errors`), beyond the seed's thirteen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mlprep.api.bodies import accepts_json_body, json_request_body
from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import MAX_OFFSET, problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.contract.errors import ErrorLogEntry, PendingError, RuntimeErrorResponse

router = APIRouter(prefix="/errors", tags=["Errors"])

Viewer = Annotated[Principal, Depends(requires(Permission.VIEW_MAINTENANCE))]
Executor = Annotated[Principal, Depends(requires(Permission.EXECUTE_MAINTENANCE))]
MAX_LIMIT = 1000


@router.get(
    "",
    operation_id="getErrorLog",
    summary="Retrieves the error log, newest first",
    response_model=list[ErrorLogEntry],
    responses={
        200: {
            "description": "One page of the error log",
            "headers": {
                "X-Total-Count": {
                    "description": "How many errors the log holds",
                    "schema": {"type": "integer", "format": "int32"},
                }
            },
        },
        **problem_responses(400, 401, 403),
    },
)
def get_error_log(
    _: Viewer,
    services: ServicesDep,
    response: Response,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="How many of the newest errors to skip")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="The most errors to return")] = 50,
) -> list[ErrorLogEntry]:
    entries, total = services.error_log.page(offset, limit)
    response.headers["X-Total-Count"] = str(total)
    return entries


@router.get(
    "/check-for-pending-errors",
    operation_id="checkForPendingErrors",
    response_description="The pending errors, oldest first (empty when nothing waits)",
    summary="Retrieves the errors that wait for an answer",
    response_model=list[PendingError],
    responses=problem_responses(401, 403),
)
def check_for_pending_errors(_: Viewer, services: ServicesDep) -> list[PendingError]:
    return services.error_log.pending()


@router.put(
    "/runtime",
    operation_id="respondToRuntimeError",
    response_description="The error was answered",
    response_class=Response,
    summary="Answers a pending error with one of its responses (the first answer wins)",
    dependencies=[Depends(accepts_json_body)],
    responses=problem_responses(400, 401, 403, 404, 409, 415),
    openapi_extra=json_request_body(RuntimeErrorResponse),
)
async def respond_to_runtime_error(
    body: RuntimeErrorResponse, principal: Executor, services: ServicesDep
) -> Response:
    await services.error_log.respond(body, principal.user_name)
    return Response(status_code=200)


@router.put(
    "/clear-errors",
    operation_id="clearErrors",
    response_description="The error log was cleared",
    response_class=Response,
    summary="Clears the error log (pending errors stay until answered)",
    responses=problem_responses(401, 403),
)
async def clear_errors(principal: Executor, services: ServicesDep) -> Response:
    services.error_log.clear(principal.user_name)
    return Response(status_code=200)
