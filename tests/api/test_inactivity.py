"""The inactivity logout over HTTP: the login answer's values, a session unused for
`inactiveLogout` minutes refused with 401, and the warning on the event stream before; and
RFC 6750 §3's rule for the challenge of a failed login."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from mlprep.api.app import create_app
from mlprep.clock import FakeClock
from mlprep.events.bus import Stream
from mlprep.ids import SequentialIds
from mlprep.services import Services, open_services, prepare_first_start
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

CHECK = "/NimbusLite/api/v1/authenticate/check-authentication"
WAIT_SECONDS = 10.0  # a bound against hanging, not a timing check


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Tokens that outlive the inactivity logout, so that only the inactivity ends them."""
    return Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, token_minutes=8 * 60)


def test_the_login_answer_reports_the_vendors_inactivity_values(client: ApiClient) -> None:
    answer = client.post(
        "/NimbusLite/api/v1/authenticate",
        json={"UserName": "admin", "Password": ADMIN_PASSWORD},
    ).json()

    assert (answer["inactiveLogout"], answer["logoutCountdown"]) == (60, 10)


def test_a_token_unused_for_the_inactivity_minutes_is_refused(
    client: ApiClient, clock: FakeClock
) -> None:
    headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
    clock.advance(timedelta(minutes=59))
    assert client.get(CHECK, headers=headers).status_code == 200

    clock.advance(timedelta(minutes=60))
    refused = client.get(CHECK, headers=headers)

    assert "not used for 60 minutes" in assert_problem(refused, 401)["detail"]
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert log_in(client, "admin", ADMIN_PASSWORD)  # a new login starts a new session


def test_a_renewal_is_a_use_and_its_token_continues_the_session(
    client: ApiClient, clock: FakeClock
) -> None:
    first = bearer(log_in(client, "admin", ADMIN_PASSWORD))
    clock.advance(timedelta(minutes=45))
    renewed = client.post("/api/v1/authenticate/renew-token", headers=first).json()["token"]
    clock.advance(timedelta(minutes=45))

    assert client.get(CHECK, headers=bearer(renewed)).status_code == 200
    assert client.get(CHECK, headers=first).status_code == 200


def test_a_wrong_password_names_no_token_error(client: ApiClient) -> None:
    # RFC 6750 §3: no token was sent, so the challenge carries no error code.
    response = client.post(
        "/api/v1/authenticate", json={"userName": "admin", "password": "wrong password"}
    )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def quick_services(data_dir: Path, clock: FakeClock) -> Iterator[Services]:
    settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, token_minutes=8 * 60)
    services = open_services(settings, clock=clock, ids=SequentialIds())
    prepare_first_start(services)
    yield services
    services.close()


@pytest.fixture
async def running_app(quick_services: Services) -> AsyncIterator[FastAPI]:
    app = create_app(quick_services.settings, services_factory=lambda _settings: quick_services)
    async with app.router.lifespan_context(app):
        yield app


@pytest.mark.anyio
async def test_a_warning_goes_out_on_the_event_stream_before_the_logout(
    running_app: FastAPI, quick_services: Services, clock: FakeClock
) -> None:
    login = await quick_services.authenticator.login("admin", ADMIN_PASSWORD, None)
    listener = quick_services.bus.subscribe(frozenset({Stream.EVENTS}))

    clock.advance(timedelta(minutes=50, seconds=30))
    event = await asyncio.wait_for(listener.next(), WAIT_SECONDS)

    assert event is not None
    message = event.to_message()
    assert message["code"] == "logoutcountdown"
    assert message["data"]["userName"] == "admin"
    assert message["data"]["secondsLeft"] == 570
    claims = quick_services.authenticator.authenticate(str(login.token)).claims
    assert message["data"]["sessionId"] == claims.session
