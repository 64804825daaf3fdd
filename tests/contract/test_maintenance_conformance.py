"""Schemathesis over the reference contract's Maintenance and Errors operations, against a live
server.

Fuzzed requests start runs, answer and abort them, change settings and reset counters: whatever
state that leaves, every answer must be one the contract allows (status, media type, body,
headers) and none may be a server error.
"""

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

schema = schemathesis.openapi.from_path(CONTRACT.resolve()).include(
    tag_regex="^(Maintenance|Errors)$"
)
schema.config.generation.update(max_examples=25, database="none")


@pytest.fixture(scope="module")
def maintenance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose simulated actions finish at once, so fuzzed runs move along."""
    server = ServerProcess(
        tmp_path_factory.mktemp("maintenance") / "data",
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0"],
    )
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


@pytest.fixture(scope="module")
def admin_headers(maintenance_server: ServerProcess) -> dict[str, str]:
    """An administrator's token (5 minutes is plenty for this module)."""
    with maintenance_server.client() as http:
        return bearer(log_in(http, "admin", ADMIN_PASSWORD))


@schema.parametrize()
def test_maintenance_operations_conform_to_the_contract(
    case: Case, maintenance_server: ServerProcess, admin_headers: dict[str, str]
) -> None:
    headers = token_unless_negated(case, admin_headers)
    response = without_framing(case).call(base_url=maintenance_server.base_url, headers=headers)

    case.validate_response(response, headers=headers, checks=CHECKS)


def test_every_contract_operation_is_fuzzed() -> None:
    # The whole contract: this file's Maintenance and Errors operations plus the Authenticate ones.
    tags = {
        tag
        for operation in schemathesis.openapi.from_path(CONTRACT.resolve()).get_all_operations()
        for tag in operation.ok().definition.raw.get("tags", [])
    }
    assert tags == {"Authenticate", "Maintenance", "Errors"}
