"""A client written against a real Prep (software 3.4.0) runs against mlprep unchanged: it logs
in, follows the event sockets without a token, answers every view and error of a Daily run,
reads and clears the error log, and logs out; in PascalCase, under `/NimbusLite`, with paths
and enum values in whatever case it happens to write them. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.compat.instrument_client import Prep, receive, receive_code
from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD

DAILY = "Daily Maintenance"


@pytest.fixture
def prep(instrument: ServerProcess) -> Prep:
    prep = Prep(instrument.base_url)
    prep.login("admin", ADMIN_PASSWORD)
    return prep


def plan_tip_check_fault(prep: Prep) -> None:
    """The simulator's fault plan (mlprep's own API): the next Front tip check fails."""
    response = prep.session.post(
        f"{prep.base}/mlprep/v1/simulator/faults/next",
        json={"operation": "tip_check", "channel": "Front"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def run_daily(prep: Prep, answer_error: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start Daily Maintenance and answer each view as it arrives on instinctevents (an Error
    view through `answer_error(view)`); returns the messages and the error instincterrors sent."""
    with prep.socket("instinctevents") as events, prep.socket("instincterrors") as errors:
        started = prep.ok("POST", f"maintenance/{prep.procedure_id(DAILY)}")
        messages = []
        error: dict[str, Any] = {}
        while True:
            message = receive(events)
            messages.append(message)
            code = str(message["code"]).lower()
            if code == "finished":
                break
            if code != "maintenancedata":
                continue
            view = message["data"]
            if view["kind"] == "Error":
                error = receive_code(errors, "error")
                answer_error(view)
            else:
                answer = "Yes" if "Yes" in view["results"] else "Ok"
                response = prep.close_view(view["viewId"], answer)
                assert response.status_code == 200, response.text
    assert messages[-1]["data"]["runId"] == started["runId"]
    return messages, error


def test_login_renew_and_logout_as_the_instrument_client_does(instrument: ServerProcess) -> None:
    prep = Prep(instrument.base_url)
    wrong = prep.request("POST", "authenticate", json={"Username": "admin", "Password": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == "Bearer"  # no token sent: no error code

    answer = prep.login("admin", ADMIN_PASSWORD)
    renewed = prep.renew()
    assert prep.request("GET", "authenticate/check-authentication").status_code == 200
    prep.logout()
    after = prep.request("GET", "authenticate/check-authentication")

    assert (answer["inactiveLogout"], answer["logoutCountdown"], answer["expiresIn"]) == (60, 10, 5)
    assert renewed["token"] != answer["token"]
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]


def test_a_daily_run_over_tokenless_sockets_with_its_error_answered_by_runtime(
    prep: Prep,
) -> None:
    plan_tip_check_fault(prep)

    def answer_error(view: dict[str, Any]) -> None:
        [pending] = prep.pending_errors()
        assert pending["viewId"] == view["viewId"]
        response = prep.respond_to_error(pending, "Retry")
        assert response.status_code == 200, response.text

    messages, error = run_daily(prep, answer_error)

    assert messages[-1]["data"]["outcome"] == "Completed"
    assert error["data"]["channel"] == "Front"
    assert prep.pending_errors() == []
    log = prep.request("GET", "errors", params={"offset": 0, "limit": 50})
    newest = log.json()[0]
    assert (newest["id"], newest["selectedResponse"]) == (error["data"]["id"], "Retry")
    assert int(log.headers["X-Total-Count"]) >= 1


def test_the_first_answer_wins_between_close_view_and_runtime(prep: Prep) -> None:
    plan_tip_check_fault(prep)
    late: list[requests.Response] = []

    def answer_error(view: dict[str, Any]) -> None:
        [pending] = prep.pending_errors()
        assert prep.close_view(view["viewId"], "Ok").status_code == 200
        late.append(prep.respond_to_error(pending, "Abort"))

    messages, _error = run_daily(prep, answer_error)

    assert messages[-1]["data"]["outcome"] == "Completed"
    [refused] = late
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "first answer wins" in refused.json()["detail"]


def test_clear_errors_empties_the_error_log(prep: Prep) -> None:
    plan_tip_check_fault(prep)
    run_daily(prep, lambda view: prep.respond_to_error(prep.pending_errors()[0], "Continue"))
    assert prep.ok("GET", "errors")

    prep.ok("PUT", "errors/clear-errors")

    assert prep.ok("GET", "errors") == []
    assert prep.ok("GET", "maintenance/errors")  # the run keeps its errors


def test_paths_and_enum_values_in_any_case(prep: Prep, instrument: ServerProcess) -> None:
    for interval, expected in ((1, "EveryProtocolRun"), ("daily", "Daily"), ("NEVER", "Never")):
        prep.ok("PUT", "Maintenance/UV-Routine-Settings", json={"Interval": interval})
        assert prep.ok("GET", "maintenance/uv-routine-settings") == {"interval": expected}
    lower = requests.get(
        f"{instrument.base_url}/nimbuslite/api/v1/maintenance/channel-counters",
        headers=prep.session.headers,
        timeout=10,
    )
    assert [counter["name"] for counter in lower.json()] == ["Front", "Rear"]
    with prep.socket("InstinctEvents") as events:
        prep.ok("POST", "Maintenance/Reset-Channel-Counters/front")
        assert receive_code(events, "counters")["data"]["channel"] == "Front"
    document = requests.get(f"{instrument.base_url}/NimbusLite/swagger/v1/swagger.json", timeout=10)
    assert document.json()["paths"]["/api/v1/errors/runtime"]["put"]["operationId"] == (
        "respondToRuntimeError"
    )
