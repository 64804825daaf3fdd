"""Every operation as a `Call`: the request to send and how to read its answer, with no I/O.

The sync and async clients send the same calls; only how they wait differs. Paths are relative:
vendor operations go under the client's vendor prefix (`/api/v1` or `/NimbusLite/api/v1`),
mlprep's own under `/mlprep/v1`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from mlprep.client.errors import UnexpectedResponse
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
from mlprep.contract.runs import Run, RunPage, RunStep
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
VENDOR = "vendor"
OURS = "ours"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_URL = "http://127.0.0.1:8080"
VENDOR_PREFIX = "/api/v1"
# Connection failures worth another try (for idempotent calls): nothing or a broken answer came.
RETRYABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)


def retry_delay(attempt: int) -> float:
    """Seconds before retry number `attempt` (0 first): 0.2, 0.4, 0.8 ..."""
    return float(0.2 * 2**attempt)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the reading of its successful answer."""

    method: str
    api: str  # VENDOR or OURS
    path: str
    read: Callable[[httpx.Response], T]
    json: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    authenticated: bool = True
    # Safe to send again when the connection failed: repeating it cannot do something twice.
    idempotent: bool | None = None

    @property
    def retryable(self) -> bool:
        """Whether a connection failure may be retried."""
        if self.idempotent is not None:
            return self.idempotent
        return self.method in IDEMPOTENT_METHODS


def model(kind: Any) -> Callable[[httpx.Response], Any]:
    """Reads the body as `kind` (a wire model or a list of them)."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)

    def read(response: httpx.Response) -> Any:
        try:
            return adapter.validate_json(response.content)
        except ValueError as error:
            raise UnexpectedResponse(
                f"{response.request.method} {response.request.url.path} answered a body that is "
                f"not a {kind!r}: {error}"
            ) from error

    return read


def nothing(_: httpx.Response) -> None:
    """Success carries no body worth reading."""


def content(response: httpx.Response) -> bytes:
    """The body's bytes (an image)."""
    return response.content


def text(response: httpx.Response) -> str:
    """The body as text (Prometheus metrics)."""
    return response.text


def run_or_none(response: httpx.Response) -> Run | None:
    """The current run, or None when the server answers 204 (no run in progress)."""
    if response.status_code == 204:
        return None
    result: Run = model(Run)(response)
    return result


def segment(value: str) -> str:
    """`value` as one path segment (so that a name with `/` or `?` stays one)."""
    return quote(value, safe="")


# -- Authenticate (the vendor's) -----------------------------------------------------------------


def login(user_name: str, password: str) -> Call[AuthenticateResponse]:
    return Call(
        "POST",
        VENDOR,
        "authenticate",
        model(AuthenticateResponse),
        json={"userName": user_name, "password": password},
        authenticated=False,
    )


def login_with_access_key(access_key: str) -> Call[AuthenticateResponse]:
    return Call(
        "POST",
        OURS,
        "authenticate/access-key",
        model(AuthenticateResponse),
        json={"accessKey": access_key},
        authenticated=False,
    )


def logout() -> Call[None]:
    return Call("DELETE", VENDOR, "authenticate", nothing)


def renew_token() -> Call[AuthenticateResponse]:
    return Call("POST", VENDOR, "authenticate/renew-token", model(AuthenticateResponse))


def check_authentication() -> Call[None]:
    return Call("GET", VENDOR, "authenticate/check-authentication", nothing)


# -- Maintenance (the vendor's) ------------------------------------------------------------------


def initialize_maintenance() -> Call[None]:
    # The vendor documents it as idempotent: it only fills an empty procedure list.
    return Call("POST", VENDOR, "maintenance/initialize", nothing, idempotent=True)


def procedures() -> Call[list[MaintenanceProcedure]]:
    return Call("GET", VENDOR, "maintenance", model(list[MaintenanceProcedure]))


def procedure(procedure_id: str) -> Call[MaintenanceProcedureDetails]:
    path = f"maintenance/{segment(procedure_id)}"
    return Call("GET", VENDOR, path, model(MaintenanceProcedureDetails))


def procedure_steps(procedure_id: str) -> Call[list[RunStep]]:
    path = f"procedures/{segment(procedure_id)}/steps"
    return Call("GET", OURS, path, model(list[RunStep]))


def start_procedure(procedure_id: str) -> Call[StartedRun]:
    return Call("POST", VENDOR, f"maintenance/{segment(procedure_id)}", model(StartedRun))


def image(image_name: str) -> Call[bytes]:
    path = f"maintenance/images/{segment(image_name)}"
    return Call("GET", VENDOR, path, content, authenticated=False)


def errors() -> Call[list[MaintenanceError]]:
    return Call("GET", VENDOR, "maintenance/errors", model(list[MaintenanceError]))


def channel_counters() -> Call[list[ChannelCounter]]:
    return Call("GET", VENDOR, "maintenance/channel-counters", model(list[ChannelCounter]))


def reset_channel_counters(channel: Channel | str) -> Call[None]:
    path = f"maintenance/reset-channel-counters/{segment(str(channel))}"
    return Call("POST", VENDOR, path, nothing, idempotent=True)


def uv_routine_interval_options() -> Call[list[UvRoutineIntervalOption]]:
    path = "maintenance/uv-routine-interval-options"
    return Call("GET", VENDOR, path, model(list[UvRoutineIntervalOption]))


def uv_routine_settings() -> Call[UvRoutineSettings]:
    return Call("GET", VENDOR, "maintenance/uv-routine-settings", model(UvRoutineSettings))


def set_uv_routine_settings(interval: UvInterval | str) -> Call[None]:
    body = {"interval": str(UvInterval(interval))}
    return Call("PUT", VENDOR, "maintenance/uv-routine-settings", nothing, json=body)


def abort() -> Call[None]:
    return Call("POST", VENDOR, "maintenance/abort", nothing)


def close_view(view_id: str, result: ViewResult | str, view_input: str | None = None) -> Call[None]:
    body: dict[str, Any] = {"viewId": view_id, "viewResult": str(ViewResult(result))}
    if view_input is not None:
        body["viewInput"] = view_input
    return Call("POST", VENDOR, "maintenance/close-view", nothing, json=body)


# -- mlprep's own --------------------------------------------------------------------------------


def health() -> Call[Health]:
    return Call("GET", OURS, "health", model(Health), authenticated=False)


def metrics() -> Call[str]:
    return Call("GET", OURS, "metrics", text, authenticated=False)


def audit(offset: int = 0, limit: int = 100, action: str | None = None) -> Call[AuditPage]:
    params: dict[str, Any] = {"offset": offset, "limit": limit}
    if action is not None:
        params["action"] = action
    return Call("GET", OURS, "audit", model(AuditPage), params=params)


def runs(offset: int = 0, limit: int = 50) -> Call[RunPage]:
    params = {"offset": offset, "limit": limit}
    return Call("GET", OURS, "runs", model(RunPage), params=params)


def current_run() -> Call[Run | None]:
    return Call("GET", OURS, "runs/current", run_or_none)


def run(run_id: str) -> Call[Run]:
    return Call("GET", OURS, f"runs/{segment(run_id)}", model(Run))


def users() -> Call[list[User]]:
    return Call("GET", OURS, "users", model(list[User]))


def user(user_name: str) -> Call[User]:
    return Call("GET", OURS, f"users/{segment(user_name)}", model(User))


def add_user(user_name: str, password: str, role: Role | str = Role.OPERATOR) -> Call[User]:
    body = {"userName": user_name, "password": password, "role": str(Role(role))}
    return Call("POST", OURS, "users", model(User), json=body)


def set_user_password(user_name: str, password: str) -> Call[User]:
    path = f"users/{segment(user_name)}/password"
    return Call("PUT", OURS, path, model(User), json={"password": password})


def set_user_role(user_name: str, role: Role | str) -> Call[User]:
    path = f"users/{segment(user_name)}/role"
    return Call("PUT", OURS, path, model(User), json={"role": str(Role(role))})


def unlock_user(user_name: str) -> Call[User]:
    path = f"users/{segment(user_name)}/unlock"
    return Call("POST", OURS, path, model(User), idempotent=True)


def remove_user(user_name: str) -> Call[None]:
    return Call("DELETE", OURS, f"users/{segment(user_name)}", nothing)


def access_keys(user_name: str) -> Call[list[AccessKey]]:
    return Call("GET", OURS, f"users/{segment(user_name)}/access-keys", model(list[AccessKey]))


def add_access_key(user_name: str, label: str) -> Call[IssuedAccessKey]:
    path = f"users/{segment(user_name)}/access-keys"
    return Call("POST", OURS, path, model(IssuedAccessKey), json={"label": label})


def revoke_access_key(user_name: str, key_id: str) -> Call[None]:
    path = f"users/{segment(user_name)}/access-keys/{segment(key_id)}"
    return Call("DELETE", OURS, path, nothing)


def simulator() -> Call[SimulatorState]:
    return Call("GET", OURS, "simulator", model(SimulatorState))


def simulator_clock() -> Call[SimulatorClock]:
    return Call("GET", OURS, "simulator/clock", model(SimulatorClock))


def set_clock_speed(speed: float) -> Call[SimulatorClock]:
    body = {"speed": speed}
    return Call("PUT", OURS, "simulator/clock/speed", model(SimulatorClock), json=body)


def advance_clock(
    days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
) -> Call[SimulatorClock]:
    parts = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
    body = {name: value for name, value in parts.items() if value} or {"seconds": 0}
    return Call("POST", OURS, "simulator/clock/advance", model(SimulatorClock), json=body)


def plan_fault(
    operation: SimulatedOperation | str,
    channel: Channel | str | None = None,
    message: str | None = None,
) -> Call[SimulatorFaults]:
    body: dict[str, Any] = {"operation": str(SimulatedOperation(operation))}
    if channel is not None:
        body["channel"] = str(Channel(channel))
    if message is not None:
        body["message"] = message
    return Call("POST", OURS, "simulator/faults/next", model(SimulatorFaults), json=body)


def set_fault_rate(rate: float, seed: int | None = None) -> Call[SimulatorFaults]:
    body = {"rate": rate, "seed": seed}
    return Call("PUT", OURS, "simulator/faults", model(SimulatorFaults), json=body)


def clear_faults() -> Call[SimulatorFaults]:
    return Call("DELETE", OURS, "simulator/faults", model(SimulatorFaults))


def simulate_protocol_run(
    duration_seconds: float = 1_800, tips: int = 8, transfers: int = 24
) -> Call[ProtocolRun]:
    body = {"durationSeconds": duration_seconds, "tips": tips, "transfers": transfers}
    return Call("POST", OURS, "simulator/protocol-runs", model(ProtocolRun), json=body)


def set_channel_counters(channel: Channel | str, **counters: int) -> Call[ChannelCounter]:
    """`counters` by their wire names: tipPickUpCounter, tipEjectCounter, aspirateCounter,
    dispenseCounter (at least one)."""
    path = f"simulator/counters/{segment(str(channel))}"
    return Call("PUT", OURS, path, model(ChannelCounter), json=counters)


def set_hepa_pressure_drop(pressure_drop_pa: float) -> Call[HepaPressureDrop]:
    body = {"pressureDropPa": pressure_drop_pa}
    return Call("PUT", OURS, "simulator/hepa", model(HepaPressureDrop), json=body)


def factory_reset() -> Call[SimulatorState]:
    return Call("POST", OURS, "simulator/factory-reset", model(SimulatorState))


def url_for(call: Call[Any], vendor_prefix: str) -> str:
    """The path `call` goes to, under the vendor prefix or mlprep's own."""
    prefix = vendor_prefix.rstrip("/") if call.api == VENDOR else "/mlprep/v1"
    return f"{prefix}/{call.path}"
