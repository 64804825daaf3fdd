"""A script that runs for longer than a token lives never sees it expire: the client renews the
token before its end, and logs in again after a 401 when it holds a password (both faces, where
`face` is asked for)."""

from __future__ import annotations

import time

import pytest

from mlprep.client import AsyncPrepClient, PrepClient, Unauthenticated
from mlprep.contract.users import Role
from tests.client.faces import Face
from tests.e2e.conftest import ServerFactory
from tests.e2e.server import ServerProcess
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in


def test_a_one_minute_token_is_renewed_unnoticed_across_its_expiry(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(args=["--speed", "0", "--token-minutes", "1"]).start()
    with server.client() as http:
        first = log_in(http, "admin", ADMIN_PASSWORD)
        tokens = [first]
        with PrepClient(server.base_url, token=first) as prep:  # a token only, no password
            started = time.monotonic()
            while time.monotonic() - started < 70:  # past the first token's end
                assert len(prep.procedures()) == 5
                if prep.session.token != tokens[-1]:
                    tokens.append(prep.session.token or "")
                time.sleep(5)

        assert len(tokens) >= 2  # renewed at least once, before each expiry
        assert_problem(http.get("/api/v1/maintenance", headers=bearer(first)), 401)
        assert http.get("/api/v1/maintenance", headers=bearer(tokens[-1])).status_code == 200


def test_a_revoked_token_is_replaced_by_a_new_login(instrument: ServerProcess, face: Face) -> None:
    with PrepClient(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as admin:
        admin.add_user("dora", "doras password", Role.OPERATOR)
        try:
            with face(instrument.base_url, user_name="dora", password="doras password") as dora:
                assert len(dora.procedures()) == 5
                revoked = dora.session.token
                admin.set_user_role("dora", Role.SERVICE)  # ends her tokens

                assert len(dora.procedures()) == 5  # a 401, a new login, the same call again
                assert dora.session.token != revoked
        finally:
            admin.remove_user("dora")


def test_a_client_with_an_access_key_exchanges_it_again_until_it_is_revoked(
    instrument: ServerProcess, prep: PrepClient, face: Face
) -> None:
    issued = prep.add_access_key("admin", "a long script")
    with face(instrument.base_url, access_key=issued.key) as keyed:  # no password held
        assert len(keyed.procedures()) == 5
        first = keyed.session.token
        assert first is not None
        with instrument.client() as http:
            http.delete("/api/v1/authenticate", headers=bearer(first))  # the token revoked

        assert len(keyed.procedures()) == 5  # a 401, the key exchanged again, the same call
        assert keyed.session.token != first
        prep.revoke_access_key("admin", issued.id)
        with pytest.raises(Unauthenticated, match="revoked, or never issued here"):
            keyed.procedures()


@pytest.mark.anyio
async def test_the_async_client_takes_an_access_key_too(
    instrument: ServerProcess, prep: PrepClient
) -> None:
    issued = prep.add_access_key("admin", "an async script")
    try:
        async with AsyncPrepClient(instrument.base_url, access_key=issued.key) as keyed:
            assert len(await keyed.procedures()) == 5
            listed = await keyed.access_keys("admin")
        assert issued.id in {key.id for key in listed}
    finally:
        prep.revoke_access_key("admin", issued.id)
