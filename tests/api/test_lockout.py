"""Guessing passwords: five attempts for one user name, then that name waits ten minutes — and
only that name. Concurrent guesses cannot pass the limit, a crowd of logins cannot exhaust the
server, and an administrator (or a new password) ends a lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from mlprep.clock import FakeClock
from mlprep.services import Services
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, log_in

RIGHT = {"userName": "admin", "password": ADMIN_PASSWORD}
WRONG = {"userName": "admin", "password": "wrong password"}


def statuses(
    client: ApiClient, body: dict[str, str], times: int, prefix: str = "/api/v1"
) -> list[int]:
    return [client.post(f"{prefix}/authenticate", json=body).status_code for _ in range(times)]


def audited(services: Services, action: str) -> list[tuple[str | None, str]]:
    records, _ = services.audit.page(0, 500, action)
    return [(record.actor, record.outcome) for record in records]


def test_the_fifth_failure_answers_401_and_the_next_try_429_for_ten_minutes(
    client: ApiClient, clock: FakeClock, prefix: str
) -> None:
    assert statuses(client, WRONG, 5, prefix) == [401] * 5

    locked = client.post(f"{prefix}/authenticate", json=RIGHT)

    body = assert_problem(locked, 429)
    assert locked.headers["retry-after"] == "600"
    assert "Try again in 10 minute(s)" in body["detail"]
    clock.advance(timedelta(minutes=9))
    assert client.post(f"{prefix}/authenticate", json=RIGHT).headers["retry-after"] == "60"
    clock.advance(timedelta(minutes=1))
    assert client.post(f"{prefix}/authenticate", json=RIGHT).status_code == 200


def test_a_stranger_guessing_another_name_never_locks_the_admin_out(client: ApiClient) -> None:
    stranger = {"userName": "nobody", "password": "guess"}

    assert statuses(client, stranger, 6) == [401] * 5 + [429]

    assert client.post("/api/v1/authenticate", json=RIGHT).status_code == 200


def test_failures_from_many_addresses_lock_the_name_from_every_address(client: ApiClient) -> None:
    for number in range(5):
        client.from_address(f"10.0.0.{number}").post("/api/v1/authenticate", json=WRONG)

    assert_problem(client.from_address("10.9.9.9").post("/api/v1/authenticate", json=RIGHT), 429)


def test_an_unknown_name_is_locked_out_exactly_like_a_real_one(client: ApiClient) -> None:
    unknown = {"userName": "nobody", "password": "wrong password"}

    assert statuses(client, unknown, 7) == statuses(client, WRONG, 7)


def test_a_success_before_the_fifth_failure_starts_the_count_again(client: ApiClient) -> None:
    statuses(client, WRONG, 4)
    log_in(client, "admin", ADMIN_PASSWORD)

    assert statuses(client, WRONG, 5) == [401] * 5


def test_sixty_concurrent_guesses_get_five_password_checks(
    client: ApiClient, services: Services
) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/v1/authenticate", json=WRONG), range(60))
        )

    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(401) == 5
    assert set(codes) <= {401, 429, 503}
    assert audited(services, "login") == [("admin", "failure")] * 5
    assert audited(services, "lockout") == [("admin", "locked")]
    assert_problem(client.post("/api/v1/authenticate", json=RIGHT), 429)


def test_an_administrator_unlocks_a_locked_name(client: ApiClient, services: Services) -> None:
    statuses(client, WRONG, 5)

    services.users.unlock("ADMIN", actor="service engineer")

    assert client.post("/api/v1/authenticate", json=RIGHT).status_code == 200
    assert audited(services, "user.unlock") == [("service engineer", "success")]


def test_a_new_password_ends_the_lock(client: ApiClient, services: Services) -> None:
    statuses(client, WRONG, 5)

    services.users.set_password("admin", "a brand new password", actor="admin")

    log_in(client, "admin", "a brand new password")


def test_a_locked_user_shows_when_the_lock_ends(
    client: ApiClient, services: Services, clock: FakeClock
) -> None:
    statuses(client, WRONG, 5)

    assert services.users.get("admin").locked_until == clock.now() + timedelta(minutes=10)
    clock.advance(timedelta(minutes=10))
    assert services.users.get("admin").locked_until is None


def test_a_full_login_queue_answers_503_with_retry_after(
    client: ApiClient, services: Services
) -> None:
    checks = services.authenticator._password_checks  # fill the queue by hand
    checks._admitted = checks._capacity

    busy = client.post("/api/v1/authenticate", json=RIGHT)

    checks._admitted = 0
    body = busy.json()
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert body["title"] == "Service Unavailable" and "busy" in body["detail"]
    assert audited(services, "login") == []  # refused before counting or checking anything
    log_in(client, "admin", ADMIN_PASSWORD)


def test_concurrent_right_passwords_never_lock_each_other_out(client: ApiClient) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/v1/authenticate", json=RIGHT), range(12))
        )

    assert [answer.status_code for answer in answers] == [200] * 12
