"""The bad-input battery: every number the API takes is bounded, control characters are refused
where people type and ids travel, numbers are JSON numbers (never booleans or strings), JSON means
one thing only, and the request line and headers are bounded — each a 400-class problem response
that names what is wrong, changes nothing, and answers alike on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlprep.settings import Settings
from tests.api.maintenance.driving import wait_for_view
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD

SIM = "/mlprep/v1/simulator"
HUGE = [str(2**63), str(10**30), "9223372036854775808"]


# What reaches the database is checked on both (PostgreSQL refuses NUL where SQLite keeps it).
BOTH_DATABASES = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)


@pytest.fixture
def settings(data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    """The in-process server, with actions that finish at once: on SQLite, or on each database
    for the tests marked BOTH_DATABASES."""
    database_url = (
        request.getfixturevalue("database_url") if "database_url" in request.fixturenames else None
    )
    return Settings(
        data_dir=data_dir, database_url=database_url, admin_password=ADMIN_PASSWORD, speed=0
    )


def simulator_state(client: ApiClient, headers: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = client.get(SIM, headers=headers).json()
    state.pop("now")
    return state


@BOTH_DATABASES
@pytest.mark.parametrize("path", ["/mlprep/v1/runs", "/mlprep/v1/audit"])
@pytest.mark.parametrize("offset", HUGE)
def test_an_offset_beyond_any_page_is_a_400_naming_it(
    database_url: str, client: ApiClient, admin_headers: dict[str, str], path: str, offset: str
) -> None:
    response = client.get(path, headers=admin_headers, params={"offset": offset})

    assert "offset" in assert_problem(response, 400)["errors"]


def test_the_largest_offset_answers_an_empty_page(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    response = client.get("/mlprep/v1/runs", headers=admin_headers, params={"offset": 2**31 - 1})

    assert response.status_code == 200 and response.json()["items"] == []


@BOTH_DATABASES
@pytest.mark.parametrize("user_name", ["ad\u0000min", "admin\u0007", "\u001b[31madmin"])
def test_a_login_with_a_control_character_is_a_400_naming_the_field(
    database_url: str, client: ApiClient, admin_headers: dict[str, str], user_name: str
) -> None:
    body = {"userName": user_name, "password": ADMIN_PASSWORD}

    response = client.post("/api/v1/authenticate", json=body)

    problem = assert_problem(response, 400)
    assert "userName" in problem["errors"]
    assert "control characters" in problem["errors"]["userName"][0]


@BOTH_DATABASES
def test_a_view_input_with_nul_is_a_400_and_the_view_stays_open(
    database_url: str, client: ApiClient, admin_headers: dict[str, str]
) -> None:
    daily = next(
        p["id"]
        for p in client.get("/api/v1/maintenance", headers=admin_headers).json()
        if p["name"] == "Daily Maintenance"
    )
    client.post(f"/api/v1/maintenance/{daily}", headers=admin_headers)
    view = wait_for_view(client, admin_headers)  # the run opens it right after the start
    body = {"viewId": view["viewId"], "viewResult": "Ok", "viewInput": "lot\u0000x"}

    response = client.post("/api/v1/maintenance/close-view", json=body, headers=admin_headers)

    assert "viewInput" in assert_problem(response, 400)["errors"]
    current = client.get("/mlprep/v1/runs/current", headers=admin_headers).json()
    assert current["openView"]["viewId"] == view["viewId"]
    client.post("/api/v1/maintenance/abort", headers=admin_headers)


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/mlprep/v1/audit?action=%00", 400),
        ("/mlprep/v1/runs?offset=0&limit=%01", 400),
        ("/api/v1/maintenance/abc%00def", 404),
        ("/mlprep/v1/runs/%00", 404),
    ],
)
def test_a_control_character_in_the_query_is_a_400_and_in_the_path_a_404(
    database_url: str, client: ApiClient, admin_headers: dict[str, str], path: str, status: int
) -> None:
    problem = assert_problem(client.get(path, headers=admin_headers), status)

    assert "control characters" in problem["detail"]


NOT_NUMBERS = [False, True, "2", "NaN", [1], {"value": 1}]
NUMBER_FIELDS = [
    ("PUT", f"{SIM}/clock/speed", "speed"),
    ("PUT", f"{SIM}/hepa", "pressureDropPa"),
    ("PUT", f"{SIM}/faults", "rate"),
    ("POST", f"{SIM}/clock/advance", "hours"),
    ("POST", f"{SIM}/protocol-runs", "durationSeconds"),
    ("POST", f"{SIM}/protocol-runs", "tips"),
    ("PUT", f"{SIM}/counters/Front", "aspirateCounter"),
]


@pytest.mark.parametrize(("method", "path", "field"), NUMBER_FIELDS)
@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_number_field_takes_only_a_json_number(
    client: ApiClient, admin_headers: dict[str, str], method: str, path: str, field: str, value: Any
) -> None:
    before = simulator_state(client, admin_headers)
    body = {field: value, **({"rate": 0.5} if field != "rate" and path.endswith("faults") else {})}

    response = client.request(method, path, json=body, headers=admin_headers)

    assert field in assert_problem(response, 400)["errors"]
    assert simulator_state(client, admin_headers) == before


def test_a_fault_seed_takes_only_a_whole_number(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    for seed in (False, "7", 1.5, 2**63):
        body = {"rate": 0.5, "seed": seed}
        response = client.put(f"{SIM}/faults", json=body, headers=admin_headers)
        assert "seed" in assert_problem(response, 400)["errors"], seed

    assert client.put(
        f"{SIM}/faults", json={"rate": 0.5, "seed": 7.0}, headers=admin_headers
    ).is_success


def test_a_whole_number_may_be_written_with_a_zero_fraction(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    body = {"tips": 8.0, "transfers": 24.0, "durationSeconds": 60}

    response = client.post(f"{SIM}/protocol-runs", json=body, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert_problem(
        client.post(f"{SIM}/protocol-runs", json={"tips": 8.5}, headers=admin_headers), 400
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"speed": 1, "speed": 2}', "more than once"),
        (b'{"speed": 1, "Speed": 2}', "more than once"),
        (b'{"speed": NaN}', "NaN"),
        (b'{"speed": Infinity}', "Infinity"),
        (b'{"speed": -Infinity}', "Infinity"),
        (b'\xef\xbb\xbf{"speed": 1}', "byte-order mark"),
    ],
)
def test_json_that_could_mean_two_things_is_a_400(
    client: ApiClient, admin_headers: dict[str, str], content: bytes, says: str
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}

    response = client.put(f"{SIM}/clock/speed", content=content, headers=headers)

    assert says in assert_problem(response, 400)["detail"]
    assert simulator_state(client, admin_headers)["speed"] == 0


@pytest.mark.parametrize("content", [b"", b"  ", b"NaN", b"\xef\xbb\xbf{}"])
def test_a_protocol_run_sent_as_json_needs_a_json_value(
    client: ApiClient, admin_headers: dict[str, str], content: bytes
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}

    response = client.post(f"{SIM}/protocol-runs", content=content, headers=headers)

    assert_problem(response, 400)
    assert client.post(f"{SIM}/protocol-runs", headers=admin_headers).is_success  # no body: fine


def test_what_the_server_enforces_its_openapi_document_says(client: ApiClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas["ClockAdvanceRequest"]["minProperties"] == 1
    assert schemas["ChannelCounterValues"]["minProperties"] == 1
    assert schemas["ProtocolRunRequest"]["properties"]["tips"]["type"] == "integer"
    assert schemas["ClockSpeedRequest"]["properties"]["speed"]["maximum"] == 1_000_000


def test_a_trailing_slash_is_a_404_and_never_a_redirect_built_from_host(
    client: ApiClient,
) -> None:
    response = client.get(
        "/api/v1/maintenance/images/daily-clear-deck.png%2F", headers={"Host": "evil.example"}
    )

    assert_problem(response, 404)
    assert "location" not in response.headers


def test_too_many_headers_are_a_431(client: ApiClient) -> None:
    headers = {f"x-padding-{number}": "x" for number in range(1000)}

    assert_problem(client.get("/mlprep/v1/health", headers=headers), 431)


def test_a_megabyte_of_headers_is_a_431(client: ApiClient) -> None:
    assert_problem(client.get("/mlprep/v1/health", headers={"x-big": "x" * 1_000_000}), 431)


@pytest.mark.parametrize("url", ["/mlprep/v1/health?" + "a" * 20_000, "/" + "p" * 20_000])
def test_an_overlong_url_is_a_414(client: ApiClient, url: str) -> None:
    assert_problem(client.get(url), 414)
