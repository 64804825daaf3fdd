"""`/mlprep/v1/runs`: run history and the live run, for clients that poll.

The history keeps its answers per state of the runs: a poll is answered on the event loop, with
bytes serialized once per state; only an answer not at hand reads the store, on a worker thread
(a networked PostgreSQL never holds the loop).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.middleware import SIMULATED_HEADER
from mlprep.api.polled import Answer, PolledRequest, json_headers, polled, polled_json
from mlprep.api.prepared import JsonBody, PreparedJson
from mlprep.api.responses import MAX_OFFSET, problem_responses
from mlprep.auth.permissions import Permission
from mlprep.contract.runs import Run, RunPage
from mlprep.services import Services

router = APIRouter(
    prefix="/runs",
    tags=["mlprep"],
    dependencies=[Depends(requires(Permission.VIEW_MAINTENANCE))],
)
RUN = PreparedJson(Run)
RUN_PAGE = PreparedJson(RunPage)
DEFAULT_PAGE = 50
MAX_PAGE = 200


# The bodies the lane for polled reads answers with (api/hot_reads.py): None when not at hand.
def page_body(services: Services, offset: int, limit: int) -> bytes | None:
    """GET /runs, if the page is kept."""
    history = services.history
    return RUN_PAGE.body(history.page(offset, limit)) if history.knows_page(offset, limit) else None


def current_body(services: Services) -> bytes | None:
    """GET /runs/current while a run is in progress, if it is kept (`knows_current`)."""
    run = services.history.current()
    return RUN.body(run) if run is not None else None


def run_body(services: Services, run_id: str) -> bytes | None:
    """GET /runs/{runId}, if the run is kept. Raises NotFoundError for an unknown id."""
    history = services.history
    return RUN.body(history.get(run_id)) if history.knows_run(run_id) else None


def polled_page(services: Services, request: PolledRequest) -> bytes | None:
    """GET /runs, when the query holds nothing but `offset` and `limit` in their plainest form
    and within bounds (anything else: the application validates it)."""
    bounds = {"offset": (0, MAX_OFFSET), "limit": (1, MAX_PAGE)}
    given = {"offset": 0, "limit": DEFAULT_PAGE}
    for pair in request.query.split(b"&") if request.query else ():
        name, _, value = pair.decode("latin-1").partition("=")
        if name not in bounds or not value.isdigit() or str(int(value)) != value:
            return None
        low, high = bounds.pop(name)  # a name given twice: the application decides
        if not low <= int(value) <= high:
            return None
        given[name] = int(value)
    return page_body(services, given["offset"], given["limit"])


async def polled_current(services: Services, _request: PolledRequest) -> Answer | None:
    """GET /runs/current: 200 with the run, or 204 when none is in progress."""
    if not services.history.knows_current():
        return None
    content = current_body(services)
    if content is None:
        return 204, [SIMULATED_HEADER], b""
    return 200, json_headers(content), content


@router.get(
    "",
    operation_id="getRuns",
    response_description="One page of the runs, newest first",
    summary="Maintenance runs, newest first",
    response_model=RunPage,
    responses=problem_responses(400, 401, 403),
)
@polled_json(polled_page, takes_query=True)
async def get_runs(
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> Response:
    history = services.history
    if history.knows_page(offset, limit):
        page = history.page(offset, limit)
    else:
        page = await run_in_threadpool(history.page, offset, limit)
    return JsonBody(RUN_PAGE.body(page))


@router.get(
    "/current",
    operation_id="getCurrentRun",
    response_description="The run in progress",
    summary="The run in progress with its open view, errors and progress (204 when idle)",
    response_model=Run,
    responses={204: {"description": "No run is in progress"}, **problem_responses(401, 403)},
)
@polled(polled_current)
async def get_current_run(services: ServicesDep) -> Response:
    history = services.history
    run = history.current() if history.knows_current() else await run_in_threadpool(history.current)
    return JsonBody(RUN.body(run)) if run is not None else Response(status_code=204)


@router.get(
    "/{runId}",
    operation_id="getRun",
    response_description="The run, with every view it showed",
    summary="One maintenance run",
    response_model=Run,
    responses=problem_responses(401, 403, 404),
)
@polled_json(lambda services, request: run_body(services, request.parameters["runId"]))
async def get_run(run_id: Annotated[str, Path(alias="runId")], services: ServicesDep) -> Response:
    history = services.history
    run = (
        history.get(run_id)
        if history.knows_run(run_id)
        else await run_in_threadpool(history.get, run_id)
    )
    return JsonBody(RUN.body(run))
