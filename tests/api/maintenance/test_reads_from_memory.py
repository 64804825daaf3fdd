"""The maintenance reads are answered from state held in memory: no database statement, and
yet every change (a run, the UV setting, a protocol run, a reset, time passing) shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI

from mlprep.auth import authentication
from mlprep.services import Services
from tests.api.maintenance.driving import PROCEDURE_ID, procedure, run_to_the_end, start
from tests.asgi import ApiClient
from tests.statements import statements_on

READS = [
    "/maintenance",
    f"/maintenance/{PROCEDURE_ID['daily']}",
    "/maintenance/channel-counters",
    "/maintenance/uv-routine-settings",
    "/maintenance/uv-routine-interval-options",
    "/maintenance/errors",
]


@pytest.fixture
def client(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """The in-process app, with the periodic token revalidation out of the way."""
    monkeypatch.setattr(authentication, "REVALIDATE_SECONDS", 3600.0)
    with ApiClient(app) as client:
        yield client


def read_all(client: ApiClient, headers: dict[str, str], prefix: str) -> list[object]:
    bodies = []
    for path in READS:
        response = client.get(prefix + path, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        bodies.append(response.json())
    return bodies


def test_reads_cost_no_database_statement(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    first = read_all(client, admin_headers, prefix)

    with statements_on(services.engine) as executed:
        again = read_all(client, admin_headers, prefix)

    assert again == first
    assert executed == []


def test_a_completed_run_and_its_counters_show_at_once(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    before = read_all(client, admin_headers, prefix)

    ended = run_to_the_end(
        client, admin_headers, prefix, start(client, admin_headers, prefix, "daily")
    )

    daily = procedure(client, admin_headers, prefix, "daily")
    assert (daily["status"], daily["lastExecutionTime"]) == ("Ok", ended["endedAt"])
    counters = client.get(f"{prefix}/maintenance/channel-counters", headers=admin_headers).json()
    assert counters != before[2]
    assert [c["tipPickUpCounter"] for c in counters] == [1, 1]


def test_a_procedure_turns_expired_when_its_due_date_passes_without_any_request_between(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "daily"))
    daily = procedure(client, admin_headers, prefix, "daily")
    assert daily["status"] == "Ok"

    services.clock.advance(timedelta(days=1))  # the instrument's time; tokens keep theirs

    listed = client.get(f"{prefix}/maintenance", headers=admin_headers).json()
    assert next(p for p in listed if p["id"] == daily["id"])["status"] == "Expired"
    assert procedure(client, admin_headers, prefix, "daily")["status"] == "Expired"
