"""The scripts in `examples/` run as a user would run them, against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mlprep.client import Answer, PrepClient, ViewPrompt
from mlprep.contract.maintenance import ViewResult
from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str, *args: str) -> list[str]:
    return [sys.executable, str(EXAMPLES / name), *args]


def test_weekly_maintenance_runs_unattended_and_retries_a_fault_once(
    instrument: ServerProcess, prep: PrepClient
) -> None:
    prep.plan_fault("leak_check", "Front", "Pressure did not hold")

    done = subprocess.run(
        example("weekly_maintenance.py", instrument.base_url, "admin", ADMIN_PASSWORD, "LOT-1"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "Error: " in done.stdout and "Pressure did not hold" in done.stdout
    assert done.stdout.splitlines()[-1] == (
        "Weekly Maintenance: Completed; inputs {'Cleaning agent lot number': 'LOT-1'}"
    )


def test_the_event_logger_writes_one_json_line_per_event(
    instrument: ServerProcess, prep: PrepClient
) -> None:
    logger = subprocess.Popen(
        example("event_logger.py", instrument.base_url, "admin", ADMIN_PASSWORD, "--count", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert logger.stdout is not None
    listening = json.loads(logger.stdout.readline())  # subscribed: nothing is missed from here
    assert listening["code"] == "listening"

    prep.simulate_protocol_run(tips=2, transfers=2)
    out, err = logger.communicate(timeout=60)

    assert logger.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["code"], line["data"]["channel"]) for line in lines] == [
        ("counters", "Front"),
        ("counters", "Rear"),
    ]
    assert all(line["at"].endswith("+00:00") for line in lines)


def test_the_report_says_what_is_due_and_exits_1_when_something_is_overdue(
    instrument: ServerProcess, prep: PrepClient
) -> None:
    overdue = subprocess.run(
        example("whats_due.py", instrument.base_url, "admin", ADMIN_PASSWORD),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert overdue.returncode == 1, overdue.stderr
    assert "OVERDUE  Daily Maintenance (last run: never)" in overdue.stdout

    prep.set_uv_routine_settings("Weekly")
    for name in ("Daily", "Weekly", "UV", "HEPA", "Channel"):
        prep.run_procedure(name, answer_everything)
    fine = subprocess.run(
        example("whats_due.py", instrument.base_url, "admin", ADMIN_PASSWORD, "--days", "2"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fine.returncode == 0, fine.stderr
    assert fine.stdout.splitlines()[1:] == [f"DUE      Daily Maintenance on {_due(prep, 'Daily')}"]


def answer_everything(prompt: ViewPrompt) -> Answer:
    if prompt.view.input_required:
        return Answer("Ok", "LOT")
    return Answer("Yes" if ViewResult.YES in prompt.view.results else "Ok")


def _due(prep: PrepClient, name: str) -> str:
    return f"{prep.find_procedure(name).due_date_time:%Y-%m-%d %H:%M}"
