"""The vendor's maintenance operations (the seed's thirteen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from mlprep.api.bodies import accepts_json_body, json_request_body
from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.middleware import SIMULATED_HEADER
from mlprep.api.polled import Answer, PolledRequest, polled, polled_json
from mlprep.api.prepared import JsonBody, PreparedJson
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.contract.maintenance import (
    ChannelCounter,
    CloseViewRequest,
    MaintenanceError,
    MaintenanceProcedure,
    MaintenanceProcedureDetails,
    StartedRun,
    UvRoutineIntervalOption,
    UvRoutineSettings,
)
from mlprep.services import Services

router = APIRouter(prefix="/maintenance", tags=["Maintenance"])

Viewer = Annotated[Principal, Depends(requires(Permission.VIEW_MAINTENANCE))]
Executor = Annotated[Principal, Depends(requires(Permission.EXECUTE_MAINTENANCE))]
Configurator = Annotated[Principal, Depends(requires(Permission.MODIFY_MAINTENANCE_SETTINGS))]
ProcedureId = Annotated[str, Path(description="The id of the maintenance procedure")]
IMAGE_CACHE = "public, max-age=86400"
# The hot reads answer with bytes serialized once per state (see api/prepared.py).
PROCEDURES = PreparedJson(tuple[MaintenanceProcedure, ...])
PROCEDURE = PreparedJson(MaintenanceProcedureDetails)
COUNTERS = PreparedJson(tuple[ChannelCounter, ...])
UV_OPTIONS = PreparedJson(tuple[UvRoutineIntervalOption, ...])
UV_SETTINGS = PreparedJson(UvRoutineSettings)
ERRORS = PreparedJson(tuple[MaintenanceError, ...])


# The bodies of the reads, shared with the lane that answers them when polled (api/hot_reads.py).
def procedures_body(services: Services) -> bytes:
    """GET /maintenance."""
    return PROCEDURES.body(services.procedures.listing().items)


def procedure_body(services: Services, id: str) -> bytes:
    """GET /maintenance/{id}. Raises NotFoundError for an unknown id."""
    return PROCEDURE.body(services.procedures.get(id))


def errors_body(services: Services) -> bytes:
    """GET /maintenance/errors."""
    return ERRORS.body(services.history.error_listing())


def counters_body(services: Services) -> bytes:
    """GET /maintenance/channel-counters."""
    return COUNTERS.body(services.counters.all())


def uv_options_body(services: Services) -> bytes:
    """GET /maintenance/uv-routine-interval-options."""
    return UV_OPTIONS.body(services.uv_routine.options())


def uv_settings_body(services: Services) -> bytes:
    """GET /maintenance/uv-routine-settings."""
    return UV_SETTINGS.body(services.uv_routine.settings())


def image_answer(
    services: Services, name: str, if_none_match: str | None
) -> tuple[int, dict[str, str], bytes]:
    """GET /maintenance/images/{name}: status, headers and body (304 when the client's copy
    is current). Raises NotFoundError for an unknown name."""
    image = services.images.get(name)
    headers = {"ETag": image.etag, "Cache-Control": IMAGE_CACHE}
    if _none_match(if_none_match, image.etag):
        return 304, headers, b""
    return 200, {**headers, "Content-Type": "image/png"}, image.content


async def polled_image(services: Services, request: PolledRequest) -> Answer:
    """GET /maintenance/images/{imageName} on the lane for polled reads, as the route answers."""
    status, headers, content = image_answer(
        services, request.parameters["imageName"], request.header(b"if-none-match")
    )
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    if status == 200:
        raw.insert(0, (b"content-length", str(len(content)).encode()))
    return status, [*raw, SIMULATED_HEADER], content


@router.post(
    "/initialize",
    operation_id="initializeMaintenance",
    response_description="Initialize successfully completed",
    response_class=Response,
    summary="Creates initial maintenance values for a fresh install and updates.",
    responses=problem_responses(401, 403, 409),
)
async def initialize(principal: Configurator, services: ServicesDep) -> Response:
    services.procedures.initialize(principal.user_name)
    return Response(status_code=200)


@router.get(
    "",
    operation_id="getProcedures",
    response_description="Get procedures was successful",
    summary="Retrieves all maintenance procedures",
    response_model=list[MaintenanceProcedure],
    responses=problem_responses(401, 403),
)
@polled_json(lambda services, _request: procedures_body(services))
async def get_procedures(_: Viewer, services: ServicesDep) -> Response:
    return JsonBody(procedures_body(services))


@router.get(
    "/errors",
    operation_id="getErrors",
    response_description="The maintenance errors, oldest first",
    summary="Retrieves the errors of the current, or else the most recent, maintenance run",
    response_model=list[MaintenanceError],
    responses=problem_responses(401, 403),
)
@polled_json(lambda services, _request: errors_body(services))
async def get_errors(_: Viewer, services: ServicesDep) -> Response:
    return JsonBody(errors_body(services))


@router.get(
    "/channel-counters",
    operation_id="getChannelCounters",
    response_description="One entry per channel",
    summary="Retrieves the usage counters of every pipetting channel present",
    response_model=list[ChannelCounter],
    responses=problem_responses(401, 403),
)
@polled_json(lambda services, _request: counters_body(services))
async def get_channel_counters(_: Viewer, services: ServicesDep) -> Response:
    return JsonBody(counters_body(services))


@router.post(
    "/reset-channel-counters/{channel}",
    operation_id="resetChannelCounters",
    response_description="The counters were reset",
    response_class=Response,
    summary="Resets the four counters of one channel to zero",
    responses=problem_responses(401, 403, 404),
)
async def reset_channel_counters(
    channel: Annotated[str, Path(description="Front or Rear (any case), or 1 or 2")],
    principal: Configurator,
    services: ServicesDep,
) -> Response:
    services.counters.reset(channel, principal.user_name)
    return Response(status_code=200)


@router.get(
    "/uv-routine-interval-options",
    operation_id="getUvRoutineIntervalOptions",
    response_description="The interval options",
    summary="Retrieves the intervals the UV routine can be set to",
    response_model=list[UvRoutineIntervalOption],
    responses=problem_responses(401, 403),
)
@polled_json(lambda services, _request: uv_options_body(services))
async def get_uv_options(_: Viewer, services: ServicesDep) -> Response:
    return JsonBody(uv_options_body(services))


@router.get(
    "/uv-routine-settings",
    operation_id="getUvRoutineSettings",
    response_description="The settings",
    summary="Retrieves the UV routine settings",
    response_model=UvRoutineSettings,
    responses=problem_responses(401, 403),
)
@polled_json(lambda services, _request: uv_settings_body(services))
async def get_uv_settings(_: Viewer, services: ServicesDep) -> Response:
    return JsonBody(uv_settings_body(services))


@router.put(
    "/uv-routine-settings",
    operation_id="setUvRoutineSettings",
    response_description="The settings were saved",
    response_class=Response,
    summary="Updates the UV routine settings",
    dependencies=[Depends(accepts_json_body)],
    responses=problem_responses(400, 401, 403, 415),
    openapi_extra=json_request_body(UvRoutineSettings),
)
async def set_uv_settings(
    body: UvRoutineSettings, principal: Configurator, services: ServicesDep
) -> Response:
    services.uv_routine.change(body.interval, principal.user_name)
    return Response(status_code=200)


@router.post(
    "/abort",
    operation_id="abortMaintenance",
    response_description="The running procedure is being aborted",
    response_class=Response,
    summary="Aborts the maintenance procedure that is running",
    responses=problem_responses(401, 403, 409),
)
async def abort(principal: Executor, services: ServicesDep) -> Response:
    await services.engine_runs.abort(principal.user_name)
    return Response(status_code=200)


@router.post(
    "/close-view",
    operation_id="closeView",
    response_description="The view was closed",
    response_class=Response,
    summary="Answers the view (operator dialog) that a running procedure shows",
    dependencies=[Depends(accepts_json_body)],
    responses=problem_responses(400, 401, 403, 404, 415),
    openapi_extra=json_request_body(CloseViewRequest),
)
async def close_view(
    body: CloseViewRequest, principal: Executor, services: ServicesDep
) -> Response:
    await services.engine_runs.close_view(
        body.view_id, body.view_result, body.view_input, principal.user_name
    )
    return Response(status_code=200)


@router.get(
    "/images/{imageName}",
    operation_id="getImage",
    summary="Retrieves an image shown by a maintenance view",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The image"},
        **problem_responses(404),
    },
)
@polled(polled_image)
async def get_image(
    image_name: Annotated[str, Path(alias="imageName")], request: Request, services: ServicesDep
) -> Response:
    status, headers, content = image_answer(
        services, image_name, request.headers.get("if-none-match")
    )
    return Response(content, status_code=status, headers=headers)


@router.get(
    "/{id}",
    operation_id="getProcedure",
    response_description="Get procedure was successful",
    summary="Retrieves maintenance details of a specific procedure",
    response_model=MaintenanceProcedureDetails,
    responses=problem_responses(401, 403, 404),
)
@polled_json(lambda services, request: procedure_body(services, request.parameters["id"]))
async def get_procedure(id: ProcedureId, _: Viewer, services: ServicesDep) -> Response:
    return JsonBody(procedure_body(services, id))


@router.post(
    "/{id}",
    operation_id="executeProcedure",
    response_description="The procedure was started: the run's id",
    summary="Starts the execution of a maintenance procedure",
    response_model=StartedRun,
    responses=problem_responses(401, 403, 404, 409),
)
async def execute_procedure(
    id: ProcedureId, principal: Executor, services: ServicesDep
) -> StartedRun:
    return await services.engine_runs.start(id, principal.user_name)


def _none_match(header: str | None, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weakly, as RFC 9110 §13.1.2 compares) or is `*`."""
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags
