"""mlprep's own operations: health needs no token and says the instrument is simulated; the
audit trail records logins, logouts, lockouts and user changes for those allowed to read it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mlprep.api.app import create_app
from mlprep.clock import FakeClock
from mlprep.contract.users import Role
from mlprep.services import Services, open_services, prepare_first_start
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

INSTRUMENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$")


def audit(client: ApiClient, headers: dict[str, str], **query: Any) -> dict[str, Any]:
    response = client.get("/mlprep/v1/audit", headers=headers, params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def actions(page: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(item["action"], item["actor"], item["outcome"]) for item in page["items"]]


def test_health_answers_without_a_token(client: ApiClient) -> None:
    response = client.get("/mlprep/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "Healthy",
        "version": response.json()["version"],
        "database": "sqlite: ok",
        "simulated": True,
        "instrumentId": "prep-sim-1",
        "serialNumber": "PREP-SIM-0001",
        "now": "2026-04-29T14:13:24.275456+00:00",  # the instrument's clock
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/mlprep/v1/health"),
        ("POST", "/api/v1/authenticate"),
        ("GET", "/NimbusLite/api/v1/authenticate/check-authentication"),
        ("GET", "/no/such/route"),
    ],
)
def test_every_answer_says_the_instrument_is_simulated(
    client: ApiClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert response.headers["x-instrument-simulated"] == "true"


def test_the_trail_records_successful_and_failed_logins_and_logouts(client: ApiClient) -> None:
    wrong = {"userName": "admin", "password": "wrong password"}
    assert client.post("/api/v1/authenticate", json=wrong).status_code == 401
    token = log_in(client, "admin", ADMIN_PASSWORD)
    client.delete("/api/v1/authenticate", headers=bearer(token))

    page = audit(client, bearer(log_in(client, "admin", ADMIN_PASSWORD)), limit=4)

    assert actions(page) == [
        ("login", "admin", "success"),
        ("logout", "admin", "success"),
        ("login", "admin", "success"),
        ("login", "admin", "failure"),
    ]
    assert {item["client"] for item in page["items"]} == {"127.0.0.1"}


def test_the_trail_records_a_lockout(client: ApiClient) -> None:
    attacker = client.from_address("10.6.6.6")
    for _ in range(5):
        attacker.post("/api/v1/authenticate", json={"userName": "eve", "password": "guess"})

    page = audit(client, bearer(log_in(client, "admin", ADMIN_PASSWORD)), action="lockout")

    assert actions(page) == [("lockout", "eve", "locked")]
    assert page["items"][0]["client"] == "10.6.6.6"


def test_the_trail_records_user_changes(client: ApiClient, services: Services) -> None:
    services.users.add("bob", "bobs password", Role.SERVICE, actor="admin")
    services.users.set_password("bob", "bobs new password", actor="admin")
    services.users.remove("bob", actor="admin")

    page = audit(client, bearer(log_in(client, "admin", ADMIN_PASSWORD)))

    changes = [(i["action"], i["target"]) for i in page["items"] if i["action"].startswith("user.")]
    assert changes == [
        ("user.remove", "bob"),
        ("user.passwd", "bob"),
        ("user.add", "bob"),
        ("user.add", "admin"),
    ]


def test_the_trail_is_paged_newest_first(client: ApiClient) -> None:
    headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
    whole = audit(client, headers)

    page = audit(client, headers, offset=1, limit=2)

    assert (page["total"], page["offset"], page["limit"]) == (whole["total"], 1, 2)
    assert page["items"] == whole["items"][1:3]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}])
def test_a_bad_page_request_is_a_400(
    client: ApiClient, admin_headers: dict[str, str], query: dict[str, Any]
) -> None:
    response = client.get("/mlprep/v1/audit", headers=admin_headers, params=query)

    body = assert_problem(response, 400)
    assert set(body["errors"]) == set(query)


def test_reading_the_trail_needs_a_token(client: ApiClient) -> None:
    assert_problem(client.get("/mlprep/v1/audit"), 401)


def test_audit_times_are_the_instruments_with_microseconds_and_a_numeric_offset(
    client: ApiClient, services: Services, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    services.clock.advance(timedelta(days=2))  # the simulator's clock, not the wall clock
    services.users.add("bob", "bobs password", Role.OPERATOR, actor="admin")

    entry = audit(client, admin_headers, action="user.add")["items"][0]

    assert INSTRUMENT_TIME.match(entry["at"]), entry["at"]
    assert datetime.fromisoformat(entry["at"]) == clock.now() + timedelta(days=2)


def test_audit_times_are_shown_in_the_instruments_time_zone(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD, time_zone="America/Denver"
    )
    services = open_services(settings, clock=FakeClock())  # 2026-04-29: daylight saving time
    prepare_first_start(services)
    with ApiClient(create_app(settings, services_factory=lambda _: services)) as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        entry = audit(client, headers, limit=1)["items"][0]

    assert entry["at"].endswith("-06:00")
