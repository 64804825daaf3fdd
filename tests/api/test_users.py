"""An administrator manages users over `/mlprep/v1/users`: adds them, changes their password and
role (their earlier tokens stop working), ends a lockout and removes them; the last administrator
stays; everyone else is refused; every change is audited."""

from __future__ import annotations

from typing import Any

from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import bearer, log_in

USERS = "/mlprep/v1/users"


def add(client: ApiClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(USERS, headers=headers, json=body)
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def test_an_administrator_adds_a_user_who_can_log_in(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        USERS,
        headers=admin_headers,
        json={"userName": "alice", "password": "alices password", "role": "operator"},
    )

    assert response.status_code == 201
    alice = response.json()
    assert response.headers["location"] == "/mlprep/v1/users/alice"
    assert alice["userName"] == "alice" and alice["role"] == "Operator"
    assert alice["lockedUntil"] is None and "password" not in response.text
    assert log_in(client, "alice", "alices password")
    names = [user["userName"] for user in client.get(USERS, headers=admin_headers).json()]
    assert names == ["admin", "alice"]
    assert client.get(f"{USERS}/ALICE", headers=admin_headers).json() == alice


def test_bad_users_are_refused_with_a_reason(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    add(client, admin_headers, userName="alice", password="alices password")

    short = client.post(USERS, headers=admin_headers, json={"userName": "bob", "password": "1"})
    taken = client.post(
        USERS, headers=admin_headers, json={"userName": "Alice", "password": "long enough"}
    )
    no_role = client.post(
        USERS,
        headers=admin_headers,
        json={"userName": "carol", "password": "long enough", "role": "Superuser"},
    )

    assert "at least 8 characters" in assert_problem(short, 400)["detail"]
    assert "already exists" in assert_problem(taken, 409)["detail"]
    assert "role" in str(assert_problem(no_role, 400)["errors"]).lower()
    assert assert_problem(client.get(f"{USERS}/nobody", headers=admin_headers), 404)


def test_a_new_password_ends_the_users_tokens(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    add(client, admin_headers, userName="alice", password="alices password")
    old_token = bearer(log_in(client, "alice", "alices password"))

    response = client.put(
        f"{USERS}/alice/password", headers=admin_headers, json={"password": "a new password"}
    )

    assert response.status_code == 200 and response.json()["userName"] == "alice"
    assert_problem(client.get("/api/v1/maintenance", headers=old_token), 401)
    assert log_in(client, "alice", "a new password")


def test_a_new_role_takes_effect_at_the_next_login(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    add(client, admin_headers, userName="alice", password="alices password", role="Operator")
    as_operator = bearer(log_in(client, "alice", "alices password"))
    assert_problem(client.get("/mlprep/v1/audit", headers=as_operator), 403)

    response = client.put(f"{USERS}/alice/role", headers=admin_headers, json={"role": 2})

    assert response.status_code == 200 and response.json()["role"] == "Administrator"
    assert_problem(client.get("/mlprep/v1/audit", headers=as_operator), 401)
    as_admin = bearer(log_in(client, "alice", "alices password"))
    assert client.get("/mlprep/v1/audit", headers=as_admin).status_code == 200


def test_the_last_administrator_keeps_the_role_and_the_account(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    demote = client.put(f"{USERS}/admin/role", headers=admin_headers, json={"role": "Operator"})
    remove = client.delete(f"{USERS}/admin", headers=admin_headers)

    assert "last administrator" in assert_problem(demote, 409)["detail"]
    assert "last administrator" in assert_problem(remove, 409)["detail"]
    assert client.get(f"{USERS}/admin", headers=admin_headers).json()["role"] == "Administrator"


def test_unlock_ends_a_lockout(client: ApiClient, admin_headers: dict[str, str]) -> None:
    add(client, admin_headers, userName="alice", password="alices password")
    for _ in range(5):
        client.post("/api/v1/authenticate", json={"userName": "alice", "password": "wrong!!!"})
    assert client.get(f"{USERS}/alice", headers=admin_headers).json()["lockedUntil"] is not None

    response = client.post(f"{USERS}/alice/unlock", headers=admin_headers)

    assert response.status_code == 200 and response.json()["lockedUntil"] is None
    assert log_in(client, "alice", "alices password")


def test_a_removed_user_is_gone_with_their_tokens(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    add(client, admin_headers, userName="alice", password="alices password")
    token = bearer(log_in(client, "alice", "alices password"))

    response = client.delete(f"{USERS}/alice", headers=admin_headers)

    assert response.status_code == 204 and response.content == b""
    assert_problem(client.get("/api/v1/maintenance", headers=token), 401)
    assert_problem(client.get(f"{USERS}/alice", headers=admin_headers), 404)


def test_only_administrators_manage_users(client: ApiClient, admin_headers: dict[str, str]) -> None:
    add(client, admin_headers, userName="sam", password="service password", role="Service")
    service = bearer(log_in(client, "sam", "service password"))

    assert_problem(client.get(USERS), 401)
    assert_problem(client.get(USERS, headers=service), 403)
    refused = client.post(
        USERS, headers=service, json={"userName": "eve", "password": "eve's password"}
    )
    assert_problem(refused, 403)


def test_every_change_is_audited_under_the_administrator(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    add(client, admin_headers, userName="alice", password="alices password")
    client.put(f"{USERS}/alice/role", headers=admin_headers, json={"role": "Service"})
    client.put(f"{USERS}/alice/password", headers=admin_headers, json={"password": "new password"})
    client.post(f"{USERS}/alice/unlock", headers=admin_headers)
    client.delete(f"{USERS}/alice", headers=admin_headers)

    page = client.get("/mlprep/v1/audit", headers=admin_headers, params={"limit": 500}).json()
    changes = [
        (item["action"], item["actor"], item["target"])
        for item in reversed(page["items"])
        if item["action"].startswith("user.") and item["target"] == "alice"
    ]
    assert changes == [
        ("user.add", "admin", "alice"),
        ("user.role", "admin", "alice"),
        ("user.passwd", "admin", "alice"),
        ("user.unlock", "admin", "alice"),
        ("user.remove", "admin", "alice"),
    ]
