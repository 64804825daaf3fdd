"""Every catalogue procedure, run on a real `mlprep serve --speed 0` by an operator who answers
each view as it arrives over the WebSocket, ends Completed: no errors, the counters moved exactly
as the catalogue says, and the procedure is executed and no longer due. With the UV routine set to
EveryProtocolRun, a protocol run makes UV Decontamination due again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from tests.e2e.instrument_session import NEVER, Operator, deltas, of_code

TIPS = {"tipPickUpCounter": 1, "tipEjectCounter": 1}
ALL_FOUR = {**TIPS, "aspirateCounter": 1, "dispenseCounter": 1}
LARGEST_DATE = "9999-12-31T23:59:59.999999+00:00"


@dataclass(frozen=True)
class Case:
    name: str
    views: list[tuple[str, str]]  # (kind, title) of each view, in order
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    hepa_pressure_drop_pa: float | None = None
    # What the run keeps: the operator's inputs and the actions' readings (None: any value).
    kept: dict[str, str | None] = field(default_factory=dict)


CASES = [
    Case(
        "Daily Maintenance",
        [
            ("Instruction", "Clear the deck"),
            ("Instruction", "Empty the tip waste"),
            ("Question", "Deck wiped?"),
        ],
        {"Front": TIPS, "Rear": TIPS},
    ),
    Case(
        "Weekly Maintenance",
        [("Instruction", "Clean both tip adapters"), ("Input", "Cleaning agent lot number")],
        {"Front": ALL_FOUR, "Rear": ALL_FOUR},
        kept={"Cleaning agent lot number": "LOT-4711"},  # what `usual_answer` enters
    ),
    Case("UV Decontamination", [("Instruction", "Close the front door")]),
    Case(
        "HEPA Filter Check",
        [("Instruction", "Replace the pre-filter")],
        hepa_pressure_drop_pa=200,
        kept={"hepaPressureDropPa": "200"},
    ),
    # Under the threshold (150 Pa) the pre-filter is fine and no view opens at all.
    Case("HEPA Filter Check", [], hepa_pressure_drop_pa=120, kept={"hepaPressureDropPa": "120"}),
    Case(
        "Channel Calibration Check",
        [
            ("Instruction", "Place the calibration tool"),
            ("Instruction", "Remove the calibration tool"),
        ],
        kept={"offsetFrontUm": None, "offsetRearUm": None},
    ),
]


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.name}-{c.hepa_pressure_drop_pa or ''}".strip("-") for c in CASES]
)
def test_a_procedure_runs_to_completion(operator: Operator, case: Case) -> None:
    if case.hepa_pressure_drop_pa is not None:
        operator.set_hepa(case.hepa_pressure_drop_pa)
    before = operator.procedure(case.name)
    counters_before = operator.counters()

    with operator.events() as events:
        run_id = operator.start(case.name)
        messages = operator.answer_until_finished(events)

    finished = messages[-1]["data"]
    assert (finished["runId"], finished["outcome"]) == (run_id, "Completed")
    views = [message["data"] for message in of_code(messages, "maintenancedata")]
    assert [(view["kind"], view["title"]) for view in views] == case.views
    assert all(view["runId"] == run_id for view in views)
    assert [view["inputRequired"] for view in views] == [k == "Input" for k, _ in case.views]
    assert operator.errors() == []
    assert deltas(counters_before, operator.counters()) == case.counters
    # The counters were announced as they moved, one channel at a time.
    assert [m["data"]["channel"] for m in of_code(messages, "counters")] == list(case.counters)

    run = operator.run(run_id)
    assert run["state"] == "Completed"
    assert run["inputs"] == {
        key: run["inputs"].get(key) if value is None else value for key, value in case.kept.items()
    }
    after = operator.procedure(case.name)
    assert after["status"] == "Ok"
    assert after["lastExecutionTime"] not in (NEVER, before["lastExecutionTime"])
    assert after["lastExecutionTime"] == run["endedAt"]


def test_a_protocol_run_makes_uv_decontamination_due_when_set_to_every_protocol_run(
    operator: Operator,
) -> None:
    operator.set_uv_interval("EveryProtocolRun")
    with operator.events() as events:
        operator.start("UV Decontamination")
        assert operator.answer_until_finished(events)[-1]["data"]["outcome"] == "Completed"
    # No protocol run since it was executed: not due, until the platform's largest date.
    executed = operator.procedure("UV Decontamination")
    assert (executed["status"], executed["dueDateTime"]) == ("Ok", LARGEST_DATE)

    protocol_run = operator.ok("POST", "/mlprep/v1/simulator/protocol-runs", {}).json()

    due = operator.procedure("UV Decontamination")
    assert due["status"] == "Expired"
    assert datetime.fromisoformat(due["dueDateTime"]) == datetime.fromisoformat(
        protocol_run["endedAt"]
    )
    assert due["lastExecutionTime"] == executed["lastExecutionTime"]

    with operator.events() as events:
        operator.start("UV Decontamination")
        assert operator.answer_until_finished(events)[-1]["data"]["outcome"] == "Completed"
    again = operator.procedure("UV Decontamination")
    assert (again["status"], again["dueDateTime"]) == ("Ok", LARGEST_DATE)
    assert again["lastExecutionTime"] != executed["lastExecutionTime"]
