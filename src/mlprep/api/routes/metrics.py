"""`/mlprep/v1/metrics`: Prometheus text format, without a token (as scrapers expect)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mlprep.api.dependencies import ServicesDep

router = APIRouter(tags=["mlprep"])


@router.get(
    "/metrics",
    operation_id="getMetrics",
    summary="The instrument's state for Prometheus (procedures due, runs, counters, events)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(services: ServicesDep) -> Response:
    from mlprep.metrics import CONTENT_TYPE, render  # at the first scrape, not at start-up

    return Response(render(services.metrics), media_type=CONTENT_TYPE)
