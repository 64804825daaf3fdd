"""Access keys: a user makes one with a token, exchanges it for tokens for as long as it lives
(a new password does not end it), lists and revokes their own; an administrator anyone's. Only
a keyed hash is stored. Revoking a key ends the tokens issued from it at once, and the next
exchange is refused. Every issue, exchange and revocation is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mlprep.contract.users import Role
from mlprep.services import Services
from mlprep.store.tables import access_keys
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import bearer, log_in

EXCHANGE = "/mlprep/v1/authenticate/access-key"
MAINTENANCE = "/api/v1/maintenance"
OPERATOR_PASSWORD = "olivias password"


def keys_of(user: str) -> str:
    return f"/mlprep/v1/users/{user}/access-keys"


def issue(client: ApiClient, headers: dict[str, str], user: str = "admin") -> dict[str, Any]:
    response = client.post(keys_of(user), headers=headers, json={"label": "mlprep CLI on pc-3"})
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def exchange(client: ApiClient, key: str) -> dict[str, Any]:
    response = client.post(EXCHANGE, json={"accessKey": key})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_key_is_shown_once_and_exchanged_for_tokens(
    client: ApiClient, admin_headers: dict[str, str], services: Services
) -> None:
    issued = issue(client, admin_headers)

    assert issued["key"].startswith(f"mlprep_{issued['id']}_")
    assert issued["hint"] == issued["key"][-4:] and issued["label"] == "mlprep CLI on pc-3"
    answer = exchange(client, issued["key"])
    assert answer["userName"] == "admin" and answer["expiresIn"] == 5
    assert client.get(MAINTENANCE, headers=bearer(answer["token"])).status_code == 200
    listed = client.get(keys_of("admin"), headers=admin_headers).json()
    assert [k["id"] for k in listed] == [issued["id"]] and "key" not in listed[0]
    assert listed[0]["lastUsedAt"] is not None
    with services.engine.connect() as connection:
        stored = connection.execute(select(access_keys)).one()
    secret = issued["key"].removeprefix(f"mlprep_{issued['id']}_")
    assert secret not in str(tuple(stored)) and len(stored.secret_hash) == 64


def test_revoking_a_key_ends_its_tokens_and_its_exchanges(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    issued = issue(client, admin_headers)
    token = bearer(exchange(client, issued["key"])["token"])
    renewed = client.post("/api/v1/authenticate/renew-token", headers=token).json()["token"]
    assert client.get(MAINTENANCE, headers=token).status_code == 200  # remembered as verified

    revoked = client.delete(f"{keys_of('admin')}/{issued['id']}", headers=admin_headers)

    assert revoked.status_code == 204
    for used in (token, bearer(renewed)):
        refused = assert_problem(client.get(MAINTENANCE, headers=used), 401)
        assert "access key this token was exchanged for has been revoked" in refused["detail"]
    again = assert_problem(client.post(EXCHANGE, json={"accessKey": issued["key"]}), 401)
    assert "revoked, or never issued here" in again["detail"]
    assert client.get(MAINTENANCE, headers=admin_headers).status_code == 200  # the login's
    gone = client.delete(f"{keys_of('admin')}/{issued['id']}", headers=admin_headers)
    assert "no access key" in assert_problem(gone, 404)["detail"]


def test_a_wrong_or_malformed_key_is_refused_alike(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    issued = issue(client, admin_headers)
    forged = issued["key"][:-4] + ("aaaa" if not issued["key"].endswith("aaaa") else "bbbb")

    for key in (forged, "mlprep_nonsense", ""):
        refused = assert_problem(client.post(EXCHANGE, json={"accessKey": key}), 401)
        assert refused["detail"] == (
            "The access key is not valid: it was revoked, or never issued here."
        )


def test_a_key_outlives_a_new_password_and_dies_with_its_user(
    client: ApiClient, admin_headers: dict[str, str], services: Services
) -> None:
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    olivia = bearer(log_in(client, "olivia", OPERATOR_PASSWORD))
    issued = issue(client, olivia, "olivia")
    services.users.set_password("olivia", "a new password", actor="test")

    assert exchange(client, issued["key"])["userName"] == "olivia"
    services.users.remove("olivia", actor="test")
    assert_problem(client.post(EXCHANGE, json={"accessKey": issued["key"]}), 401)


def test_users_manage_their_own_keys_and_administrators_anyones(
    client: ApiClient, admin_headers: dict[str, str], services: Services
) -> None:
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    olivia = bearer(log_in(client, "olivia", OPERATOR_PASSWORD))
    admins = issue(client, admin_headers)

    own = issue(client, olivia, "OLIVIA")  # any letter case names her
    for_her = issue(client, admin_headers, "olivia")  # e.g. for CI
    refused = [
        client.get(keys_of("admin"), headers=olivia),
        client.post(keys_of("admin"), headers=olivia, json={"label": "x"}),
        client.delete(f"{keys_of('admin')}/{admins['id']}", headers=olivia),
    ]

    assert {k["id"] for k in client.get(keys_of("olivia"), headers=olivia).json()} == {
        own["id"],
        for_her["id"],
    }
    for response in refused:
        assert "ModifyUsers" in assert_problem(response, 403)["detail"]
    wrong_owner = client.delete(f"{keys_of('olivia')}/{admins['id']}", headers=admin_headers)
    assert_problem(wrong_owner, 404)
    assert client.delete(f"{keys_of('olivia')}/{own['id']}", headers=olivia).status_code == 204
    assert_problem(client.get(keys_of("nobody"), headers=admin_headers), 404)
    assert_problem(client.get(keys_of("admin")), 401)


def test_issuing_exchanging_and_revoking_are_audited(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    issued = issue(client, admin_headers)
    exchange(client, issued["key"])
    client.post(EXCHANGE, json={"accessKey": "mlprep_wrong"})
    client.delete(f"{keys_of('admin')}/{issued['id']}", headers=admin_headers)

    entries = client.get("/mlprep/v1/audit", headers=admin_headers).json()["items"]
    seen = [(e["action"], e["outcome"], e["actor"], e["detail"]) for e in entries[:4]]
    short = issued["id"][:8]
    hint = issued["hint"]
    assert seen == [
        ("accesskey.revoke", "success", "admin", f"key {short} (mlprep CLI on pc-3, …{hint})"),
        ("login", "failure", None, "access key"),
        ("login", "success", "admin", f"access key {short} (…{hint})"),
        ("accesskey.add", "success", "admin", f"key {short} (mlprep CLI on pc-3, …{hint})"),
    ]
