"""Schemathesis over the reference contract (not the server's own schema, which would be
circular): every Authenticate operation, against a live `mlprep serve`, answers only with the
statuses, media types, bodies and headers the contract allows, and never with a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis import Case, checks

from tests.contract.headers import token_unless_negated, without_framing
from tests.contract.reference import CONTRACT
from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]

schema = schemathesis.openapi.from_path(CONTRACT.resolve()).include(tag="Authenticate")
# Modest: the whole file runs in seconds. No example database: nothing carries over between runs.
schema.config.generation.update(max_examples=30, database="none")


@pytest.fixture(scope="module")
def session_token(session_server: ServerProcess) -> Iterator[str]:
    """One token for the operations that only read it (taken before any fuzzing)."""
    with session_server.client() as http:
        yield log_in(http, "admin", ADMIN_PASSWORD)


@schema.parametrize()
def test_authenticate_operations_conform_to_the_contract(
    case: Case, login_server: ServerProcess, session_server: ServerProcess, session_token: str
) -> None:
    if (case.method, case.path) == ("POST", "/api/v1/authenticate"):
        # Fuzzed logins fail and soon lock the address out: 401 and 429 are both in the contract.
        server, headers = login_server, {}
    elif case.method == "DELETE":
        # A logout revokes the token it carries, so each one gets a token of its own.
        server = session_server
        with server.client() as http:
            headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
    else:
        server, headers = session_server, bearer(session_token)

    headers = token_unless_negated(case, headers)
    response = without_framing(case).call(base_url=server.base_url, headers=headers)

    case.validate_response(response, headers=headers, checks=CHECKS)
