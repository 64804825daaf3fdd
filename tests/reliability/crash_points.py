"""The points of a run's life (and of the instrument's settings) where the crash suite cuts the
power. Each point drives a real server there over HTTP, and returns what must hold after a
`kill -9` and a restart: every change it acknowledged, and no run left hanging."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.sessions import ADMIN_PASSWORD, bearer, log_in

EMPTY_DATE = "0001-01-01T00:00:00+00:00"
POLLS = 500


@dataclass
class Expected:
    """What must hold after the restart; None leaves a part unchecked."""

    run_state: str | None = None
    daily_executed: bool | None = None
    counters: dict[str, int] | None = None  # tipPickUpCounter by channel
    errors: list[str] | None = None  # recoveries of the last run's errors
    inputs: dict[str, str] | None = None
    uv_interval: str | None = None
    min_offset_days: float | None = None
    speed: float | None = None
    token_revoked: str | None = None
    locked_user: str | None = None
    procedures: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Driver:
    """An administrator on one server, driving it over HTTP."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.token = log_in(http, "admin", ADMIN_PASSWORD)
        self.headers = bearer(self.token)
        self.run_id: str | None = None

    def call(self, method: str, path: str, body: Any = None, ok: int = 200) -> httpx.Response:
        response = self.http.request(method, path, json=body, headers=self.headers)
        assert response.status_code == ok, f"{method} {path}: {response.text}"
        return response

    def procedure_id(self, name: str) -> str:
        procedures = self.call("GET", "/api/v1/maintenance").json()
        return str(next(p["id"] for p in procedures if p["name"] == name))

    def start(self, name: str) -> None:
        self.run_id = self.call("POST", f"/api/v1/maintenance/{self.procedure_id(name)}").json()[
            "runId"
        ]

    def view(self, title: str) -> dict[str, Any]:
        """The open view, once it is the one called `title`."""
        for _ in range(POLLS):
            current = self.http.get("/mlprep/v1/runs/current", headers=self.headers)
            assert current.status_code == 200, f"waiting for '{title}': {current.status_code}"
            view = current.json()["openView"]
            if view is not None and view["title"] == title:
                return dict(view)
            time.sleep(0.02)
        raise AssertionError(f"the view '{title}' never opened")

    def answer(self, title: str, result: str, view_input: str | None = None) -> None:
        view = self.view(title)
        body = {"viewId": view["viewId"], "viewResult": result, "viewInput": view_input}
        self.call("POST", "/api/v1/maintenance/close-view", body)

    def step(self, number: int) -> None:
        """Wait until the run is Running at step `number` (an action in progress)."""
        for _ in range(POLLS):
            run = self.http.get("/mlprep/v1/runs/current", headers=self.headers).json()
            if run["state"] == "Running" and run["progress"]["step"] == number:
                return
            time.sleep(0.02)
        raise AssertionError(f"the run never reached step {number}")

    def plan_fault(self, channel: str = "Front") -> None:
        body = {"operation": "tip_check", "channel": channel}
        self.call("POST", "/mlprep/v1/simulator/faults/next", body)


def _daily_to_deck_wiped(driver: Driver) -> None:
    driver.start("Daily Maintenance")
    driver.answer("Clear the deck", "Ok")
    driver.answer("Empty the tip waste", "Ok")
    driver.view("Deck wiped?")


def just_started(d: Driver) -> Expected:
    d.start("Daily Maintenance")
    return Expected(run_state="Interrupted", daily_executed=False)


def first_view_open(d: Driver) -> Expected:
    d.start("Daily Maintenance")
    d.view("Clear the deck")
    return Expected(run_state="Interrupted", counters={"Front": 0, "Rear": 0})


def first_view_answered(d: Driver) -> Expected:
    d.start("Daily Maintenance")
    d.answer("Clear the deck", "Ok")
    return Expected(run_state="Interrupted", extra={"answered": ["Clear the deck"]})


def last_view_open(d: Driver) -> Expected:
    _daily_to_deck_wiped(d)
    return Expected(run_state="Interrupted", daily_executed=False, counters={"Front": 1, "Rear": 1})


def last_view_answered(d: Driver) -> Expected:
    _daily_to_deck_wiped(d)
    d.answer("Deck wiped?", "Yes")
    return Expected(run_state="Completed", daily_executed=True, counters={"Front": 1, "Rear": 1})


def cancel_answered(d: Driver) -> Expected:
    d.start("Daily Maintenance")
    d.answer("Clear the deck", "Cancel")
    return Expected(run_state="Aborted", daily_executed=False)


def abort_while_a_view_is_open(d: Driver) -> Expected:
    d.start("Daily Maintenance")
    d.view("Clear the deck")
    d.call("POST", "/api/v1/maintenance/abort")
    return Expected(run_state="Aborted", daily_executed=False)


def error_pending(d: Driver) -> Expected:
    d.plan_fault()
    d.start("Daily Maintenance")
    d.answer("Clear the deck", "Ok")
    d.answer("Empty the tip waste", "Ok")
    d.view("Maintenance error")
    return Expected(run_state="Interrupted", errors=["Pending"], counters={"Front": 0, "Rear": 0})


def error_answered_retry(d: Driver) -> Expected:
    error_pending(d)
    d.answer("Maintenance error", "Yes")
    d.view("Deck wiped?")
    return Expected(run_state="Interrupted", errors=["Retry"], counters={"Front": 1, "Rear": 1})


def error_answered_continue(d: Driver) -> Expected:
    error_pending(d)
    d.answer("Maintenance error", "Ok")
    d.view("Deck wiped?")
    return Expected(run_state="Interrupted", errors=["Continue"], counters={"Front": 0, "Rear": 1})


def error_answered_abort(d: Driver) -> Expected:
    error_pending(d)
    d.answer("Maintenance error", "Abort")
    return Expected(run_state="Aborted", errors=["Abort"], daily_executed=False)


def abort_while_an_error_waits(d: Driver) -> Expected:
    error_pending(d)
    d.call("POST", "/api/v1/maintenance/abort")
    return Expected(run_state="Aborted", errors=["Abort"])


def input_answered(d: Driver) -> Expected:
    d.start("Weekly Maintenance")
    d.answer("Clean both tip adapters", "Ok")
    title = "Cleaning agent lot number"
    d.answer(title, "Ok", "LOT-4711")
    return Expected(run_state="Completed", inputs={title: "LOT-4711"})


def counters_reset(d: Driver) -> Expected:
    last_view_answered(d)
    d.call("POST", "/api/v1/maintenance/reset-channel-counters/Rear")
    return Expected(run_state="Completed", counters={"Front": 1, "Rear": 0})


def counters_reset_mid_run(d: Driver) -> Expected:
    _daily_to_deck_wiped(d)
    d.call("POST", "/api/v1/maintenance/reset-channel-counters/front")
    return Expected(run_state="Interrupted", counters={"Front": 0, "Rear": 1})


def counters_set(d: Driver) -> Expected:
    d.call("PUT", "/mlprep/v1/simulator/counters/Front", {"tipPickUpCounter": 4294967295})
    return Expected(counters={"Front": 4294967295, "Rear": 0})


def initialized_again(d: Driver) -> Expected:
    d.call("POST", "/api/v1/maintenance/initialize")
    return Expected(procedures=5)


def uv_setting_changed(d: Driver) -> Expected:
    d.call("PUT", "/api/v1/maintenance/uv-routine-settings", {"interval": "Weekly"})
    return Expected(uv_interval="Weekly")


def clock_advanced(d: Driver) -> Expected:
    d.call("POST", "/mlprep/v1/simulator/clock/advance", {"days": 3})
    return Expected(min_offset_days=3)


def speed_changed(d: Driver) -> Expected:
    d.call("PUT", "/mlprep/v1/simulator/clock/speed", {"speed": 7})
    return Expected(speed=7)


def protocol_run_done(d: Driver) -> Expected:
    d.call("POST", "/mlprep/v1/simulator/protocol-runs", {"tips": 3, "transfers": 5})
    return Expected(counters={"Front": 3, "Rear": 3})


def logged_out(d: Driver) -> Expected:
    d.call("DELETE", "/api/v1/authenticate")
    return Expected(token_revoked=d.token)


def locked_out(d: Driver) -> Expected:
    for _ in range(5):
        d.http.post("/api/v1/authenticate", json={"userName": "mallory", "password": "guess"})
    return Expected(locked_user="mallory")


# Points at speed 0 (actions complete at once).
POINTS: dict[str, Callable[[Driver], Expected]] = {
    point.__name__: point
    for point in (
        just_started,
        first_view_open,
        first_view_answered,
        last_view_open,
        last_view_answered,
        cancel_answered,
        abort_while_a_view_is_open,
        error_pending,
        error_answered_retry,
        error_answered_continue,
        error_answered_abort,
        abort_while_an_error_waits,
        input_answered,
        counters_reset,
        counters_reset_mid_run,
        counters_set,
        initialized_again,
        uv_setting_changed,
        clock_advanced,
        speed_changed,
        protocol_run_done,
        logged_out,
        locked_out,
    )
}


def mid_action(d: Driver) -> Expected:
    d.start("UV Decontamination")
    d.answer("Close the front door", "Ok")
    d.step(2)  # the lamp burns for 15 minutes at speed 1
    return Expected(run_state="Interrupted")


def abort_mid_action(d: Driver) -> Expected:
    mid_action(d)
    d.call("POST", "/api/v1/maintenance/abort")
    return Expected(run_state="Aborted")


# Points at speed 1 (an action is in progress when the power goes).
REAL_SPEED_POINTS: dict[str, Callable[[Driver], Expected]] = {
    point.__name__: point for point in (mid_action, abort_mid_action)
}
