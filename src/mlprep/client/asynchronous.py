"""`AsyncPrepClient`: the same operations as `PrepClient`, for asyncio (awaitable, same names)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

import httpx

from mlprep import __version__
from mlprep.client import calls
from mlprep.client.calls import (
    DEFAULT_URL,
    VENDOR_PREFIX,
    Call,
)
from mlprep.client.drive import drive_async
from mlprep.client.events import STREAMS, AsyncEventSubscription
from mlprep.client.flows import Flow, Flows
from mlprep.client.run_flow import follow
from mlprep.client.runs import (
    Answerer,
    ErrorPolicy,
    resolve_procedure,
)
from mlprep.client.session import Credentials, Session
from mlprep.contract.access_keys import AccessKey, IssuedAccessKey
from mlprep.contract.audit import AuditPage
from mlprep.contract.authenticate import AuthenticateResponse
from mlprep.contract.health import Health
from mlprep.contract.maintenance import (
    Channel,
    ChannelCounter,
    MaintenanceError,
    MaintenanceProcedure,
    MaintenanceProcedureDetails,
    StartedRun,
    UvInterval,
    UvRoutineIntervalOption,
    UvRoutineSettings,
    ViewResult,
)
from mlprep.contract.runs import Run, RunPage, RunStep, View
from mlprep.contract.simulator import (
    HepaPressureDrop,
    ProtocolRun,
    SimulatedOperation,
    SimulatorClock,
    SimulatorFaults,
    SimulatorState,
)
from mlprep.contract.users import Role, User

T = TypeVar("T")


class AsyncPrepClient:
    """A client of one mlprep server (or a real instrument, for the vendor's operations).

    Give a `token`, an `access_key`, or `user_name` and `password` (exchanged or logged in on
    first use, and again whenever the token cannot be renewed). The token is renewed before it
    expires, and once more on a 401, so a long script never sees an expiry. `prefix` is
    `/api/v1` or `/NimbusLite/api/v1`. Use it as a context manager, or call `close()`.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        user_name: str | None = None,
        password: str | None = None,
        access_key: str | None = None,
        prefix: str = VENDOR_PREFIX,
        timeout: float = 10.0,
        retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        credentials = Credentials(user_name, password) if user_name and password else None
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix
        self.session = Session(token, credentials, clock, access_key)
        self._flows = Flows(self.base_url, prefix, self.session, retries)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"mlprep-client/{__version__}"},
        )

    # -- the plumbing ----------------------------------------------------------------------------

    async def send(self, call: Call[T]) -> T:
        """Send one call and read its answer. Raises a ProblemError subclass for an error answer
        and ServerUnreachable when none came."""
        return await self._drive(self._flows.send(call))

    async def _drive(self, flow: Flow[T], events: AsyncEventSubscription | None = None) -> T:
        return await drive_async(flow, self._http, self._sleep, events)

    async def close(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncPrepClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- Authenticate ----------------------------------------------------------------------------

    async def login(
        self, user_name: str | None = None, password: str | None = None
    ) -> AuthenticateResponse:
        """Log in (with the given credentials, else those the client was made with); the token is
        used from now on. Raises Unauthenticated, LockedOut (retry_after) or ServiceBusy."""
        return await self._drive(self._flows.login(user_name, password))

    async def login_with_access_key(self, access_key: str | None = None) -> AuthenticateResponse:
        """Exchange an access key (the given one, else the one held) for a token, used from now
        on; the key is held to get the next one. Raises Unauthenticated (revoked or unknown)."""
        return await self._drive(self._flows.login_with_access_key(access_key))

    async def logout(self) -> None:
        """Log out: the server revokes the token; the client forgets it, and the password or
        access key it held."""
        return await self._drive(self._flows.logout())

    async def renew_token(self) -> AuthenticateResponse:
        """Exchange the token for a fresh one (which the client uses from now on)."""
        return await self._drive(self._flows.renew_token())

    async def check_authentication(self) -> bool:
        """Whether the token is valid now (no renewal is tried)."""
        return await self._drive(self._flows.check_authentication())

    # -- Maintenance -----------------------------------------------------------------------------

    async def initialize_maintenance(self) -> None:
        """Fill the procedure list on a fresh instrument (idempotent)."""
        return await self.send(calls.initialize_maintenance())

    async def procedures(self) -> list[MaintenanceProcedure]:
        """Every procedure with its status and due date."""
        return await self.send(calls.procedures())

    async def procedure(self, procedure_id: str) -> MaintenanceProcedureDetails:
        """One procedure. Raises NotFound."""
        return await self.send(calls.procedure(procedure_id))

    async def find_procedure(self, id_or_name: str) -> MaintenanceProcedure:
        """The procedure with this id or name (any letter case). Raises NotFound."""
        return resolve_procedure(await self.procedures(), id_or_name)

    async def procedure_steps(self, procedure_id: str) -> list[RunStep]:
        """A procedure's steps: each action, and each view with what its results do (mlprep's
        own, for checking answers before a start). Raises NotFound."""
        return await self.send(calls.procedure_steps(procedure_id))

    async def start_procedure(self, procedure_id: str) -> StartedRun:
        """Start a run. Raises Conflict while another runs, NotFound for an unknown id."""
        return await self.send(calls.start_procedure(procedure_id))

    async def image(self, image_name: str) -> bytes:
        """A view's image (PNG bytes)."""
        return await self.send(calls.image(image_name))

    async def errors(self) -> list[MaintenanceError]:
        """The errors of the current run, else of the latest one."""
        return await self.send(calls.errors())

    async def channel_counters(self) -> list[ChannelCounter]:
        """Each channel's usage counters."""
        return await self.send(calls.channel_counters())

    async def reset_channel_counters(self, channel: Channel | str) -> None:
        """Reset one channel's counters (Front, Rear, 1 or 2). Raises NotFound."""
        return await self.send(calls.reset_channel_counters(channel))

    async def uv_routine_interval_options(self) -> list[UvRoutineIntervalOption]:
        """The intervals the UV routine can be set to."""
        return await self.send(calls.uv_routine_interval_options())

    async def uv_routine_settings(self) -> UvRoutineSettings:
        """The UV routine's interval."""
        return await self.send(calls.uv_routine_settings())

    async def set_uv_routine_settings(self, interval: UvInterval | str) -> None:
        """Set the UV routine's interval (Never, EveryProtocolRun, Daily, Weekly)."""
        return await self.send(calls.set_uv_routine_settings(interval))

    async def abort(self) -> None:
        """Abort the run in progress at its next safe point. Raises Conflict when none runs."""
        return await self.send(calls.abort())

    async def close_view(
        self, view_id: str, result: ViewResult | str, view_input: str | None = None
    ) -> None:
        """Answer a view. Raises NotFound (no such open view) or BadRequest (result not allowed)."""
        return await self.send(calls.close_view(view_id, result, view_input))

    # -- mlprep's own ----------------------------------------------------------------------------

    async def health(self) -> Health:
        """Whether the server and its database answer (no token needed)."""
        return await self.send(calls.health())

    async def metrics(self) -> str:
        """Prometheus metrics text (no token needed)."""
        return await self.send(calls.metrics())

    async def audit(
        self, offset: int = 0, limit: int = 100, action: str | None = None
    ) -> AuditPage:
        """A page of the audit trail, newest first (ViewAudit)."""
        return await self.send(calls.audit(offset, limit, action))

    async def runs(self, offset: int = 0, limit: int = 50) -> RunPage:
        """A page of the run history, newest first."""
        return await self.send(calls.runs(offset, limit))

    async def current_run(self) -> Run | None:
        """The run in progress with its open view, or None."""
        return await self.send(calls.current_run())

    async def run(self, run_id: str) -> Run:
        """One run with its views, errors and inputs. Raises NotFound."""
        return await self.send(calls.run(run_id))

    async def users(self) -> list[User]:
        """Every user (ModifyUsers)."""
        return await self.send(calls.users())

    async def user(self, user_name: str) -> User:
        """One user. Raises NotFound."""
        return await self.send(calls.user(user_name))

    async def add_user(
        self, user_name: str, password: str, role: Role | str = Role.OPERATOR
    ) -> User:
        """Add a user. Raises BadRequest (short password) or Conflict (name taken)."""
        return await self.send(calls.add_user(user_name, password, role))

    async def set_user_password(self, user_name: str, password: str) -> User:
        """Set a user's password; their tokens stop working and a lockout ends."""
        return await self.send(calls.set_user_password(user_name, password))

    async def set_user_role(self, user_name: str, role: Role | str) -> User:
        """Give a user another role; their tokens stop working. Conflict for the last admin."""
        return await self.send(calls.set_user_role(user_name, role))

    async def unlock_user(self, user_name: str) -> User:
        """End a user's lockout."""
        return await self.send(calls.unlock_user(user_name))

    async def remove_user(self, user_name: str) -> None:
        """Remove a user; their tokens stop working. Conflict for the last admin."""
        return await self.send(calls.remove_user(user_name))

    async def access_keys(self, user_name: str) -> list[AccessKey]:
        """A user's access keys (your own, or anyone's with ModifyUsers); never their secrets."""
        return await self.send(calls.access_keys(user_name))

    async def add_access_key(self, user_name: str, label: str) -> IssuedAccessKey:
        """A new access key for a user, with its secret (shown this once): for the CLI or CI."""
        return await self.send(calls.add_access_key(user_name, label))

    async def revoke_access_key(self, user_name: str, key_id: str) -> None:
        """Revoke an access key: the tokens issued from it stop working. Raises NotFound."""
        return await self.send(calls.revoke_access_key(user_name, key_id))

    async def simulator(self) -> SimulatorState:
        """Everything the simulator is set to (ControlSimulator)."""
        return await self.send(calls.simulator())

    async def simulator_clock(self) -> SimulatorClock:
        """The simulated instrument's clock."""
        return await self.send(calls.simulator_clock())

    async def set_clock_speed(self, speed: float) -> SimulatorClock:
        """Simulated seconds per real second (0: actions finish at once)."""
        return await self.send(calls.set_clock_speed(speed))

    async def advance_clock(
        self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> SimulatorClock:
        """Move the simulated clock forward, so that procedures fall due."""
        return await self.send(calls.advance_clock(days, hours, minutes, seconds))

    async def plan_fault(
        self,
        operation: SimulatedOperation | str,
        channel: Channel | str | None = None,
        message: str | None = None,
    ) -> SimulatorFaults:
        """Make the next such operation (on that channel, or any) fail."""
        return await self.send(calls.plan_fault(operation, channel, message))

    async def set_fault_rate(self, rate: float, seed: int | None = None) -> SimulatorFaults:
        """A random fault rate (0-1) and the seed that makes it repeatable."""
        return await self.send(calls.set_fault_rate(rate, seed))

    async def clear_faults(self) -> SimulatorFaults:
        """Forget planned faults; rate 0."""
        return await self.send(calls.clear_faults())

    async def simulate_protocol_run(
        self, duration_seconds: float = 1_800, tips: int = 8, transfers: int = 24
    ) -> ProtocolRun:
        """One simulated protocol run: time passes, counters move, UV may fall due."""
        return await self.send(calls.simulate_protocol_run(duration_seconds, tips, transfers))

    async def set_channel_counters(self, channel: Channel | str, **counters: int) -> ChannelCounter:
        """Set some counters by wire name (tipPickUpCounter, ...; lifetime totals stay)."""
        return await self.send(calls.set_channel_counters(channel, **counters))

    async def set_hepa_pressure_drop(self, pressure_drop_pa: float) -> HepaPressureDrop:
        """The pressure drop the HEPA filter check will read."""
        return await self.send(calls.set_hepa_pressure_drop(pressure_drop_pa))

    async def factory_reset(self) -> SimulatorState:
        """Forget runs, counters and executions (users and the audit trail stay)."""
        return await self.send(calls.factory_reset())

    # -- events and runs -------------------------------------------------------------------------

    def events(
        self,
        streams: Collection[str] = STREAMS,
        codes: Collection[str] | None = None,
        reconnect: bool = True,
    ) -> AsyncEventSubscription:
        """Follow the instrument's events: `async with client.events() as events:` then
        `async for event in events:`. `codes` keeps only those codes."""
        return AsyncEventSubscription(
            self.base_url, self._stream_headers, streams, codes, reconnect, self._log_in_again
        )

    async def _log_in_again(self) -> bool:
        return await self._drive(self._flows.log_in_again())

    async def _stream_headers(self) -> dict[str, str]:
        return await self._drive(self._flows.stream_headers())

    async def run_procedure(
        self,
        procedure: str,
        answer: Answerer | None = None,
        *,
        on_error: ErrorPolicy | str | Answerer | None = None,
        on_update: Callable[[Run], None] | None = None,
        poll_seconds: float = 1.0,
        abort_if_stopped: bool = True,
    ) -> Run:
        """Run a procedure (by id or name) to its end and return the finished run.

        `answer(prompt)` is called for each view and returns an `Answer` (or just a result such
        as "Ok"); `prompt.image()` fetches the view's image. `on_error` answers Error views:
        "retry", "continue", "abort", or a callback. `on_update(run)` hears of every change.
        If the caller stops it (an exception, Ctrl-C), the run is aborted, unless
        `abort_if_stopped` is False: then it is left as it is (waiting for an answer, say), for
        the caller to decide.
        """
        procedure_id = (await self.find_procedure(procedure)).id
        async with self.events() as events:  # subscribed before the start: nothing is missed
            started = await self.start_procedure(procedure_id)
            flow = follow(
                self._flows,
                started.run_id,
                answer,
                on_error,
                on_update,
                poll_seconds,
                abort_if_stopped,
                self._view_image,
            )
            return await self._drive(flow, events)

    async def follow_run(
        self,
        run_id: str,
        answer: Answerer | None = None,
        *,
        on_error: ErrorPolicy | str | Answerer | None = None,
        on_update: Callable[[Run], None] | None = None,
        poll_seconds: float = 1.0,
        abort_if_stopped: bool = True,
    ) -> Run:
        """Follow a run that is already going (one left waiting, or started elsewhere) to its
        end, answering its views as `run_procedure` does; the finished run."""
        async with self.events() as events:
            flow = follow(
                self._flows,
                run_id,
                answer,
                on_error,
                on_update,
                poll_seconds,
                abort_if_stopped,
                self._view_image,
            )
            return await self._drive(flow, events)

    async def _view_image(self, view: View) -> bytes:
        return await self.image(view.image_name) if view.image_name else b""
