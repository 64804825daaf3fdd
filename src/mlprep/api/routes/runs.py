"""`/mlprep/v1/runs`: run history and the live run, for clients that poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import MAX_OFFSET, problem_responses
from mlprep.auth.permissions import Permission
from mlprep.contract.runs import Run, RunPage

router = APIRouter(
    prefix="/runs",
    tags=["mlprep"],
    dependencies=[Depends(requires(Permission.VIEW_MAINTENANCE))],
)


@router.get(
    "",
    operation_id="getRuns",
    response_description="One page of the runs, newest first",
    summary="Maintenance runs, newest first",
    response_model=RunPage,
    responses=problem_responses(400, 401, 403),
)
def get_runs(
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RunPage:
    return services.history.page(offset, limit)


@router.get(
    "/current",
    operation_id="getCurrentRun",
    response_description="The run in progress",
    summary="The run in progress with its open view, errors and progress (204 when idle)",
    response_model=Run,
    responses={204: {"description": "No run is in progress"}, **problem_responses(401, 403)},
)
def get_current_run(services: ServicesDep) -> Run | Response:
    run = services.history.current()
    return run if run is not None else Response(status_code=204)


@router.get(
    "/{runId}",
    operation_id="getRun",
    response_description="The run, with every view it showed",
    summary="One maintenance run",
    response_model=Run,
    responses=problem_responses(401, 403, 404),
)
def get_run(run_id: Annotated[str, Path(alias="runId")], services: ServicesDep) -> Run:
    return services.history.get(run_id)
