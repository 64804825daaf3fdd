"""The UV routine: its interval options, its setting, and how the setting makes UV fall due."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from mlprep.services import Services
from tests.api.maintenance.driving import LARGEST_DATE, procedure, run_to_the_end, start
from tests.asgi import ApiClient
from tests.problems import assert_problem

JSON_MEDIA_TYPES = [
    "application/json-patch+json",
    "application/json",
    "text/json",
    "application/vnd.mlprep+json",
]


def uv_setting(client: ApiClient, headers: dict[str, str], prefix: str) -> str:
    response = client.get(f"{prefix}/maintenance/uv-routine-settings", headers=headers)
    assert response.status_code == 200, response.text
    interval: str = response.json()["interval"]
    return interval


def put_setting(
    client: ApiClient,
    headers: dict[str, str],
    prefix: str,
    body: object,
    media_type: str = "application/json",
) -> httpx.Response:
    return client.put(
        f"{prefix}/maintenance/uv-routine-settings",
        content=json.dumps(body),
        headers={**headers, "Content-Type": media_type},
    )


def test_the_four_interval_options(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.get(
        f"{prefix}/maintenance/uv-routine-interval-options", headers=admin_headers
    )

    assert response.status_code == 200
    options = response.json()
    assert [(o["id"], o["name"]) for o in options] == [
        (0, "Never"),
        (1, "EveryProtocolRun"),
        (2, "Daily"),
        (3, "Weekly"),
    ]
    assert all(o["description"] for o in options)


@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
def test_the_setting_is_changed_in_any_json_media_type(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, media_type: str
) -> None:
    assert uv_setting(client, admin_headers, prefix) == "Daily"

    response = put_setting(client, admin_headers, prefix, {"interval": "Weekly"}, media_type)

    assert response.status_code == 200, response.text
    assert response.content == b""
    assert uv_setting(client, admin_headers, prefix) == "Weekly"


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"interval": "weekly"}, "Weekly"),
        ({"Interval": "EveryProtocolRun"}, "EveryProtocolRun"),
        ({"INTERVAL": "NEVER"}, "Never"),
        # The ids `uv-routine-interval-options` lists, as ASP.NET's enum binding reads them.
        ({"interval": 0}, "Never"),
        ({"interval": 1}, "EveryProtocolRun"),
        ({"interval": 3}, "Weekly"),
    ],
)
def test_names_and_values_are_read_in_any_letter_case(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, body: object, stored: str
) -> None:
    assert put_setting(client, admin_headers, prefix, body).status_code == 200

    assert uv_setting(client, admin_headers, prefix) == stored


@pytest.mark.parametrize(
    "body",
    [
        {"interval": "Hourly"},
        {},
        {"interval": None},
        {"interval": 7},
        {"interval": -1},
        {"interval": True},
        {"interval": 2.5},
        ["Daily"],
        "Daily",
    ],
)
def test_an_unknown_or_missing_interval_is_a_validation_problem(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, body: object
) -> None:
    assert_problem(put_setting(client, admin_headers, prefix, body), 400)

    assert uv_setting(client, admin_headers, prefix) == "Daily"


def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = put_setting(client, admin_headers, prefix, {"interval": "Never"}, "text/plain")

    assert_problem(response, 415)
    assert uv_setting(client, admin_headers, prefix) == "Daily"


def test_an_operator_may_read_but_not_change_the_setting(
    client: ApiClient, operator_headers: dict[str, str], prefix: str
) -> None:
    assert uv_setting(client, operator_headers, prefix) == "Daily"

    response = put_setting(client, operator_headers, prefix, {"interval": "Never"})

    assert "ModifyMaintenanceSettings" in assert_problem(response, 403)["detail"]


@pytest.mark.parametrize("path", ["uv-routine-interval-options", "uv-routine-settings"])
def test_the_uv_routine_needs_a_token(client: ApiClient, prefix: str, path: str) -> None:
    assert_problem(client.get(f"{prefix}/maintenance/{path}"), 401)
    if path == "uv-routine-settings":
        assert_problem(client.put(f"{prefix}/maintenance/{path}", json={"interval": "Never"}), 401)


def test_a_change_is_audited(client: ApiClient, admin_headers: dict[str, str], prefix: str) -> None:
    put_setting(client, admin_headers, prefix, {"interval": "Never"})

    audit = client.get(
        "/mlprep/v1/audit", params={"action": "uv-routine.set"}, headers=admin_headers
    ).json()

    [entry] = audit["items"]
    assert (entry["actor"], entry["detail"]) == ("admin", "Daily -> Never")


def test_the_uv_procedure_falls_due_as_the_setting_says(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    def uv() -> tuple[str, str]:
        details = procedure(client, admin_headers, prefix, "uv")
        return details["status"], details["dueDateTime"]

    assert uv() == ("Expired", "0001-01-02T00:00:00.000000+00:00")
    put_setting(client, admin_headers, prefix, {"interval": "Weekly"})
    assert uv() == ("Expired", "0001-01-08T00:00:00.000000+00:00")
    put_setting(client, admin_headers, prefix, {"interval": "Never"})
    assert uv() == ("Ok", LARGEST_DATE)
    put_setting(client, admin_headers, prefix, {"interval": "EveryProtocolRun"})
    assert uv() == ("Ok", LARGEST_DATE)

    ended = services.clock.now() - timedelta(minutes=5)
    services.protocol_runs.record("p" * 32, ended - timedelta(hours=1), ended, {})

    assert uv() == ("Expired", ended.isoformat(timespec="microseconds"))


def test_every_protocol_run_counts_only_protocol_runs_after_the_last_uv_run(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    put_setting(client, admin_headers, prefix, {"interval": "EveryProtocolRun"})
    earlier = services.clock.now()
    services.protocol_runs.record("e" * 32, earlier - timedelta(hours=1), earlier, {})
    assert procedure(client, admin_headers, prefix, "uv")["status"] == "Expired"

    ended = run_to_the_end(
        client, admin_headers, prefix, start(client, admin_headers, prefix, "uv")
    )

    assert ended["state"] == "Completed"
    details = procedure(client, admin_headers, prefix, "uv")
    assert (details["status"], details["dueDateTime"]) == ("Ok", LARGEST_DATE)
    assert details["lastExecutionTime"] == ended["endedAt"]

    later = services.clock.now() + timedelta(hours=2)
    services.protocol_runs.record("f" * 32, later - timedelta(hours=1), later, {})
    details = procedure(client, admin_headers, prefix, "uv")
    assert (details["status"], details["dueDateTime"]) == (
        "Ok",
        later.isoformat(timespec="microseconds"),
    )
