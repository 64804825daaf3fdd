"""`/mlprep/v1/simulator`: clock, faults, protocol runs, counters, HEPA reading, factory reset."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mlprep.contract.users import Role
from mlprep.counters import CounterKind
from mlprep.services import Services
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

SIM = "/mlprep/v1/simulator"
MAINTENANCE = "/api/v1/maintenance"
CURRENT_RUN = "/mlprep/v1/runs/current"
EMPTY_DATE = "0001-01-01T00:00:00+00:00"
LARGEST_DATE = "9999-12-31T23:59:59.999999+00:00"
MAX = 4294967295
OPERATOR_PASSWORD = "operator password"

# (method, path, body) of every simulator endpoint, each with a valid body.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", SIM, None),
    ("GET", f"{SIM}/clock", None),
    ("PUT", f"{SIM}/clock/speed", {"speed": 2}),
    ("POST", f"{SIM}/clock/advance", {"hours": 1}),
    ("POST", f"{SIM}/faults/next", {"operation": "tip_check"}),
    ("PUT", f"{SIM}/faults", {"rate": 0.5, "seed": 1}),
    ("DELETE", f"{SIM}/faults", None),
    ("POST", f"{SIM}/protocol-runs", {}),
    ("PUT", f"{SIM}/counters/Front", {"aspirateCounter": 1}),
    ("PUT", f"{SIM}/hepa", {"pressureDropPa": 100}),
    ("POST", f"{SIM}/factory-reset", None),
]


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Speed 0: simulated actions complete at once, so runs finish while the test polls."""
    return Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, speed=0)


@pytest.fixture
def operator_headers(client: ApiClient, services: Services) -> dict[str, str]:
    """An Operator: may view and execute maintenance, not control the simulator."""
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    return bearer(log_in(client, "olivia", OPERATOR_PASSWORD))


def send(client: ApiClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=headers)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json() if response.content else None


def procedure(client: ApiClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    procedures = ok(client.get(MAINTENANCE, headers=headers))
    found: dict[str, Any] = next(p for p in procedures if p["name"] == name)
    return found


def counters(client: ApiClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = ok(client.get(f"{MAINTENANCE}/channel-counters", headers=headers))
    return {counter["name"]: counter for counter in listed}


def wait_for_view(client: ApiClient, headers: dict[str, str]) -> dict[str, Any] | None:
    """The open view of the current run, or None once no run is in progress."""
    for _ in range(500):
        response = client.get(CURRENT_RUN, headers=headers)
        if response.status_code == 204:
            return None
        view: dict[str, Any] | None = ok(response)["openView"]
        if view is not None:
            return view
        time.sleep(0.01)
    raise AssertionError("the run neither showed a view nor ended")


def answer(client: ApiClient, headers: dict[str, str], view: dict[str, Any], result: str) -> None:
    body = {"viewId": view["viewId"], "viewResult": result}
    ok(client.post(f"{MAINTENANCE}/close-view", json=body, headers=headers))


def start(client: ApiClient, headers: dict[str, str], name: str) -> None:
    ok(client.post(f"{MAINTENANCE}/{procedure(client, headers, name)['id']}", headers=headers))


def run_to_completion(client: ApiClient, headers: dict[str, str], name: str) -> None:
    """Start a procedure and answer each view with Ok (or Yes) until the run has ended."""
    start(client, headers, name)
    while (view := wait_for_view(client, headers)) is not None:
        assert view["kind"] != "Error", view
        answer(client, headers, view, "Ok" if "Ok" in view["results"] else "Yes")


def abort_run(client: ApiClient, headers: dict[str, str]) -> None:
    ok(client.post(f"{MAINTENANCE}/abort", headers=headers))
    assert wait_for_view(client, headers) is None


def audited(client: ApiClient, headers: dict[str, str], action: str) -> list[dict[str, Any]]:
    page = ok(client.get("/mlprep/v1/audit", params={"action": action}, headers=headers))
    items: list[dict[str, Any]] = page["items"]
    return items


# -- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_needs_a_token(client: ApiClient, method: str, path: str, body: Any) -> None:
    assert_problem(client.request(method, path, json=body), 401)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_needs_control_simulator(
    client: ApiClient, operator_headers: dict[str, str], method: str, path: str, body: Any
) -> None:
    detail = assert_problem(send(client, method, path, body, operator_headers), 403)["detail"]
    assert "ControlSimulator" in detail


# -- reading ----------------------------------------------------------------------------------


def test_state_describes_the_simulated_instrument(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    state = ok(client.get(SIM, headers=admin_headers))
    assert datetime.fromisoformat(state.pop("now")).utcoffset() is not None
    assert state == {
        "speed": 0.0,
        "offsetSeconds": 0.0,
        "faultRate": 0.0,
        "faultSeed": None,
        "plannedFaults": [],
        "channels": ["Front", "Rear"],
        "serialNumber": "PREP-SIM-0001",
        "timeZone": "UTC",
        "hepaPressureDropPa": 120.0,
    }


# -- the clock --------------------------------------------------------------------------------


def test_speed_and_advance_move_the_clock(client: ApiClient, admin_headers: dict[str, str]) -> None:
    before = ok(client.get(f"{SIM}/clock", headers=admin_headers))
    clock = ok(client.put(f"{SIM}/clock/speed", json={"Speed": 2.5}, headers=admin_headers))
    assert clock["speed"] == 2.5
    body = {"days": 1, "hours": 1, "minutes": 1, "seconds": 1.5}
    clock = ok(client.post(f"{SIM}/clock/advance", json=body, headers=admin_headers))
    assert clock["offsetSeconds"] == 90061.5
    moved = datetime.fromisoformat(clock["now"]) - datetime.fromisoformat(before["now"])
    assert moved.total_seconds() == 90061.5
    # The token was issued a simulated day ago: sessions keep to real time, not the instrument's.
    assert ok(client.get(f"{SIM}/clock", headers=admin_headers)) == clock
    assert [e["actor"] for e in audited(client, admin_headers, "simulator.clock.advance")] == [
        "admin"
    ]
    assert audited(client, admin_headers, "simulator.clock.speed")[0]["detail"] == "0 -> 2.5"


def test_advancing_two_days_makes_daily_maintenance_expire(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    run_to_completion(client, admin_headers, "Daily Maintenance")
    daily = procedure(client, admin_headers, "Daily Maintenance")
    assert daily["status"] == "Ok"
    assert daily["lastExecutionTime"] != EMPTY_DATE
    ok(client.post(f"{SIM}/clock/advance", json={"hours": 23}, headers=admin_headers))
    assert procedure(client, admin_headers, "Daily Maintenance")["status"] == "Ok"
    ok(client.post(f"{SIM}/clock/advance", json={"days": 2}, headers=admin_headers))
    assert procedure(client, admin_headers, "Daily Maintenance")["status"] == "Expired"


# -- faults -----------------------------------------------------------------------------------


def test_planned_fault_fails_the_next_matching_action(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    fault = {"operation": "tip_check", "channel": "Rear", "message": "Simulated: no tip on Rear."}
    faults = ok(client.post(f"{SIM}/faults/next", json=fault, headers=admin_headers))
    assert faults["plannedFaults"] == [fault]
    assert ok(client.get(SIM, headers=admin_headers))["plannedFaults"] == [fault]
    start(client, admin_headers, "Daily Maintenance")
    while (view := wait_for_view(client, admin_headers)) is not None and view["kind"] != "Error":
        answer(client, admin_headers, view, "Ok")
    assert view is not None
    errors = ok(client.get(f"{MAINTENANCE}/errors", headers=admin_headers))
    assert [(e["message"], e["response"], e["channel"]) for e in errors] == [
        ("Pending", "Simulated: no tip on Rear.", "Rear")
    ]
    assert ok(client.get(SIM, headers=admin_headers))["plannedFaults"] == []
    abort_run(client, admin_headers)


def test_fault_rate_is_set_and_cleared(client: ApiClient, admin_headers: dict[str, str]) -> None:
    faults = ok(client.put(f"{SIM}/faults", json={"rate": 0.25, "seed": 42}, headers=admin_headers))
    assert (faults["faultRate"], faults["faultSeed"]) == (0.25, 42)
    ok(client.post(f"{SIM}/faults/next", json={"operation": "uv_lamp"}, headers=admin_headers))
    faults = ok(client.delete(f"{SIM}/faults", headers=admin_headers))
    assert (faults["faultRate"], faults["plannedFaults"]) == (0.0, [])
    assert len(audited(client, admin_headers, "simulator.faults.clear")) == 1


# -- protocol runs ----------------------------------------------------------------------------


def test_protocol_run_passes_time_and_moves_counters(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    before = ok(client.get(f"{SIM}/clock", headers=admin_headers))
    run = ok(client.post(f"{SIM}/protocol-runs", headers=admin_headers))  # no body: defaults
    started, ended = (datetime.fromisoformat(run[key]) for key in ("startedAt", "endedAt"))
    assert started == datetime.fromisoformat(before["now"])
    assert (ended - started).total_seconds() == 1800
    assert len(run["id"]) == 32
    body = {"DurationSeconds": 60, "tips": 1, "transfers": 2}
    ok(client.post(f"{SIM}/protocol-runs", json=body, headers=admin_headers))
    for channel in ("Front", "Rear"):
        assert counters(client, admin_headers)[channel] == {
            "name": channel,
            "tipPickUpCounter": 9,
            "tipEjectCounter": 9,
            "aspirateCounter": 26,
            "dispenseCounter": 26,
        }
    assert ok(client.get(f"{SIM}/clock", headers=admin_headers))["offsetSeconds"] == 1860
    assert len(audited(client, admin_headers, "simulator.protocol-run")) == 2


def test_protocol_run_makes_uv_due_with_every_protocol_run(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    uv_setting = {"interval": "EveryProtocolRun"}
    ok(client.put(f"{MAINTENANCE}/uv-routine-settings", json=uv_setting, headers=admin_headers))
    uv = procedure(client, admin_headers, "UV Decontamination")
    assert (uv["status"], uv["dueDateTime"]) == ("Ok", LARGEST_DATE)
    run = ok(client.post(f"{SIM}/protocol-runs", json={}, headers=admin_headers))
    uv = procedure(client, admin_headers, "UV Decontamination")
    assert (uv["status"], uv["dueDateTime"]) == ("Expired", run["endedAt"])
    assert counters(client, admin_headers)["Front"]["tipPickUpCounter"] == 8
    run_to_completion(client, admin_headers, "UV Decontamination")
    assert procedure(client, admin_headers, "UV Decontamination")["status"] == "Ok"
    run = ok(client.post(f"{SIM}/protocol-runs", json={}, headers=admin_headers))
    uv = procedure(client, admin_headers, "UV Decontamination")
    assert (uv["status"], uv["dueDateTime"]) == ("Expired", run["endedAt"])


def test_counters_wrap_past_the_32_bit_limit(
    client: ApiClient, admin_headers: dict[str, str], services: Services
) -> None:
    body = {
        "tipPickUpCounter": MAX,
        "tipEjectCounter": MAX,
        "aspirateCounter": MAX,
        "dispenseCounter": MAX,
    }
    assert ok(client.put(f"{SIM}/counters/front", json=body, headers=admin_headers)) == {
        "name": "Front",
        **body,
    }
    ok(client.post(f"{SIM}/protocol-runs", headers=admin_headers))
    assert counters(client, admin_headers)["Front"] == {
        "name": "Front",
        "tipPickUpCounter": 7,
        "tipEjectCounter": 7,
        "aspirateCounter": 23,
        "dispenseCounter": 23,
    }
    assert counters(client, admin_headers)["Rear"]["aspirateCounter"] == 24
    lifetime = services.counters.with_lifetime()[0].lifetime  # setting leaves lifetime alone
    assert lifetime[CounterKind.TIP_PICK_UP] == 8


def test_protocol_run_and_factory_reset_are_refused_during_a_run(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    start(client, admin_headers, "Daily Maintenance")
    assert wait_for_view(client, admin_headers) is not None
    for path in ("protocol-runs", "factory-reset"):
        body = assert_problem(client.post(f"{SIM}/{path}", headers=admin_headers), 409)
        assert "Daily Maintenance" in body["detail"]
    abort_run(client, admin_headers)
    ok(client.post(f"{SIM}/protocol-runs", headers=admin_headers))


# -- counters and readings --------------------------------------------------------------------


def test_counters_are_set_by_channel_name_or_index(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    body = {"aspirateCounter": 7}
    rear = ok(client.put(f"{SIM}/counters/REAR", json=body, headers=admin_headers))
    assert (rear["name"], rear["aspirateCounter"], rear["dispenseCounter"]) == ("Rear", 7, 0)
    ok(client.put(f"{SIM}/counters/1", json={"DispenseCounter": 3}, headers=admin_headers))
    assert counters(client, admin_headers)["Front"]["dispenseCounter"] == 3
    assert audited(client, admin_headers, "simulator.counters.set")[0]["target"] == "Front"


@pytest.mark.parametrize("channel", ["Side", "3", "0"])
def test_counters_of_an_unknown_channel_are_404(
    client: ApiClient, admin_headers: dict[str, str], channel: str
) -> None:
    body = {"aspirateCounter": 1}
    response = client.put(f"{SIM}/counters/{channel}", json=body, headers=admin_headers)
    detail = assert_problem(response, 404)["detail"]
    assert "Front (1)" in detail and "Rear (2)" in detail


def test_high_hepa_reading_asks_for_a_new_pre_filter(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    body = {"pressureDropPa": 180}
    assert ok(client.put(f"{SIM}/hepa", json=body, headers=admin_headers)) == {
        "pressureDropPa": 180.0
    }
    assert ok(client.get(SIM, headers=admin_headers))["hepaPressureDropPa"] == 180.0
    start(client, admin_headers, "HEPA Filter Check")
    view = wait_for_view(client, admin_headers)
    assert view is not None and view["title"] == "Replace the pre-filter"
    answer(client, admin_headers, view, "Ok")
    assert wait_for_view(client, admin_headers) is None


# -- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "clock/speed", {"speed": -1}),
        ("PUT", "clock/speed", {"speed": "fast"}),
        ("PUT", "clock/speed", {}),
        ("POST", "clock/advance", {}),
        ("POST", "clock/advance", {"second": 5}),
        ("POST", "clock/advance", {"seconds": -1}),
        ("POST", "clock/advance", {"days": 1e9}),
        ("POST", "faults/next", {"operation": "juggle"}),
        ("POST", "faults/next", {"operation": "tip_check", "channel": "Side"}),
        ("POST", "faults/next", {"channel": "Front"}),
        ("PUT", "faults", {"rate": 1.5}),
        ("PUT", "faults", {"rate": -0.1}),
        ("PUT", "faults", {"seed": 3}),
        ("POST", "protocol-runs", {"tips": -1}),
        ("POST", "protocol-runs", {"transfers": 2.5}),
        ("POST", "protocol-runs", {"durationSeconds": -5}),
        ("PUT", "counters/Front", {}),
        ("PUT", "counters/Front", {"tipPickUpCounter": MAX + 1}),
        ("PUT", "counters/Front", {"aspirateCounter": -1}),
        ("PUT", "hepa", {"pressureDropPa": -1}),
        ("PUT", "hepa", {}),
        ("PUT", "hepa", [150]),
    ],
)
def test_bad_bodies_are_400(
    client: ApiClient, admin_headers: dict[str, str], method: str, path: str, body: Any
) -> None:
    response = send(client, method, f"{SIM}/{path}", body, admin_headers)
    assert assert_problem(response, 400)["errors"]


def test_bodies_must_be_json(client: ApiClient, admin_headers: dict[str, str]) -> None:
    headers = {**admin_headers, "Content-Type": "text/plain"}
    response = client.put(f"{SIM}/hepa", content=b"150", headers=headers)
    assert_problem(response, 415)
    assert_problem(client.post(f"{SIM}/protocol-runs", content=b"{}", headers=headers), 415)


# -- factory reset ----------------------------------------------------------------------------


def test_factory_reset_forgets_history_but_keeps_users_and_audit(
    client: ApiClient, admin_headers: dict[str, str], services: Services
) -> None:
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    run_to_completion(client, admin_headers, "Daily Maintenance")
    ok(client.post(f"{SIM}/protocol-runs", headers=admin_headers))
    ok(client.put(f"{SIM}/counters/Rear", json={"tipEjectCounter": 99}, headers=admin_headers))
    weekly = {"interval": "Weekly"}
    ok(client.put(f"{MAINTENANCE}/uv-routine-settings", json=weekly, headers=admin_headers))
    ok(client.put(f"{SIM}/hepa", json={"pressureDropPa": 200}, headers=admin_headers))
    ok(client.post(f"{SIM}/faults/next", json={"operation": "uv_lamp"}, headers=admin_headers))

    state = ok(client.post(f"{SIM}/factory-reset", headers=admin_headers))

    assert (state["plannedFaults"], state["faultRate"], state["hepaPressureDropPa"]) == (
        [],
        0.0,
        120.0,
    )
    assert all(
        value == 0
        for counter in counters(client, admin_headers).values()
        for key, value in counter.items()
        if key != "name"
    )
    assert all(
        value == 0 for c in services.counters.with_lifetime() for value in c.lifetime.values()
    )
    procedures = ok(client.get(MAINTENANCE, headers=admin_headers))
    assert len(procedures) == 5
    assert {(p["lastExecutionTime"], p["status"]) for p in procedures} == {(EMPTY_DATE, "Expired")}
    uv_setting = ok(client.get(f"{MAINTENANCE}/uv-routine-settings", headers=admin_headers))
    assert uv_setting == {"interval": "Daily"}
    assert ok(client.get("/mlprep/v1/runs", headers=admin_headers))["total"] == 0
    assert ok(client.get(f"{MAINTENANCE}/errors", headers=admin_headers)) == []
    log_in(client, "olivia", OPERATOR_PASSWORD)
    assert len(audited(client, admin_headers, "simulator.factory-reset")) == 1
    assert len(audited(client, admin_headers, "simulator.protocol-run")) == 1
