"""`pip install mlprep` without extras: the client and the command line, and none of the server.

The wheel is built from this checkout and installed into a new, empty venv; a real server (from
the development install) answers it.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import ServerProcess, cli_environment
from tests.sessions import ADMIN_PASSWORD

REPOSITORY = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("fastapi", "sqlalchemy", "uvicorn", "alembic", "argon2", "jwt", "psycopg")
CLIENT_SCRIPT = """
import sys
from mlprep.client import PrepClient
with PrepClient(sys.argv[1], user_name="admin", password=sys.argv[2]) as prep:
    print(len(prep.procedures()), prep.health().simulated)
"""


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def client_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new venv holding only `pip install <the wheel>`; its bin directory."""
    base = tmp_path_factory.mktemp("client-only")
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(base / "dist"),
            str(REPOSITORY),
        ]
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("mlprep-*.whl")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    installed = run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr
    yield bin_dir


def test_the_base_install_has_none_of_the_servers_packages(client_only: Path) -> None:
    for module in SERVER_ONLY:
        found = run([str(client_only / "python"), "-c", f"import {module}"])
        assert found.returncode == 1 and "ModuleNotFoundError" in found.stderr, module


def test_the_client_and_the_command_work_against_a_server(
    client_only: Path, tmp_path: Path, server: ServerProcess
) -> None:
    environment = cli_environment({"MLPREP_CONFIG_DIR": str(tmp_path / "config")})
    script = run(
        [str(client_only / "python"), "-c", CLIENT_SCRIPT, server.base_url, ADMIN_PASSWORD]
    )
    assert (script.returncode, script.stdout) == (0, "5 True\n"), script.stderr

    mlprep = str(client_only / "mlprep")
    login = run(
        [mlprep, "login", server.base_url, "-u", "admin", "--password", ADMIN_PASSWORD],
        env=environment,
    )
    assert login.returncode == 0, login.stderr
    listed = run([mlprep, "procedures", "ls"], env=environment)
    assert listed.returncode == 0, listed.stderr
    assert "Daily Maintenance" in listed.stdout and "Expired" in listed.stdout


def test_serve_says_in_one_line_how_to_get_the_server(client_only: Path) -> None:
    served = run([str(client_only / "mlprep"), "serve"], env=cli_environment())

    assert served.returncode == 2
    assert served.stdout == ""
    assert served.stderr.strip().splitlines() == [
        "error: `mlprep serve` needs the server's packages, which this install lacks: pip "
        "install 'mlprep[server]'"
    ]
