"""The general error operations (`/errors`): the log, the pending errors and their answers, over
the same errors maintenance runs raise; an Error view is answered either way, the first wins."""

from __future__ import annotations

from typing import Any

from mlprep.services import Services
from tests.api.maintenance.driving import close_view, current_run, run_to_the_end, wait_for_view
from tests.api.maintenance.test_errors import FAULT, reach_the_error_view
from tests.asgi import ApiClient
from tests.problems import assert_problem


def pending(client: ApiClient, headers: dict[str, str], prefix: str) -> list[dict[str, Any]]:
    response = client.get(f"{prefix}/errors/check-for-pending-errors", headers=headers)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def error_log(
    client: ApiClient, headers: dict[str, str], prefix: str, **params: int
) -> tuple[list[dict[str, Any]], int]:
    response = client.get(f"{prefix}/errors", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json(), int(response.headers["X-Total-Count"])


def respond(client: ApiClient, headers: dict[str, str], prefix: str, body: dict[str, Any]) -> Any:
    return client.put(f"{prefix}/errors/runtime", json=body, headers=headers)


def test_nothing_is_pending_or_logged_before_any_fault(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    assert pending(client, admin_headers, prefix) == []
    assert error_log(client, admin_headers, prefix) == ([], 0)


def test_a_pending_error_names_its_group_responses_and_data(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)

    [error] = pending(client, admin_headers, prefix)

    assert (error["groupId"], error["viewId"], error["title"]) == (
        view["runId"],
        view["viewId"],
        "Maintenance error",
    )
    assert error["message"] == view["message"]
    assert [r["response"] for r in error["errorResponses"]] == ["Retry", "Continue", "Abort"]
    [item] = error["errorData"]
    assert (item["id"], item["message"], item["channel"], item["step"]) == (
        error["id"],
        FAULT,
        "Front",
        3,
    )
    [logged], total = error_log(client, admin_headers, prefix)
    assert total == 1
    assert (logged["id"], logged["pending"], logged["selectedResponse"]) == (
        error["id"],
        True,
        None,
    )


def test_runtime_answers_the_error_view_and_the_run_goes_on(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)
    body = {
        "Id": error["id"],
        "GroupId": error["groupId"],
        "SelectedResponse": "Continue",
        "ErrorData": [{"Id": error["errorData"][0]["id"], "SelectedResponse": "Continue"}],
    }

    response = respond(client, admin_headers, prefix, body)

    assert (response.status_code, response.content) == (200, b"")
    assert pending(client, admin_headers, prefix) == []
    ended = run_to_the_end(client, admin_headers, prefix, str(view["runId"]))
    assert ended["state"] == "Completed"
    [closed_view] = [v for v in ended["views"] if v["viewId"] == view["viewId"]]
    assert closed_view["result"] == "Ok"
    [logged], _ = error_log(client, admin_headers, prefix)
    assert (logged["selectedResponse"], logged["pending"]) == ("Continue", False)
    maintenance_errors = client.get(f"{prefix}/maintenance/errors", headers=admin_headers).json()
    assert maintenance_errors[0]["message"] == "Continue"


def test_the_response_may_come_from_the_items_in_any_case_or_by_number(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)

    body = {"id": error["id"], "errorData": [{"id": error["id"], "selectedResponse": 0}]}
    assert respond(client, admin_headers, prefix, body).status_code == 200

    # Retry: the tip check runs again (and passes); the run goes on to its last view.
    view = wait_for_view(client, admin_headers)
    assert view["title"] == "Deck wiped?"
    [logged], _ = error_log(client, admin_headers, prefix)
    assert logged["selectedResponse"] == "Retry"


def test_free_form_item_properties_may_hold_any_text_and_are_ignored(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    # As the contract has it: an item's own properties are checked, what it carries along is not
    # (the answer's own extra properties never were).
    reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)
    item = {"id": error["id"], "selectedResponse": "Continue", "note": "bell\u0007 nul\u0000"}

    refused = respond(
        client,
        admin_headers,
        prefix,
        {"id": error["id"], "errorData": [{**item, "id": error["id"] + "\u0000"}]},
    )
    answered = respond(client, admin_headers, prefix, {"id": error["id"], "errorData": [item]})

    assert "errorData.0.id" in assert_problem(refused, 400)["errors"]
    assert (answered.status_code, answered.content) == (200, b"")
    [logged], _ = error_log(client, admin_headers, prefix)
    assert logged["selectedResponse"] == "Continue"


def test_abort_ends_the_run(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)

    body = {"id": error["id"], "selectedResponse": "aBoRt"}
    assert respond(client, admin_headers, prefix, body).status_code == 200

    assert current_run(client, admin_headers) is None
    run = client.get(f"/mlprep/v1/runs/{view['runId']}", headers=admin_headers).json()
    assert run["state"] == "Aborted"


def test_the_first_answer_wins_either_way(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)
    assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200

    late = respond(client, admin_headers, prefix, {"id": error["id"], "selectedResponse": "Abort"})

    assert "answered already (Continue)" in assert_problem(late, 409)["detail"]
    run_to_the_end(client, admin_headers, prefix, str(view["runId"]))

    view = reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)
    body = {"id": error["id"], "selectedResponse": "Retry"}
    assert respond(client, admin_headers, prefix, body).status_code == 200
    assert_problem(close_view(client, admin_headers, prefix, view, "Abort"), 404)
    assert (
        "answered already (Retry)"
        in assert_problem(respond(client, admin_headers, prefix, body), 409)["detail"]
    )


def test_answers_that_name_no_response_or_another_error_are_refused(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    reach_the_error_view(client, admin_headers, prefix, services)
    [error] = pending(client, admin_headers, prefix)
    other = "0" * 32

    cases = [
        ({"id": other, "selectedResponse": "Retry"}, 404, None),
        ({"id": error["id"]}, 400, "selectedResponse"),
        ({"id": error["id"], "selectedResponse": "Ignore"}, 400, "selectedResponse"),
        ({"id": error["id"], "selectedResponse": 3}, 400, "selectedResponse"),
        (
            {
                "id": error["id"],
                "selectedResponse": "Retry",
                "errorData": [{"id": error["id"], "selectedResponse": "Abort"}],
            },
            400,
            "selectedResponse",
        ),
        ({"id": error["id"], "groupId": other, "selectedResponse": "Retry"}, 400, "groupId"),
        (
            {"id": error["id"], "selectedResponse": "Retry", "errorData": [{"id": other}]},
            400,
            "errorData",
        ),
    ]
    for body, status, field in cases:
        problem = assert_problem(respond(client, admin_headers, prefix, body), status)
        if field is not None:
            assert field in problem["errors"], (body, problem)
    assert len(pending(client, admin_headers, prefix)) == 1


def test_clearing_the_log_keeps_pending_errors_and_the_runs_errors(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    view = reach_the_error_view(client, admin_headers, prefix, services)
    assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200
    run_to_the_end(client, admin_headers, prefix, str(view["runId"]))
    reach_the_error_view(client, admin_headers, prefix, services)
    assert error_log(client, admin_headers, prefix)[1] == 2

    cleared = client.put(f"{prefix}/errors/clear-errors", headers=admin_headers)

    assert (cleared.status_code, cleared.content) == (200, b"")
    [left], total = error_log(client, admin_headers, prefix)
    assert (total, left["pending"]) == (1, True)
    assert len(client.get(f"{prefix}/maintenance/errors", headers=admin_headers).json()) == 1


def test_the_log_is_paged_newest_first(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    for _ in range(3):
        view = reach_the_error_view(client, admin_headers, prefix, services)
        assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200
        run_to_the_end(client, admin_headers, prefix, str(view["runId"]))
    everything, total = error_log(client, admin_headers, prefix)

    page, page_total = error_log(client, admin_headers, prefix, offset=1, limit=1)

    assert total == page_total == 3
    assert page == everything[1:2]
    assert [e["raisedAt"] for e in everything] == sorted(
        (e["raisedAt"] for e in everything), reverse=True
    )
    assert_problem(client.get(f"{prefix}/errors", params={"limit": 0}, headers=admin_headers), 400)


def test_reading_needs_view_maintenance_and_answering_needs_execute(
    client: ApiClient, viewer_headers: dict[str, str], prefix: str
) -> None:
    assert client.get(f"{prefix}/errors", headers=viewer_headers).status_code == 200
    body = {"id": "0" * 32, "selectedResponse": "Retry"}
    assert_problem(respond(client, viewer_headers, prefix, body), 403)
    assert_problem(client.put(f"{prefix}/errors/clear-errors", headers=viewer_headers), 403)
