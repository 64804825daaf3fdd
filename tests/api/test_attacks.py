"""The attack battery: every way to present bad credentials is refused with the same problem
shape, permissions are enforced, and no answer tells which user names exist. (Guessing passwords is
refused in tests/api/test_lockout.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mlprep.clock import FakeClock
from mlprep.contract.users import Role
from mlprep.services import Services
from tests.asgi import ApiClient
from tests.forgery import claims_of, forge
from tests.problems import assert_problem, without_trace
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

OPERATOR_PASSWORD = "operator password"
# How to spoil a request: makes the headers (with a bad Authorization, or none) to send.
Spoiler = Callable[[ApiClient, Services, FakeClock, str], dict[str, str]]


def admin_token(client: ApiClient, prefix: str) -> str:
    return log_in(client, "admin", ADMIN_PASSWORD, prefix)


def secret(services: Services) -> bytes:
    return bytes.fromhex((services.settings.data_dir / "signing-secret").read_text().strip())


def re_signed(algorithm: str) -> Spoiler:
    def spoil(client: ApiClient, services: Services, _: FakeClock, prefix: str) -> dict[str, str]:
        return bearer(forge(claims_of(admin_token(client, prefix)), algorithm, secret(services)))

    return spoil


def wrong_signature(client: ApiClient, _s: Services, _c: FakeClock, prefix: str) -> dict[str, str]:
    claims = claims_of(admin_token(client, prefix))
    return bearer(forge(claims, "HS256", b"a secret that is not the server's"))


def expired(client: ApiClient, _s: Services, clock: FakeClock, prefix: str) -> dict[str, str]:
    token = admin_token(client, prefix)
    clock.advance(timedelta(minutes=5))
    return bearer(token)


def logged_out(client: ApiClient, _s: Services, _c: FakeClock, prefix: str) -> dict[str, str]:
    headers = bearer(admin_token(client, prefix))
    assert client.delete(f"{prefix}/authenticate", headers=headers).status_code == 200
    return headers


def removed_user(
    client: ApiClient, services: Services, _c: FakeClock, prefix: str
) -> dict[str, str]:
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="admin")
    headers = bearer(log_in(client, "olivia", OPERATOR_PASSWORD, prefix))
    services.users.remove("olivia", actor="admin")
    return headers


SPOILERS: dict[str, tuple[Spoiler, str]] = {
    "no Authorization header": (lambda *_: {}, "needs a bearer token"),
    "Basic scheme": (lambda *_: {"Authorization": "Basic YWRtaW46cGFzc3dvcmQ="}, "bearer token"),
    "empty bearer": (lambda *_: {"Authorization": "Bearer "}, "bearer token"),
    "garbage token": (lambda *_: bearer("this.is.garbage"), "malformed"),
    "wrong signature": (wrong_signature, "not validly signed"),
    "expired": (expired, "expired"),
    "alg none": (re_signed("none"), "not validly signed"),
    "HS512 with the same secret": (re_signed("HS512"), "not validly signed"),
    "RS256": (re_signed("RS256"), "not validly signed"),
    "after logout": (logged_out, "revoked"),
    "of a removed user": (removed_user, "no longer exists"),
}


@pytest.mark.parametrize("attack", list(SPOILERS))
def test_bad_credentials_are_refused_with_401(
    client: ApiClient, services: Services, clock: FakeClock, prefix: str, attack: str
) -> None:
    spoil, reason = SPOILERS[attack]
    headers = spoil(client, services, clock, prefix)

    response = client.get(f"{prefix}/authenticate/check-authentication", headers=headers)

    body = assert_problem(response, 401)
    assert reason in body["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/authenticate"), ("POST", "/authenticate/renew-token")],
)
def test_every_operation_but_login_needs_a_valid_token(
    client: ApiClient, services: Services, clock: FakeClock, prefix: str, method: str, path: str
) -> None:
    for spoil, _reason in SPOILERS.values():
        headers = spoil(client, services, clock, prefix)

        assert_problem(client.request(method, f"{prefix}{path}", headers=headers), 401)


def test_the_audit_trail_refuses_bad_credentials_too(
    client: ApiClient, services: Services, clock: FakeClock
) -> None:
    headers = expired(client, services, clock, "/api/v1")

    assert_problem(client.get("/mlprep/v1/audit", headers=headers), 401)


def test_a_user_without_the_permission_gets_403(client: ApiClient, services: Services) -> None:
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="admin")
    headers = bearer(log_in(client, "olivia", OPERATOR_PASSWORD))

    response = client.get("/mlprep/v1/audit", headers=headers)

    body = assert_problem(response, 403)
    assert "ViewAudit" in body["detail"] and "Operator" in body["detail"]
    assert client.get("/api/v1/authenticate/check-authentication", headers=headers).is_success


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client: ApiClient) -> None:
    def failure(user_name: str, address: str) -> tuple[dict[str, Any], dict[str, str | None]]:
        response = client.from_address(address).post(
            "/api/v1/authenticate", json={"userName": user_name, "password": "wrong password"}
        )
        headers = {name: response.headers.get(name) for name in ("www-authenticate", "retry-after")}
        return without_trace(assert_problem(response, 401)), headers

    assert failure("nobody", "10.0.0.1") == failure("admin", "10.0.0.2")
