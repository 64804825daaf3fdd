"""`/mlprep/v1/procedures/{id}/steps`: what a run will do and ask, known before it starts (the
CLI checks unattended answers against it), and the same steps a run of it lists."""

from __future__ import annotations

from typing import Any

from tests.api.maintenance.driving import PROCEDURE_ID, RUNS, start
from tests.asgi import ApiClient
from tests.problems import assert_problem

STEPS = "/mlprep/v1/procedures/{}/steps"


def steps(client: ApiClient, headers: dict[str, str], key: str) -> list[dict[str, Any]]:
    response = client.get(STEPS.format(PROCEDURE_ID[key]), headers=headers)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def test_each_view_says_what_its_results_do(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    daily = steps(client, admin_headers, "daily")

    assert [(s["title"], s["kind"]) for s in daily] == [
        ("Clear the deck", "View"),
        ("Empty the tip waste", "View"),
        ("Tip pick-up and eject check, Front", "Action"),
        ("Tip pick-up and eject check, Rear", "Action"),
        ("Deck wiped?", "View"),
    ]
    assert daily[4]["viewKind"] == "Question"
    assert daily[4]["answers"] == [
        {"result": "Yes", "then": "next"},
        {"result": "No", "then": "repeat"},
    ]
    assert daily[0]["answers"][1] == {"result": "Cancel", "then": "abort"}
    assert daily[2]["seconds"] == 20 and daily[2]["answers"] == []
    assert daily[2]["viewKind"] is None


def test_input_and_conditional_views_are_marked(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    weekly = steps(client, admin_headers, "weekly")
    hepa = steps(client, admin_headers, "hepa")

    assert weekly[3]["inputRequired"] is True and weekly[3]["conditional"] is False
    assert hepa[1]["title"] == "Replace the pre-filter" and hepa[1]["conditional"] is True


def test_a_run_lists_the_same_steps(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, admin_headers, prefix, "weekly")

    run = client.get(f"{RUNS}/{run_id}", headers=admin_headers).json()

    assert run["steps"] == steps(client, admin_headers, "weekly")


def test_an_unknown_procedure_or_no_token_is_refused(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    unknown = client.get(STEPS.format("0" * 32), headers=admin_headers)
    anonymous = client.get(STEPS.format(PROCEDURE_ID["daily"]))

    assert "no maintenance procedure" in assert_problem(unknown, 404)["detail"]
    assert_problem(anonymous, 401)
