"""Every route is guarded: the test enumerates the app's routes — HTTP under every prefix, the
event WebSockets and the SSE stream — so that a route added without a permission fails here.
Only a short, explicit list answers without a token."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from mlprep.api.app import create_app
from mlprep.api.route_table import RouteTable
from mlprep.api.routes.events import websocket_router
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.forgery import claims_of, forge
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

# The only operations anyone may call: logging in (with a password, or an access key), pictures
# for <img>, health and metrics.
PUBLIC = {
    ("POST", "/api/v1/authenticate"),
    ("POST", "/NimbusLite/api/v1/authenticate"),
    ("POST", "/mlprep/v1/authenticate/access-key"),
    ("GET", "/api/v1/maintenance/images/{imageName}"),
    ("GET", "/NimbusLite/api/v1/maintenance/images/{imageName}"),
    ("GET", "/mlprep/v1/health"),
    ("GET", "/mlprep/v1/metrics"),
}
DOCUMENTS = {"/openapi.json", "/swagger/v1/swagger.json", "/docs", "/redoc"}
SOME_ID = "0123456789abcdef0123456789abcdef"


def route_table(app: FastAPI) -> RouteTable:
    table: RouteTable = app.state.route_table
    return table


def guarded_operations() -> list[tuple[str, str]]:
    app = create_app(Settings(data_dir="/nonexistent"))  # routes only; nothing is opened
    return [operation for operation in route_table(app).operations() if operation not in PUBLIC]


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", SOME_ID, template)


def test_the_route_table_knows_every_documented_operation(app: FastAPI) -> None:
    known = {template for _method, template in route_table(app).operations()}
    documented = set(app.openapi()["paths"])

    assert documented <= known
    assert {template for _method, template in PUBLIC} <= known


def test_the_public_list_is_short_and_every_other_operation_is_guarded() -> None:
    operations = guarded_operations()

    assert len(PUBLIC) == 7
    assert len(operations) >= 40


@pytest.mark.parametrize(("method", "template"), guarded_operations())
def test_a_guarded_operation_refuses_every_bad_credential(
    client: ApiClient, method: str, template: str
) -> None:
    token = log_in(client, "admin", ADMIN_PASSWORD)
    secret = (client.app.state.services.settings.data_dir / "signing-secret").read_text()
    forged = forge(claims_of(token), "none", bytes.fromhex(secret.strip()))
    attempts = [{}, bearer("garbage"), bearer(forged), {"Authorization": f"Basic {token}"}]

    for headers in attempts:
        response = client.request(method, concrete(template), headers=headers)
        assert_problem(response, 401)


@pytest.mark.parametrize("path", [route.path for route in websocket_router.routes])
def test_the_event_websockets_are_listed(path: str) -> None:
    assert path in {"/instinctevents", "/instincterrors"}


def test_the_documents_are_the_only_other_public_paths(client: ApiClient) -> None:
    for path in DOCUMENTS:
        assert client.get(path).status_code == 200, path
