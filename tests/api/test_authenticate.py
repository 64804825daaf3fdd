"""The Authenticate operations: log in, check, renew and log out, under both prefixes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mlprep.api.app import create_app
from mlprep.auth.permissions import Permission
from mlprep.clock import FakeClock
from mlprep.services import open_services, prepare_first_start
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.forgery import claims_of
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, VENDOR_PREFIXES, bearer, log_in

CREDENTIALS = {"userName": "admin", "password": ADMIN_PASSWORD}
JSON_MEDIA_TYPES = [
    "application/json-patch+json",
    "application/json",
    "text/json",
    "application/vnd.foo+json",
    "application/json; charset=utf-8",
]


def test_a_login_answers_with_a_token_and_its_lifetime(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate", json=CREDENTIALS)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "userName": "admin",
        "userId": body["userId"],
        "token": body["token"],
        "inactiveLogout": 60,  # the vendor's example's values (configurable)
        "logoutCountdown": 10,
        "expiresIn": 5,
        "passwordExpiresInDays": 0,
        "notifyPasswordExpiresSoon": False,
    }
    assert len(body["userId"]) == 32 and int(body["userId"], 16) >= 0


def test_the_token_names_the_user_and_lists_their_permissions(client: ApiClient) -> None:
    body = client.post("/api/v1/authenticate", json=CREDENTIALS).json()

    claims = claims_of(body["token"])

    assert claims["nameid"] == body["userId"]
    assert claims["given_name"] == "admin"
    assert sorted(claims["role"]) == sorted(permission.value for permission in Permission)
    assert claims["exp"] - claims["iat"] == 5 * 60


def test_the_user_name_matches_in_any_letter_case(client: ApiClient, prefix: str) -> None:
    response = client.post(
        f"{prefix}/authenticate", json={"userName": "ADMIN", "password": ADMIN_PASSWORD}
    )

    assert response.status_code == 200
    assert response.json()["userName"] == "admin"


def test_property_names_match_in_any_letter_case(client: ApiClient, prefix: str) -> None:
    response = client.post(
        f"{prefix}/authenticate", json={"UserName": "admin", "PASSWORD": ADMIN_PASSWORD}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
def test_every_json_media_type_is_accepted(client: ApiClient, media_type: str) -> None:
    response = client.post(
        "/api/v1/authenticate",
        content=f'{{"userName": "admin", "password": "{ADMIN_PASSWORD}"}}',
        headers={"Content-Type": media_type},
    )

    assert response.status_code == 200, response.text


def test_a_wrong_password_is_refused(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate", json=CREDENTIALS | {"password": "wrong!!!"})

    body = assert_problem(response, 401)
    assert body["detail"] == "The user name or password is incorrect."


def test_check_authentication_succeeds_with_a_valid_token(client: ApiClient, prefix: str) -> None:
    token = log_in(client, "admin", ADMIN_PASSWORD, prefix)

    response = client.get(f"{prefix}/authenticate/check-authentication", headers=bearer(token))

    assert response.status_code == 200
    assert response.content == b""


def test_check_authentication_fails_without_a_token(client: ApiClient, prefix: str) -> None:
    response = client.get(f"{prefix}/authenticate/check-authentication")

    body = assert_problem(response, 401)
    assert "bearer token" in body["detail"]


def test_a_token_from_one_prefix_works_under_the_other(client: ApiClient) -> None:
    first, second = VENDOR_PREFIXES
    token = log_in(client, "admin", ADMIN_PASSWORD, first)

    response = client.get(f"{second}/authenticate/check-authentication", headers=bearer(token))

    assert response.status_code == 200


def test_renewing_gives_a_fresh_token_that_outlives_the_old_one(
    client: ApiClient, clock: FakeClock, prefix: str
) -> None:
    old = log_in(client, "admin", ADMIN_PASSWORD, prefix)
    clock.advance(timedelta(minutes=4))

    response = client.post(f"{prefix}/authenticate/renew-token", headers=bearer(old))

    assert response.status_code == 200
    renewed = response.json()
    assert (renewed["userName"], renewed["expiresIn"]) == ("admin", 5)
    assert claims_of(renewed["token"])["jti"] != claims_of(old)["jti"]
    clock.advance(timedelta(minutes=2))
    check = f"{prefix}/authenticate/check-authentication"
    assert client.get(check, headers=bearer(renewed["token"])).status_code == 200
    assert_problem(client.get(check, headers=bearer(old)), 401)


def test_renewing_needs_a_valid_token(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate/renew-token")

    assert_problem(response, 401)


def test_logging_out_revokes_the_token_used(client: ApiClient, prefix: str) -> None:
    token = log_in(client, "admin", ADMIN_PASSWORD, prefix)
    other = log_in(client, "admin", ADMIN_PASSWORD, prefix)

    response = client.delete(f"{prefix}/authenticate", headers=bearer(token))

    assert response.status_code == 200
    assert response.content == b""
    check = f"{prefix}/authenticate/check-authentication"
    body = assert_problem(client.get(check, headers=bearer(token)), 401)
    assert "revoked" in body["detail"]
    assert client.get(check, headers=bearer(other)).status_code == 200


def test_logging_out_twice_or_without_a_token_fails(client: ApiClient, prefix: str) -> None:
    token = log_in(client, "admin", ADMIN_PASSWORD, prefix)
    client.delete(f"{prefix}/authenticate", headers=bearer(token))

    assert_problem(client.delete(f"{prefix}/authenticate", headers=bearer(token)), 401)
    assert_problem(client.delete(f"{prefix}/authenticate"), 401)


def test_the_token_lifetime_is_configurable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD, token_minutes=30)
    services = open_services(settings, clock=FakeClock())
    prepare_first_start(services)

    with ApiClient(create_app(settings, services_factory=lambda _: services)) as client:
        body = client.post("/api/v1/authenticate", json=CREDENTIALS).json()

    assert body["expiresIn"] == 30
    claims = claims_of(body["token"])
    assert claims["exp"] - claims["iat"] == 30 * 60
