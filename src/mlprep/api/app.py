"""The application factory: `create_app(settings)` builds one server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from mlprep import __version__
from mlprep.api.access_log import AccessLogMiddleware
from mlprep.api.hot_reads import HotReads
from mlprep.api.middleware import RequestContextMiddleware
from mlprep.api.openapi_document import install_document_finish
from mlprep.api.path_casing import PathCasing, PathCasingMiddleware
from mlprep.api.problems import install_problem_handlers
from mlprep.api.request_limits import RequestLimitsMiddleware
from mlprep.api.route_table import RouteTable
from mlprep.api.routes import (
    access_keys,
    audit,
    authenticate,
    counters,
    errors,
    events,
    health,
    maintenance,
    metrics,
    procedures,
    runs,
    simulator,
    users,
)
from mlprep.api.routes.console import mount_console
from mlprep.api.routes.docs import mount_documentation
from mlprep.auth.authentication import keep_verified_tokens_fresh
from mlprep.auth.inactivity import announce_warning, watch_sessions
from mlprep.maintenance.driver import keep_driving
from mlprep.services import Services, open_services
from mlprep.settings import Settings

INSTRUMENT_PREFIX = "/NimbusLite"
VENDOR_PREFIXES = ("/api/v1", f"{INSTRUMENT_PREFIX}/api/v1")
OUR_PREFIX = "/mlprep/v1"

DESCRIPTION = """
The maintenance part of the **ML Prep API (v1)**, answered by mlprep with a simulated instrument.

Every vendor operation answers identically under `/api/v1` and `/NimbusLite/api/v1` (only the
first is listed here). mlprep's own additions live under `/mlprep/v1`.

**Events**, as real instruments send them, come over two WebSockets (which OpenAPI cannot list):
`/NimbusLite/instinctevents` (codes `maintenancedata`, `viewclosed`, `maintenancestatus`,
`finished`, `counters`, `logoutcountdown`) and `/NimbusLite/instincterrors` (code `error`). Each
text frame is `{"code": ..., "description": ..., "data": {...}}`. As on the instrument, they need
no token unless the server runs with `--events-auth token`; a token that is sent (in the
`Authorization: Bearer` header or the `access_token` query parameter) must be valid and hold
ViewMaintenance, else the handshake is refused (401 or 403). The same messages come as
Server-Sent Events from `GET /mlprep/v1/events`, which always needs a token.

Paths match in any letter case, as ASP.NET routes them. The document is also served at
`/NimbusLite/swagger/v1/swagger.json`, where the instrument serves its own.
"""


VENDOR_ROUTERS = (authenticate.router, maintenance.router, errors.router)
OUR_ROUTERS = (
    health.router,
    audit.router,
    metrics.router,
    runs.router,
    procedures.router,
    events.router,
    simulator.router,
    users.router,
    access_keys.router,
    counters.router,
)


def vendor_router() -> APIRouter:
    """The vendor's operations, ready to be mounted under each prefix."""
    router = APIRouter()
    for operations in VENDOR_ROUTERS:
        router.include_router(operations)
    return router


def end_event_streams(app: FastAPI) -> None:
    """End every event stream at once: the server is stopping and waits for open connections."""
    services: Services | None = getattr(app.state, "services", None)
    if services is not None:
        services.bus.close()


class MlprepApp(FastAPI):
    """FastAPI, with the reads clients poll answered before its request path.

    The lane (api/hot_reads.py) sits in front of FastAPI's own layers (its telemetry and body
    limit wrappers, Starlette's error middleware, mlprep's middleware, routing, dependencies):
    they cost ten times what such a read needs. Whatever the lane does not answer goes through
    all of them as before.
    """

    hot_reads: HotReads | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.hot_reads is not None:
            services: Services | None = getattr(self.state, "services", None)
            if services is not None and await self.hot_reads.answer(services, scope, send):
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    services_factory: Callable[[Settings], Services] | None = None,
    hot_reads: bool = True,
) -> FastAPI:
    """Build the application; its services open in the lifespan (`mlprep serve` passes those it
    opened to prepare the first start, and tests their own).

    `hot_reads=False` leaves out the lane that answers polled reads from memory (api/hot_reads.py),
    so that tests can compare its answers with the application's own.
    """
    factory = services_factory or open_services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = factory(settings)
        app.state.services = services
        services.engine_runs.recover()
        watches = [
            asyncio.create_task(
                watch_sessions(services.activity, partial(announce_warning, services.bus))
            ),
            asyncio.create_task(keep_verified_tokens_fresh(services.authenticator)),
        ]
        if services.server_lock.can_be_lost:
            lock = services.server_lock
            watches.append(asyncio.create_task(keep_driving(lock.check, services.engine_runs)))
        try:
            yield
        finally:
            for watch in watches:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch
            await services.engine_runs.shutdown()
            services.bus.close()
            services.close()

    app = MlprepApp(
        title="ML Prep API (v1) - mlprep",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package's own assets: see api/routes/docs.py
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_problem_handlers(app)
    install_document_finish(app)
    vendor = vendor_router()
    for position, prefix in enumerate(VENDOR_PREFIXES):
        app.include_router(vendor, prefix=prefix, include_in_schema=position == 0)
    for router in OUR_ROUTERS:
        app.include_router(router, prefix=OUR_PREFIX)
    app.include_router(events.websocket_router, prefix=INSTRUMENT_PREFIX)
    mount_documentation(app)
    mount_console(app)

    # Where the vendor's instrument serves its document (and where generators look for it).
    @app.get("/swagger/v1/swagger.json", include_in_schema=False)
    @app.get("/NimbusLite/swagger/v1/swagger.json", include_in_schema=False)
    def swagger_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.router.redirect_slashes = False  # a redirect would be built from the Host header
    table = RouteTable(app.routes, operation_prefixes=(*VENDOR_PREFIXES, OUR_PREFIX))
    app.state.route_table = table
    casing = PathCasing(table.templates(), table.query_names())
    app.add_middleware(PathCasingMiddleware, casing=casing)
    app.add_middleware(RequestLimitsMiddleware)
    app.add_middleware(RequestContextMiddleware, simulated=True)
    app.add_middleware(AccessLogMiddleware)  # outermost: times and logs every answer
    if hot_reads:
        app.hot_reads = HotReads(table)
    return app
