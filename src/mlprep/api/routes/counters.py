"""`/mlprep/v1/counters`: the channels' counters with their lifetime totals, and what recent runs
moved (the console's chart of use)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.contract.maintenance import ChannelCounterWithLifetime, RunCounterUsage

router = APIRouter(prefix="/counters", tags=["mlprep"])
VIEWER = [Depends(requires(Permission.VIEW_MAINTENANCE))]


@router.get(
    "",
    operation_id="getCountersWithLifetime",
    response_description="Each channel present, Front first",
    summary="Each channel's counters since their reset, and their lifetime totals",
    response_model=list[ChannelCounterWithLifetime],
    dependencies=VIEWER,
    responses=problem_responses(401, 403),
)
async def counters(services: ServicesDep) -> list[ChannelCounterWithLifetime]:
    return services.counters.all_with_lifetime()


@router.get(
    "/usage",
    operation_id="getCounterUsage",
    response_description="The latest runs that moved counters, oldest first",
    summary="What the latest runs (maintenance and protocol runs) moved, oldest first",
    response_model=list[RunCounterUsage],
    dependencies=VIEWER,
    responses=problem_responses(400, 401, 403),
)
def usage(
    services: ServicesDep, limit: Annotated[int, Query(ge=1, le=100)] = 12
) -> list[RunCounterUsage]:
    return services.counters.usage(limit, services.instrument.info.time_zone)
