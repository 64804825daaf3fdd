"""Run Weekly Maintenance unattended: acknowledge each instruction, enter the cleaning agent's lot
number, retry a failed leak check once, and exit 0 only if the run completed.

    .venv/bin/python examples/weekly_maintenance.py http://127.0.0.1:8080 admin PASSWORD LOT-2026-11
"""

from __future__ import annotations

import sys

from mlprep.client import Answer, PrepClient, ViewPrompt


def main(url: str, user: str, password: str, lot: str) -> int:
    retries_left = 1

    def answer(prompt: ViewPrompt) -> Answer:
        view = prompt.view
        print(f"{view.title}: {view.message}")
        if view.input_required:
            return Answer("Ok", lot)
        return Answer("Ok")

    def on_error(prompt: ViewPrompt) -> str:
        nonlocal retries_left
        print(f"Error: {prompt.view.message}")
        if retries_left > 0:
            retries_left -= 1
            return "Yes"  # retry the action
        return "Abort"

    with PrepClient(url, user_name=user, password=password) as prep:
        run = prep.run_procedure("Weekly Maintenance", answer, on_error=on_error)
    print(f"{run.procedure_name}: {run.state.value}; inputs {run.inputs}")
    return 0 if run.state.value == "Completed" else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
