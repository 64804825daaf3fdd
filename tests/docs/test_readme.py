"""The README works as written: every shell block, in order, in one shell, against a real
`mlprep serve` (at `--speed 0`, so the tip checks take no time) on a fresh data directory — as a
new user would follow it after `make run`. A block is left out only where an HTML comment just
before it says "not run by the documentation test" (the set-up commands, which this suite is).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess, cli_environment
from tests.sessions import bearer, log_in

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"(?:<!--(?P<note>[^>]*)-->\n)?```sh\n(?P<body>.*?)```", re.DOTALL)
SKIP_NOTE = "not run by the documentation test"
DOCUMENTED_ADDRESS = "127.0.0.1:8080"
SCRIPT_SECONDS = 180


def shell_blocks(markdown: str) -> list[str]:
    """The README's `sh` blocks in order, without those marked to be left out."""
    return [
        match["body"]
        for match in BLOCK.finditer(markdown)
        if SKIP_NOTE not in (match["note"] or "")
    ]


@pytest.fixture
def user_directory(tmp_path: Path) -> Path:
    """Where the user stands: `data/` is the server's, `.venv` the installed mlprep."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    return tmp_path


@pytest.fixture
def server(user_directory: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(user_directory / "data", args=["--speed", "0"])  # no admin password
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


def test_the_readme_marks_only_the_set_up_as_not_run() -> None:
    blocks = BLOCK.findall(README.read_text())
    left_out = [body for note, body in blocks if SKIP_NOTE in note]

    assert len(left_out) == 1 and "make run" in left_out[0]
    assert len(blocks) - len(left_out) >= 8


def test_every_shell_block_runs_in_order_against_a_real_server(
    server: ServerProcess, user_directory: Path
) -> None:
    script = "set -eo pipefail\n" + "\n".join(shell_blocks(README.read_text()))
    script = script.replace(DOCUMENTED_ADDRESS, f"127.0.0.1:{server.port}")

    done = subprocess.run(
        ["bash", "-c", script],
        cwd=user_directory,
        env=cli_environment({"MLPREP_CONFIG_DIR": str(user_directory / "config")}),
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
    )

    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{server.log()}"
    out = done.stdout
    statuses = re.findall(r"^HTTP/1\.1 (\d+)", out, re.MULTILINE)
    assert statuses == ["200", "200", "401"]  # check, logout, check after the logout
    # The status codes `answer` and the 204 check print (a JSON body may precede one on its line).
    codes = re.findall(r"(?:^|\})(200|204)$", out, re.MULTILINE)
    assert codes == ["200"] * 3 + ["204"] + ["200"] * 4
    assert "Expired" in out
    assert "'Retry')]" in out  # the planned fault, answered with Yes
    for title in ("Clear the deck", "Empty the tip waste", "Deck wiped?", "Maintenance error"):
        assert title in done.stderr
    assert "Removed alice." in out

    password = (server.data_dir / "initial-admin-password").read_text().strip()
    with httpx.Client(base_url=server.base_url) as http:
        headers = bearer(log_in(http, "admin", password))
        daily = next(
            p
            for p in http.get("/api/v1/maintenance", headers=headers).json()
            if p["name"] == "Daily Maintenance"
        )
        runs = http.get("/mlprep/v1/runs", headers=headers).json()
    assert daily["status"] == "Ok"
    assert [run["state"] for run in runs["items"]] == ["Completed"] * 3
    assert "Weekly Maintenance: Completed" in out  # `mlprep procedures run`
    assert "['Weekly Maintenance']" not in out  # no longer Expired once run
