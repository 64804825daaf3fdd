"""`PrepClient`: every operation of the vendor's API and of mlprep's own, over httpx (blocking)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TypeVar

import httpx

from mlprep import __version__
from mlprep.client import calls
from mlprep.client.calls import (
    DEFAULT_URL,
    VENDOR_PREFIX,
    Call,
)
from mlprep.client.drive import drive
from mlprep.client.events import STREAMS, EventSubscription
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


class PrepClient:
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
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        credentials = Credentials(user_name, password) if user_name and password else None
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix
        self.session = Session(token, credentials, clock, access_key)
        self._flows = Flows(self.base_url, prefix, self.session, retries)
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"mlprep-client/{__version__}"},
        )

    # -- the plumbing ----------------------------------------------------------------------------

    def send(self, call: Call[T]) -> T:
        """Send one call and read its answer. Raises a ProblemError subclass for an error answer
        and ServerUnreachable when none came."""
        return self._drive(self._flows.send(call))

    def _drive(self, flow: Flow[T], events: EventSubscription | None = None) -> T:
        return drive(flow, self._http, self._sleep, events)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> PrepClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- Authenticate ----------------------------------------------------------------------------

    def login(
        self, user_name: str | None = None, password: str | None = None
    ) -> AuthenticateResponse:
        """Log in (with the given credentials, else those the client was made with); the token is
        used from now on. Raises Unauthenticated, LockedOut (retry_after) or ServiceBusy."""
        return self._drive(self._flows.login(user_name, password))

    def login_with_access_key(self, access_key: str | None = None) -> AuthenticateResponse:
        """Exchange an access key (the given one, else the one held) for a token, used from now
        on; the key is held to get the next one. Raises Unauthenticated (revoked or unknown)."""
        return self._drive(self._flows.login_with_access_key(access_key))

    def logout(self) -> None:
        """Log out: the server revokes the token; the client forgets it, and the password or
        access key it held."""
        return self._drive(self._flows.logout())

    def renew_token(self) -> AuthenticateResponse:
        """Exchange the token for a fresh one (which the client uses from now on)."""
        return self._drive(self._flows.renew_token())

    def check_authentication(self) -> bool:
        """Whether the token is valid now (no renewal is tried)."""
        return self._drive(self._flows.check_authentication())

    # -- Maintenance -----------------------------------------------------------------------------

    def initialize_maintenance(self) -> None:
        """Fill the procedure list on a fresh instrument (idempotent)."""
        return self.send(calls.initialize_maintenance())

    def procedures(self) -> list[MaintenanceProcedure]:
        """Every procedure with its status and due date."""
        return self.send(calls.procedures())

    def procedure(self, procedure_id: str) -> MaintenanceProcedureDetails:
        """One procedure. Raises NotFound."""
        return self.send(calls.procedure(procedure_id))

    def find_procedure(self, id_or_name: str) -> MaintenanceProcedure:
        """The procedure with this id or name (any letter case). Raises NotFound."""
        return resolve_procedure(self.procedures(), id_or_name)

    def procedure_steps(self, procedure_id: str) -> list[RunStep]:
        """A procedure's steps: each action, and each view with what its results do (mlprep's
        own, for checking answers before a start). Raises NotFound."""
        return self.send(calls.procedure_steps(procedure_id))

    def start_procedure(self, procedure_id: str) -> StartedRun:
        """Start a run. Raises Conflict while another runs, NotFound for an unknown id."""
        return self.send(calls.start_procedure(procedure_id))

    def image(self, image_name: str) -> bytes:
        """A view's image (PNG bytes)."""
        return self.send(calls.image(image_name))

    def errors(self) -> list[MaintenanceError]:
        """The errors of the current run, else of the latest one."""
        return self.send(calls.errors())

    def channel_counters(self) -> list[ChannelCounter]:
        """Each channel's usage counters."""
        return self.send(calls.channel_counters())

    def reset_channel_counters(self, channel: Channel | str) -> None:
        """Reset one channel's counters (Front, Rear, 1 or 2). Raises NotFound."""
        return self.send(calls.reset_channel_counters(channel))

    def uv_routine_interval_options(self) -> list[UvRoutineIntervalOption]:
        """The intervals the UV routine can be set to."""
        return self.send(calls.uv_routine_interval_options())

    def uv_routine_settings(self) -> UvRoutineSettings:
        """The UV routine's interval."""
        return self.send(calls.uv_routine_settings())

    def set_uv_routine_settings(self, interval: UvInterval | str) -> None:
        """Set the UV routine's interval (Never, EveryProtocolRun, Daily, Weekly)."""
        return self.send(calls.set_uv_routine_settings(interval))

    def abort(self) -> None:
        """Abort the run in progress at its next safe point. Raises Conflict when none runs."""
        return self.send(calls.abort())

    def close_view(
        self, view_id: str, result: ViewResult | str, view_input: str | None = None
    ) -> None:
        """Answer a view. Raises NotFound (no such open view) or BadRequest (result not allowed)."""
        return self.send(calls.close_view(view_id, result, view_input))

    # -- mlprep's own ----------------------------------------------------------------------------

    def health(self) -> Health:
        """Whether the server and its database answer (no token needed)."""
        return self.send(calls.health())

    def metrics(self) -> str:
        """Prometheus metrics text (no token needed)."""
        return self.send(calls.metrics())

    def audit(self, offset: int = 0, limit: int = 100, action: str | None = None) -> AuditPage:
        """A page of the audit trail, newest first (ViewAudit)."""
        return self.send(calls.audit(offset, limit, action))

    def runs(self, offset: int = 0, limit: int = 50) -> RunPage:
        """A page of the run history, newest first."""
        return self.send(calls.runs(offset, limit))

    def current_run(self) -> Run | None:
        """The run in progress with its open view, or None."""
        return self.send(calls.current_run())

    def run(self, run_id: str) -> Run:
        """One run with its views, errors and inputs. Raises NotFound."""
        return self.send(calls.run(run_id))

    def users(self) -> list[User]:
        """Every user (ModifyUsers)."""
        return self.send(calls.users())

    def user(self, user_name: str) -> User:
        """One user. Raises NotFound."""
        return self.send(calls.user(user_name))

    def add_user(self, user_name: str, password: str, role: Role | str = Role.OPERATOR) -> User:
        """Add a user. Raises BadRequest (short password) or Conflict (name taken)."""
        return self.send(calls.add_user(user_name, password, role))

    def set_user_password(self, user_name: str, password: str) -> User:
        """Set a user's password; their tokens stop working and a lockout ends."""
        return self.send(calls.set_user_password(user_name, password))

    def set_user_role(self, user_name: str, role: Role | str) -> User:
        """Give a user another role; their tokens stop working. Conflict for the last admin."""
        return self.send(calls.set_user_role(user_name, role))

    def unlock_user(self, user_name: str) -> User:
        """End a user's lockout."""
        return self.send(calls.unlock_user(user_name))

    def remove_user(self, user_name: str) -> None:
        """Remove a user; their tokens stop working. Conflict for the last admin."""
        return self.send(calls.remove_user(user_name))

    def access_keys(self, user_name: str) -> list[AccessKey]:
        """A user's access keys (your own, or anyone's with ModifyUsers); never their secrets."""
        return self.send(calls.access_keys(user_name))

    def add_access_key(self, user_name: str, label: str) -> IssuedAccessKey:
        """A new access key for a user, with its secret (shown this once): for the CLI or CI."""
        return self.send(calls.add_access_key(user_name, label))

    def revoke_access_key(self, user_name: str, key_id: str) -> None:
        """Revoke an access key: the tokens issued from it stop working. Raises NotFound."""
        return self.send(calls.revoke_access_key(user_name, key_id))

    def simulator(self) -> SimulatorState:
        """Everything the simulator is set to (ControlSimulator)."""
        return self.send(calls.simulator())

    def simulator_clock(self) -> SimulatorClock:
        """The simulated instrument's clock."""
        return self.send(calls.simulator_clock())

    def set_clock_speed(self, speed: float) -> SimulatorClock:
        """Simulated seconds per real second (0: actions finish at once)."""
        return self.send(calls.set_clock_speed(speed))

    def advance_clock(
        self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> SimulatorClock:
        """Move the simulated clock forward, so that procedures fall due."""
        return self.send(calls.advance_clock(days, hours, minutes, seconds))

    def plan_fault(
        self,
        operation: SimulatedOperation | str,
        channel: Channel | str | None = None,
        message: str | None = None,
    ) -> SimulatorFaults:
        """Make the next such operation (on that channel, or any) fail."""
        return self.send(calls.plan_fault(operation, channel, message))

    def set_fault_rate(self, rate: float, seed: int | None = None) -> SimulatorFaults:
        """A random fault rate (0-1) and the seed that makes it repeatable."""
        return self.send(calls.set_fault_rate(rate, seed))

    def clear_faults(self) -> SimulatorFaults:
        """Forget planned faults; rate 0."""
        return self.send(calls.clear_faults())

    def simulate_protocol_run(
        self, duration_seconds: float = 1_800, tips: int = 8, transfers: int = 24
    ) -> ProtocolRun:
        """One simulated protocol run: time passes, counters move, UV may fall due."""
        return self.send(calls.simulate_protocol_run(duration_seconds, tips, transfers))

    def set_channel_counters(self, channel: Channel | str, **counters: int) -> ChannelCounter:
        """Set some counters by wire name (tipPickUpCounter, ...; lifetime totals stay)."""
        return self.send(calls.set_channel_counters(channel, **counters))

    def set_hepa_pressure_drop(self, pressure_drop_pa: float) -> HepaPressureDrop:
        """The pressure drop the HEPA filter check will read."""
        return self.send(calls.set_hepa_pressure_drop(pressure_drop_pa))

    def factory_reset(self) -> SimulatorState:
        """Forget runs, counters and executions (users and the audit trail stay)."""
        return self.send(calls.factory_reset())

    # -- events and runs -------------------------------------------------------------------------

    def events(
        self,
        streams: Collection[str] = STREAMS,
        codes: Collection[str] | None = None,
        reconnect: bool = True,
    ) -> EventSubscription:
        """Follow the instrument's events: `with client.events() as events: for e in events:`.
        `codes` keeps only those codes (e.g. {"maintenancedata", "error"})."""
        return EventSubscription(
            self.base_url, self._stream_headers, streams, codes, reconnect, self._log_in_again
        )

    def _log_in_again(self) -> bool:
        return self._drive(self._flows.log_in_again())

    def _stream_headers(self) -> dict[str, str]:
        return self._drive(self._flows.stream_headers())

    def run_procedure(
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
        procedure_id = self.find_procedure(procedure).id
        with self.events() as events:  # subscribed before the start: nothing is missed
            started = self.start_procedure(procedure_id)
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
            return self._drive(flow, events)

    def follow_run(
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
        with self.events() as events:
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
            return self._drive(flow, events)

    def _view_image(self, view: View) -> bytes:
        return self.image(view.image_name) if view.image_name else b""
