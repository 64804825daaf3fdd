"""`GET /maintenance/errors`: what went wrong in the current, or else the latest, run."""

from __future__ import annotations

from mlprep.contract.maintenance import Channel
from mlprep.instrument.faults import PlannedFault
from mlprep.instrument.port import Operation
from mlprep.services import Services
from tests.api.maintenance.driving import (
    close_view,
    current_run,
    run_to_the_end,
    start,
    wait_for_view,
)
from tests.asgi import ApiClient
from tests.problems import assert_problem

FAULT = "No tip detected on channel Front after pick-up."


def errors(client: ApiClient, headers: dict[str, str], prefix: str) -> list[dict[str, object]]:
    response = client.get(f"{prefix}/maintenance/errors", headers=headers)
    assert response.status_code == 200, response.text
    body: list[dict[str, object]] = response.json()
    return body


def reach_the_error_view(
    client: ApiClient, headers: dict[str, str], prefix: str, services: Services
) -> dict[str, object]:
    """Run Daily with its Front tip check set to fail, up to the Error view."""
    services.instrument.faults.plan(PlannedFault(Operation.TIP_CHECK, Channel.FRONT, FAULT))
    start(client, headers, prefix, "daily")
    for _ in range(2):
        view = wait_for_view(client, headers)
        assert close_view(client, headers, prefix, view, "Ok").status_code == 200
    return wait_for_view(client, headers)


def test_there_are_no_errors_before_any_run(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    assert errors(client, admin_headers, prefix) == []


def test_a_fault_is_listed_as_pending_while_its_error_view_waits(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)

    assert (view["kind"], view["results"]) == ("Error", ["Yes", "Ok", "Abort"])
    assert FAULT in str(view["message"])
    [error] = errors(client, admin_headers, prefix)
    assert (error["message"], error["response"]) == ("Pending", FAULT)
    assert (error["runId"], error["step"], error["channel"]) == (view["runId"], 3, "Front")
    assert error["resolvedAt"] is None
    run = current_run(client, admin_headers)
    assert run is not None
    assert run["state"] == "ErrorPending"
    assert run["errors"] == [error]


def test_the_chosen_recovery_replaces_pending_and_stays_after_the_run(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)

    assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200
    ended = run_to_the_end(client, admin_headers, prefix, str(view["runId"]))

    assert ended["state"] == "Completed"
    [error] = errors(client, admin_headers, prefix)
    assert (error["message"], error["response"]) == ("Continue", FAULT)
    assert error["resolvedAt"] is not None


def test_retry_and_abort_are_recorded_in_order(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    services.instrument.faults.plan(PlannedFault(Operation.TIP_CHECK, Channel.FRONT, FAULT))
    view = reach_the_error_view(client, admin_headers, prefix, services)
    assert close_view(client, admin_headers, prefix, view, "Yes").status_code == 200

    ended = run_to_the_end(
        client, admin_headers, prefix, str(view["runId"]), {"Maintenance error": "Abort"}
    )

    assert ended["state"] == "Aborted"
    assert [e["message"] for e in errors(client, admin_headers, prefix)] == ["Retry", "Abort"]


def test_aborting_while_an_error_waits_answers_it_with_abort(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)

    assert client.post(f"{prefix}/maintenance/abort", headers=admin_headers).status_code == 200

    assert run_to_the_end(client, admin_headers, prefix, str(view["runId"]))["state"] == "Aborted"
    [error] = errors(client, admin_headers, prefix)
    assert (error["message"], error["response"]) == ("Abort", FAULT)


def test_a_new_run_starts_with_no_errors(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)
    assert close_view(client, admin_headers, prefix, view, "Abort").status_code == 200
    run_to_the_end(client, admin_headers, prefix, str(view["runId"]))

    assert len(errors(client, admin_headers, prefix)) == 1

    start(client, admin_headers, prefix, "daily")
    wait_for_view(client, admin_headers)

    assert errors(client, admin_headers, prefix) == []


def test_reading_errors_needs_a_token(client: ApiClient, prefix: str) -> None:
    assert_problem(client.get(f"{prefix}/maintenance/errors"), 401)
