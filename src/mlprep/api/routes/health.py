"""`/mlprep/v1/health`: is the server up, can its database be used, is the instrument simulated.

A database that cannot be reached or written makes the report 503, naming the cause (unreachable,
disk full, locked), with `Retry-After`: load balancers and scripts waiting for a server read the
status code.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import TypeAdapter
from starlette.responses import Response

from mlprep import __version__
from mlprep.api.dependencies import ServicesDep
from mlprep.api.polled import Answer, PolledRequest, json_headers, polled
from mlprep.api.prepared import JsonBody
from mlprep.contract.health import Health
from mlprep.services import Services
from mlprep.store.availability import RETRY_AFTER_SECONDS
from mlprep.store.database import database_kind

router = APIRouter(tags=["mlprep"])
_HEALTH: TypeAdapter[Health] = TypeAdapter(Health)
UNHEALTHY_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}


async def health_body(services: Services) -> tuple[int, bytes]:
    """The health report's status code and JSON (the route's, and the hot-read lane's:
    api/hot_reads.py): 503 while the database cannot be used or another server drives the
    instrument."""
    cause = await services.database_check.unavailability()
    driven_by = services.server_lock.other_driver
    healthy = cause is None and driven_by is None
    health = Health(
        status="Healthy" if healthy else "Unhealthy",
        version=__version__,
        database=f"{database_kind(services.engine)}: {'ok' if cause is None else cause.value}",
        simulated=True,
        instrument_id=services.settings.instrument_id,
        serial_number=services.settings.serial_number,
        now=services.clock.now().astimezone(services.instrument.info.time_zone),
        driven_by=driven_by,
    )
    return (200 if healthy else 503), _HEALTH.dump_json(health, by_alias=True, exclude_none=True)


async def polled_health(services: Services, _request: PolledRequest) -> Answer:
    """The health report on the lane for polled reads, as the route answers it."""
    status, content = await health_body(services)
    headers = json_headers(content)
    if status != 200:
        headers += [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
    return status, headers, content


@router.get(
    "/health",
    operation_id="getHealth",
    response_description="The server and its database answer",
    summary="Server health",
    response_model=Health,
    responses={
        503: {
            "description": "The database cannot be reached or written: `database` names the "
            "cause (unreachable, disk full, locked); the body is the same report",
            "model": Health,
        }
    },
)
@polled(polled_health)
async def health(services: ServicesDep) -> Response:
    status, content = await health_body(services)
    if status == 200:
        return JsonBody(content)
    return JsonBody(content, status_code=status, headers=UNHEALTHY_HEADERS)
