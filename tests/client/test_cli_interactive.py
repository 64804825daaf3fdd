"""`mlprep procedures run` at a real terminal (a pseudo-terminal driven by pexpect): each view is
asked as a prompt, the answers reach the instrument, and the command exits 0 with the counters
moved."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from mlprep.client import PrepClient
from tests.e2e.server import MLPREP, ServerProcess, cli_environment, serving
from tests.sessions import ADMIN_PASSWORD

TIMEOUT = 90  # generous: a loaded machine is slow to start a process


@pytest.fixture(scope="module")
def instrument(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server at speed 10, so that each 45 s leak check runs long enough (4.5 s) for its
    progress bar to be seen."""
    data_dir = tmp_path_factory.mktemp("terminal") / "data"
    with serving(data_dir, "--speed", "10", admin_password=ADMIN_PASSWORD) as server:
        yield server


def terminal(config_dir: Path, *args: str) -> pexpect.spawn:
    """`mlprep <args>` in a pseudo-terminal 100 columns wide."""
    environment = cli_environment({"MLPREP_CONFIG_DIR": str(config_dir), "COLUMNS": "100"})
    child = pexpect.spawn(
        str(MLPREP),
        list(args),
        env=environment,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 100),
    )
    child.logfile_read = sys.stdout  # shown by pytest when a test fails
    return child


def logged_in(tmp_path: Path, instrument: ServerProcess) -> Path:
    config_dir = tmp_path / "config"
    child = terminal(config_dir, "login", instrument.base_url, "--user", "admin")
    child.expect("Password: ")
    child.sendline(ADMIN_PASSWORD)  # typed, not echoed
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return config_dir


def test_an_operator_answers_weekly_maintenance_at_the_terminal(
    tmp_path: Path, instrument: ServerProcess, prep: PrepClient
) -> None:
    config_dir = logged_in(tmp_path, instrument)
    before = prep.channel_counters()

    child = terminal(config_dir, "procedures", "run", "Weekly Maintenance")
    child.expect("Clean both tip adapters")
    child.expect("images/weekly-clean-tip-adapters.png")  # where to see the picture
    child.expect(r"Answer \[Ok/Cancel\] \(Ok\): ")
    child.sendline("ok")
    child.expect("Leak check \\(pressure hold\\), Front")  # the actions' progress bars
    child.expect(r"Cleaning agent lot number: ")
    child.sendline("LOT-77")
    child.expect("Weekly Maintenance: Completed")
    child.expect("Cleaning agent lot number: LOT-77")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    after = prep.channel_counters()
    assert all(a.aspirate_counter > b.aspirate_counter for a, b in zip(after, before, strict=True))
    assert prep.runs().items[0].state.value == "Completed"


def test_an_error_view_asks_retry_continue_or_abort(
    tmp_path: Path, instrument: ServerProcess, prep: PrepClient
) -> None:
    config_dir = logged_in(tmp_path, instrument)
    prep.plan_fault("leak_check", "Front", "Pressure did not hold")

    child = terminal(config_dir, "procedures", "run", "weekly")
    child.expect(r"Answer \[Ok/Cancel\] \(Ok\): ")
    child.sendline("")  # the default
    child.expect("Pressure did not hold")
    child.expect("Retry repeats the failed action")
    child.expect(r"Retry, continue or abort\? \[retry/continue/abort\] \(retry\): ")
    child.sendline("abort")
    child.expect("Weekly Maintenance: Aborted")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 1
    assert prep.runs().items[0].state.value == "Aborted"
