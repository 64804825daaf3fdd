"""`mlprep users add|list|passwd|unlock|remove` on the server's data directory: exact output and
exit codes (2 bad input, 4 unknown user, 5 conflict), and a running server sees every change at
once.

The commands run in-process through typer's runner (an `mlprep` process spends seconds importing
the server); the server they change is a real `mlprep serve`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from mlprep.cli.main import app
from tests.e2e.server import ServerProcess
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in


def mlprep(data_dir: Path, *args: str, stdin: str = "", columns: int = 200) -> Result:
    """Run `mlprep users <args> --data-dir <data_dir>` in a terminal `columns` wide."""
    arguments = ["users", *args, "--data-dir", str(data_dir)]
    return CliRunner().invoke(app, arguments, input=stdin, env={"COLUMNS": str(columns)})


def succeeds(result: Result, output: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (0, output, ""), result.output


def fails(result: Result, code: int, message: str) -> None:
    # An exit on purpose, not an exception that escaped.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert message in " ".join(result.stderr.split())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_add_then_list(data_dir: Path) -> None:
    succeeds(
        mlprep(data_dir, "add", "bob", "--password", "bobs password"), "Added bob (Operator).\n"
    )
    succeeds(
        mlprep(data_dir, "add", "sue", "--role", "Service", "--password", "sues password"),
        "Added sue (Service).\n",
    )

    listed = mlprep(data_dir, "list", "--json")

    assert listed.exit_code == 0, listed
    users = json.loads(listed.stdout)
    assert [(user["userName"], user["role"]) for user in users] == [
        ("bob", "Operator"),
        ("sue", "Service"),
    ]
    assert all(len(user["id"]) == 32 for user in users)
    assert all("password" not in str(user).lower() for user in users)


def test_the_list_is_a_table_for_people_that_fits_an_80_column_terminal(data_dir: Path) -> None:
    mlprep(data_dir, "add", "administrator-bob", "--role", "Administrator", "--password", "x" * 8)

    listed = mlprep(data_dir, "list", columns=80)

    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    header, row = (line for line in lines if "│" in line or "┃" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        "User",
        "Role",
        "Created",
        "Locked until",
    ]
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells[:2] == ["administrator-bob", "Administrator"]
    assert len(cells[2]) == len("2026-11-24 09:00") and cells[3] == "-"
    assert "…" not in listed.stdout and max(map(len, lines)) <= 80


def test_unlock_ends_a_lockout_that_list_shows(server: ServerProcess) -> None:
    with server.client() as http:
        wrong = {"userName": "admin", "password": "wrong password"}
        for _ in range(5):
            http.post("/api/v1/authenticate", json=wrong)
        assert_problem(
            http.post(
                "/api/v1/authenticate", json={"userName": "admin", "password": ADMIN_PASSWORD}
            ),
            429,
        )
        locked = json.loads(mlprep(server.data_dir, "list", "--json").stdout)
        assert locked[0]["lockedUntil"] is not None

        succeeds(mlprep(server.data_dir, "unlock", "admin"), "Unlocked admin.\n")

        assert log_in(http, "admin", ADMIN_PASSWORD)
    unlocked = json.loads(mlprep(server.data_dir, "list", "--json").stdout)
    assert unlocked[0]["lockedUntil"] is None


def test_add_asks_for_the_password_twice_when_none_is_given(data_dir: Path) -> None:
    result = mlprep(data_dir, "add", "bob", stdin="bobs password\nbobs password\n")

    assert result.exit_code == 0, result
    assert result.stdout.endswith("Added bob (Operator).\n")


MISTAKES = {
    "add bob --password short": (2, "error: A password needs at least 8 characters."),
    "add BOB --password long-enough": (5, "error: A user named 'BOB' already exists."),
    "add carl --role Janitor --password long-enough": (2, "Invalid value"),
    "passwd ghost --password long-enough": (4, "error: There is no user named 'ghost'."),
    "remove ghost": (4, "error: There is no user named 'ghost'."),
    "unlock ghost": (4, "error: There is no user named 'ghost'."),
    "frobnicate": (2, "No such command 'frobnicate'"),
}


@pytest.mark.parametrize("command", list(MISTAKES))
def test_mistakes_fail_with_a_message_and_an_exit_code(data_dir: Path, command: str) -> None:
    mlprep(data_dir, "add", "bob", "--password", "bobs password")
    code, message = MISTAKES[command]

    fails(mlprep(data_dir, *command.split()), code, message)


def test_the_last_administrator_cannot_be_removed(data_dir: Path) -> None:
    mlprep(data_dir, "add", "root", "--role", "Administrator", "--password", "long enough")

    fails(mlprep(data_dir, "remove", "root"), 5, "error: The last administrator cannot be removed;")


def test_the_running_server_sees_users_come_change_and_go(server: ServerProcess) -> None:
    data_dir = server.data_dir
    succeeds(
        mlprep(data_dir, "add", "olga", "--password", "olgas password"), "Added olga (Operator).\n"
    )
    listed = json.loads(mlprep(data_dir, "list", "--json").stdout)
    assert [user["userName"] for user in listed] == ["admin", "olga"]

    with server.client() as http:
        token = log_in(http, "olga", "olgas password")
        succeeds(
            mlprep(data_dir, "passwd", "olga", "--password", "olgas new password"),
            "Changed the password of olga.\n",
        )
        wrong = {"userName": "olga", "password": "olgas password"}
        assert_problem(http.post("/api/v1/authenticate", json=wrong), 401)
        earlier = http.get("/api/v1/authenticate/check-authentication", headers=bearer(token))
        assert "password or role changed" in assert_problem(earlier, 401)["detail"]
        token = log_in(http, "olga", "olgas new password")

        succeeds(mlprep(data_dir, "remove", "olga"), "Removed olga.\n")

        check = http.get("/api/v1/authenticate/check-authentication", headers=bearer(token))
        body = assert_problem(check, 401)
        assert "no longer exists" in body["detail"]
        assert log_in(http, "admin", ADMIN_PASSWORD)
