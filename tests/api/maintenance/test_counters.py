"""Channel counters: read per channel, moved by runs, wrapping at 2^32, reset one by one."""

from __future__ import annotations

import pytest

from mlprep.contract.maintenance import Channel
from mlprep.counters import CounterKind
from mlprep.services import Services
from tests.api.maintenance.driving import run_to_the_end, start
from tests.asgi import ApiClient
from tests.problems import assert_problem

COUNTER_FIELDS = ["tipPickUpCounter", "tipEjectCounter", "aspirateCounter", "dispenseCounter"]
LARGEST = 4294967295
FULL = dict.fromkeys(CounterKind, 7)


def counters(client: ApiClient, headers: dict[str, str], prefix: str) -> dict[str, list[int]]:
    response = client.get(f"{prefix}/maintenance/channel-counters", headers=headers)
    assert response.status_code == 200, response.text
    return {c["name"]: [c[field] for field in COUNTER_FIELDS] for c in response.json()}


def test_each_channel_reports_its_four_counters(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.get(f"{prefix}/maintenance/channel-counters", headers=admin_headers)

    assert response.status_code == 200
    assert response.json() == [
        {"name": name, **dict.fromkeys(COUNTER_FIELDS, 0)} for name in ("Front", "Rear")
    ]


def test_a_completed_weekly_run_moves_every_counter_of_both_channels(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "weekly"))

    assert counters(client, admin_headers, prefix) == {"Front": [1, 1, 1, 1], "Rear": [1, 1, 1, 1]}


def test_counters_wrap_to_zero_past_the_largest_32_bit_value(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, services: Services
) -> None:
    services.counters.set_values("Front", {CounterKind.TIP_PICK_UP: LARGEST}, actor="test")

    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "daily"))

    assert counters(client, admin_headers, prefix)["Front"] == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("channel", "reset"),
    [("Front", "Front"), ("front", "Front"), ("1", "Front"), ("rear", "Rear"), ("2", "Rear")],
)
def test_reset_zeroes_one_channel_named_or_numbered_and_is_audited(
    client: ApiClient,
    admin_headers: dict[str, str],
    prefix: str,
    services: Services,
    channel: str,
    reset: str,
) -> None:
    for each in Channel:
        services.counters.set_values(each.value, FULL, actor="test")

    response = client.post(
        f"{prefix}/maintenance/reset-channel-counters/{channel}", headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert response.content == b""
    kept = "Rear" if reset == "Front" else "Front"
    assert counters(client, admin_headers, prefix) == {reset: [0, 0, 0, 0], kept: [7, 7, 7, 7]}
    audit = client.get(
        "/mlprep/v1/audit", params={"action": "counters.reset"}, headers=admin_headers
    ).json()
    [entry] = audit["items"]
    assert (entry["actor"], entry["target"], entry["outcome"]) == ("admin", reset, "success")


@pytest.mark.parametrize("channel", ["3", "0", "Middle", "Front1", "-1"])
def test_reset_of_an_unknown_channel_is_not_found_naming_the_valid_ones(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, channel: str
) -> None:
    response = client.post(
        f"{prefix}/maintenance/reset-channel-counters/{channel}", headers=admin_headers
    )

    detail = assert_problem(response, 404)["detail"]
    assert "Front (1)" in detail and "Rear (2)" in detail


@pytest.mark.parametrize("channels", [1])
def test_a_one_channel_instrument_has_only_front(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    assert list(counters(client, admin_headers, prefix)) == ["Front"]

    response = client.post(
        f"{prefix}/maintenance/reset-channel-counters/Rear", headers=admin_headers
    )

    detail = assert_problem(response, 404)["detail"]
    assert "Front (1)" in detail and "Rear (2)" not in detail


def test_an_operator_may_read_but_not_reset_counters(
    client: ApiClient, operator_headers: dict[str, str], prefix: str
) -> None:
    assert counters(client, operator_headers, prefix)["Front"] == [0, 0, 0, 0]

    response = client.post(
        f"{prefix}/maintenance/reset-channel-counters/Front", headers=operator_headers
    )

    assert "ModifyMaintenanceSettings" in assert_problem(response, 403)["detail"]


def test_counters_need_a_token(client: ApiClient, prefix: str) -> None:
    assert_problem(client.get(f"{prefix}/maintenance/channel-counters"), 401)
    assert_problem(client.post(f"{prefix}/maintenance/reset-channel-counters/Front"), 401)
