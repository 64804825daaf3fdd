"""A token verified once is remembered until it expires: later requests with it cost no database
statement. A logout, a new password, a new role or a removal in this server forgets it at once;
the same changes made by another process are caught by the periodic revalidation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI

from mlprep.auth import authentication
from mlprep.clock import FakeClock
from mlprep.contract.users import Role
from mlprep.services import Services
from mlprep.store.users import UserStore
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in
from tests.statements import statements_on

CHECK = "/api/v1/authenticate/check-authentication"


@pytest.fixture
def client(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """The in-process app, with the periodic revalidation out of the way: the tests call it."""
    monkeypatch.setattr(authentication, "REVALIDATE_SECONDS", 3600.0)
    with ApiClient(app) as client:
        yield client


def operator_token(client: ApiClient, services: Services) -> str:
    services.users.add("olga", "olgas password", Role.OPERATOR, actor="admin")
    return log_in(client, "olga", "olgas password")


def test_a_token_used_again_costs_no_database_statement(
    client: ApiClient, services: Services
) -> None:
    headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
    assert client.get(CHECK, headers=headers).status_code == 200

    with statements_on(services.engine) as executed:
        for _ in range(3):
            assert client.get(CHECK, headers=headers).status_code == 200

    assert executed == []


@pytest.mark.parametrize("change", ["logout", "passwd", "role", "remove"])
def test_a_change_in_this_server_ends_a_remembered_token_at_once(
    client: ApiClient, services: Services, change: str
) -> None:
    token = operator_token(client, services)
    assert client.get(CHECK, headers=bearer(token)).status_code == 200

    if change == "logout":
        assert client.delete("/api/v1/authenticate", headers=bearer(token)).status_code == 200
    elif change == "passwd":
        services.users.set_password("olga", "another password", actor="admin")
    elif change == "role":
        services.users.set_role("olga", Role.SERVICE, actor="admin")
    else:
        services.users.remove("olga", actor="admin")

    assert_problem(client.get(CHECK, headers=bearer(token)), 401)


def test_a_change_by_another_process_ends_a_remembered_token_at_the_next_revalidation(
    client: ApiClient, services: Services
) -> None:
    token = operator_token(client, services)
    admin = log_in(client, "admin", ADMIN_PASSWORD)
    for used in (token, admin):
        assert client.get(CHECK, headers=bearer(used)).status_code == 200
    olga = UserStore(services.engine).by_name("olga")
    assert olga is not None
    # What `mlprep users passwd --data-dir` does from its own process: only the database changes.
    UserStore(services.engine).set_password_hash(olga.id, olga.password_hash)

    services.authenticator.revalidate()

    body = assert_problem(client.get(CHECK, headers=bearer(token)), 401)
    assert "password or role changed" in body["detail"]
    assert client.get(CHECK, headers=bearer(admin)).status_code == 200


def test_a_remembered_token_still_expires(
    client: ApiClient, services: Services, clock: FakeClock
) -> None:
    token = log_in(client, "admin", ADMIN_PASSWORD)
    assert client.get(CHECK, headers=bearer(token)).status_code == 200

    clock.advance(timedelta(minutes=services.settings.token_minutes))

    assert "expired" in assert_problem(client.get(CHECK, headers=bearer(token)), 401)["detail"]
