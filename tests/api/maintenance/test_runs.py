"""Starting and aborting runs, and following them at `/mlprep/v1/runs`."""

from __future__ import annotations

import re

import pytest

from mlprep.services import Services
from tests.api.maintenance.driving import (
    CURRENT_RUN,
    EMPTY_DATE,
    PROCEDURE_ID,
    RUNS,
    close_view,
    current_run,
    procedure,
    run_to_the_end,
    start,
    wait_for_view,
)
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.statements import statements_on

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
DAILY = PROCEDURE_ID["daily"]


def test_start_returns_the_run_which_then_shows_its_first_view(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.post(f"{prefix}/maintenance/{DAILY}", headers=admin_headers)

    assert response.status_code == 200, response.text
    started = response.json()
    assert HEX_ID.match(started["runId"])
    assert started["procedureId"] == DAILY
    view = wait_for_view(client, admin_headers)
    run = current_run(client, admin_headers)
    assert run is not None
    assert (run["id"], run["procedureName"], run["state"]) == (
        started["runId"],
        "Daily Maintenance",
        "WaitingForView",
    )
    assert run["startedBy"] == "admin"
    assert run["progress"] == {
        "step": 1,
        "stepCount": 5,
        "stepTitle": "Clear the deck",
        "actionSeconds": None,  # a view is open: no action runs
        "actionRemainingSeconds": None,
    }
    assert view["runId"] == started["runId"]
    assert HEX_ID.match(view["viewId"])
    assert (view["kind"], view["title"], view["results"]) == (
        "Instruction",
        "Clear the deck",
        ["Ok", "Cancel"],
    )
    assert view["imageName"] == "daily-clear-deck.png"
    assert view["inputRequired"] is False


def test_starting_an_unknown_procedure_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.post(f"{prefix}/maintenance/{'f' * 32}", headers=admin_headers)

    assert_problem(response, 404)
    assert current_run(client, admin_headers) is None


def test_a_second_start_while_one_runs_is_a_conflict_naming_what_runs(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, admin_headers, prefix, "daily")
    wait_for_view(client, admin_headers)

    response = client.post(f"{prefix}/maintenance/{PROCEDURE_ID['hepa']}", headers=admin_headers)

    body = assert_problem(response, 409)
    assert "Daily Maintenance" in body["detail"]
    assert run_id in body["detail"]


def test_an_operator_may_run_a_procedure_to_completion(
    client: ApiClient, operator_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, operator_headers, prefix, "daily")

    ended = run_to_the_end(client, operator_headers, prefix, run_id)

    assert ended["state"] == "Completed"
    assert ended["startedBy"] == "olivia"
    assert [view["result"] for view in ended["views"]] == ["Ok", "Ok", "Yes"]


def test_abort_ends_the_run_as_aborted_and_keeps_the_history(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, admin_headers, prefix, "daily")
    wait_for_view(client, admin_headers)

    response = client.post(f"{prefix}/maintenance/abort", headers=admin_headers)

    assert response.status_code == 200, response.text
    ended = run_to_the_end(client, admin_headers, prefix, run_id)
    assert ended["state"] == "Aborted"
    assert ended["openView"] is None
    assert ended["endedAt"] is not None
    assert procedure(client, admin_headers, prefix, "daily")["lastExecutionTime"] == EMPTY_DATE


def test_abort_with_nothing_running_is_a_conflict(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    body = assert_problem(client.post(f"{prefix}/maintenance/abort", headers=admin_headers), 409)

    assert "nothing to abort" in body["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"/maintenance/{DAILY}", None),
        ("/maintenance/abort", None),
        ("/maintenance/close-view", {"viewId": "0" * 32, "viewResult": "Ok"}),
    ],
)
def test_executing_needs_a_token_and_the_execute_permission(
    client: ApiClient,
    viewer_headers: dict[str, str],
    prefix: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    assert_problem(client.post(f"{prefix}{path}", json=body), 401)

    refused = assert_problem(client.post(f"{prefix}{path}", json=body, headers=viewer_headers), 403)

    assert "ExecuteMaintenance" in refused["detail"]
    assert current_run(client, viewer_headers) is None


def test_the_current_run_is_no_content_when_idle(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.get(CURRENT_RUN, headers=admin_headers)
    assert response.status_code == 204
    assert response.content == b""

    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "hepa"))

    assert client.get(CURRENT_RUN, headers=admin_headers).status_code == 204


def test_runs_are_listed_newest_first_page_by_page(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    daily = start(client, admin_headers, prefix, "daily")
    run_to_the_end(client, admin_headers, prefix, daily)
    weekly = start(client, admin_headers, prefix, "weekly")
    run_to_the_end(client, admin_headers, prefix, weekly, {"Clean both tip adapters": "Cancel"})
    hepa = start(client, admin_headers, prefix, "hepa")
    run_to_the_end(client, admin_headers, prefix, hepa)

    first = client.get(RUNS, params={"limit": 2}, headers=admin_headers).json()
    second = client.get(RUNS, params={"offset": 2, "limit": 2}, headers=admin_headers).json()

    assert (first["total"], first["offset"], first["limit"]) == (3, 0, 2)
    assert [(r["id"], r["state"]) for r in first["items"]] == [
        (hepa, "Completed"),
        (weekly, "Aborted"),
    ]
    assert [(r["id"], r["procedureName"]) for r in second["items"]] == [
        (daily, "Daily Maintenance")
    ]


def test_the_history_counts_every_run_and_starts_again_after_a_factory_reset(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    prefix = "/api/v1"
    for _ in range(2):
        run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "hepa"))
    assert client.get(RUNS, headers=admin_headers).json()["total"] == 2

    reset = client.post("/mlprep/v1/simulator/factory-reset", headers=admin_headers)
    assert reset.status_code == 200, reset.text
    assert client.get(RUNS, headers=admin_headers).json() | {"limit": None} == {
        "items": [],
        "total": 0,
        "offset": 0,
        "limit": None,
    }

    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "hepa"))
    page = client.get(RUNS, params={"offset": 1}, headers=admin_headers).json()
    assert (page["total"], page["items"]) == (1, [])


def test_one_run_is_found_by_id_and_an_unknown_one_is_not(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, admin_headers, prefix, "hepa")
    run_to_the_end(client, admin_headers, prefix, run_id)

    found = client.get(f"{RUNS}/{run_id}", headers=admin_headers)
    missing = client.get(f"{RUNS}/{'0' * 32}", headers=admin_headers)

    assert found.status_code == 200
    assert (found.json()["state"], found.json()["views"]) == ("Completed", [])
    assert "0" * 32 in assert_problem(missing, 404)["detail"]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "x"}])
def test_a_bad_page_is_a_validation_problem(
    client: ApiClient, admin_headers: dict[str, str], query: dict[str, object]
) -> None:
    assert_problem(client.get(RUNS, params=query, headers=admin_headers), 400)


@pytest.mark.parametrize("path", [RUNS, CURRENT_RUN, f"{RUNS}/{'0' * 32}"])
def test_runs_need_a_token(client: ApiClient, path: str) -> None:
    assert_problem(client.get(path), 401)


def test_polling_the_runs_reads_the_store_once_per_change(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    run_id = start(client, admin_headers, prefix, "daily")
    view = wait_for_view(client, admin_headers)
    reads = [CURRENT_RUN, f"{RUNS}?limit=20", f"{RUNS}/{run_id}"]
    first = [client.get(path, headers=admin_headers) for path in reads]

    with statements_on(services.engine) as executed:
        again = [client.get(path, headers=admin_headers) for path in reads]

    assert executed == []
    assert [r.content for r in again] == [r.content for r in first]
    assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200
    following = wait_for_view(client, admin_headers)
    assert following["viewId"] != view["viewId"]
    polled = [client.get(path, headers=admin_headers).json() for path in reads]
    assert polled[0]["openView"]["viewId"] == following["viewId"]
    assert polled[1]["items"][0]["id"] == run_id
    assert [v["viewId"] for v in polled[2]["views"]] == [view["viewId"], following["viewId"]]
