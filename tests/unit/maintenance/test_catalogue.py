"""The shipped catalogue describes the five procedures of DESIGN §6; a broken one is refused."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from typing import Any

import pytest
import yaml

from mlprep.contract.maintenance import Channel, ViewResult
from mlprep.contract.runs import ViewKind
from mlprep.counters import CounterKind
from mlprep.instrument.port import Operation
from mlprep.maintenance.catalogue import (
    ActionStep,
    Catalogue,
    CatalogueError,
    Condition,
    Outcome,
    ProcedureDefinition,
    ViewStep,
    load_catalogue,
)

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def procedure(catalogue: Catalogue, key: str) -> ProcedureDefinition:
    return next(p for p in catalogue.procedures if p.key == key)


def test_the_catalogue_lists_the_five_procedures_in_display_order(catalogue: Catalogue) -> None:
    assert catalogue.version >= 1
    assert [p.name for p in catalogue.procedures] == [
        "Daily Maintenance",
        "Weekly Maintenance",
        "UV Decontamination",
        "HEPA Filter Check",
        "Channel Calibration Check",
    ]
    assert all(p.info for p in catalogue.procedures)


def test_ids_are_unique_32_digit_lower_case_hex(catalogue: Catalogue) -> None:
    ids = [p.id for p in catalogue.procedures]

    assert all(HEX_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert all(catalogue.by_id(i) is not None for i in ids)
    assert catalogue.by_id("0" * 32) is None


def test_intervals_are_those_of_the_design(catalogue: Catalogue) -> None:
    intervals = {p.key: p.interval for p in catalogue.procedures}

    assert intervals == {
        "daily": timedelta(days=1),
        "weekly": timedelta(days=7),
        "uv": None,
        "hepa": timedelta(days=30),
        "calibration": timedelta(days=90),
    }
    assert procedure(catalogue, "uv").follows_uv_setting
    assert not procedure(catalogue, "daily").follows_uv_setting


def test_daily_clears_checks_tips_on_both_channels_and_asks_about_the_deck(
    catalogue: Catalogue,
) -> None:
    clear, empty, front, rear, wiped = procedure(catalogue, "daily").steps

    for view in (clear, empty):
        assert isinstance(view, ViewStep)
        assert view.kind is ViewKind.INSTRUCTION
        assert view.results == {ViewResult.OK: Outcome.NEXT, ViewResult.CANCEL: Outcome.ABORT}
        assert view.image and view.image.endswith(".png")
    for action, channel in ((front, Channel.FRONT), (rear, Channel.REAR)):
        assert isinstance(action, ActionStep)
        assert action.operation is Operation.TIP_CHECK
        assert action.channel is channel
        assert action.counters == {CounterKind.TIP_PICK_UP: 1, CounterKind.TIP_EJECT: 1}
        assert action.faults and action.duration > timedelta(0)
    assert isinstance(wiped, ViewStep)
    assert wiped.kind is ViewKind.QUESTION
    assert wiped.title == "Deck wiped?"
    assert wiped.results == {ViewResult.YES: Outcome.NEXT, ViewResult.NO: Outcome.REPEAT}


def test_weekly_checks_for_leaks_and_asks_for_the_cleaning_agent_lot(
    catalogue: Catalogue,
) -> None:
    clean, front, rear, lot = procedure(catalogue, "weekly").steps

    assert isinstance(clean, ViewStep) and clean.kind is ViewKind.INSTRUCTION
    assert isinstance(front, ActionStep) and isinstance(rear, ActionStep)
    assert (front.operation, front.channel) == (Operation.LEAK_CHECK, Channel.FRONT)
    assert (rear.operation, rear.channel) == (Operation.LEAK_CHECK, Channel.REAR)
    assert set(front.counters) == set(CounterKind)
    assert isinstance(lot, ViewStep)
    assert lot.kind is ViewKind.INPUT
    assert lot.input_required
    assert not clean.input_required


def test_uv_asks_to_close_the_door_then_runs_the_lamp(catalogue: Catalogue) -> None:
    door, lamp = procedure(catalogue, "uv").steps

    assert isinstance(door, ViewStep) and door.title == "Close the front door"
    assert isinstance(lamp, ActionStep)
    assert lamp.operation is Operation.UV_LAMP
    assert lamp.duration == timedelta(minutes=15)
    assert lamp.channel is None and lamp.counters == {}


def test_hepa_shows_the_replace_view_only_over_the_threshold(catalogue: Catalogue) -> None:
    read, replace = procedure(catalogue, "hepa").steps

    assert isinstance(read, ActionStep)
    assert read.operation is Operation.HEPA_PRESSURE
    assert read.reading == "hepaPressureDropPa"
    assert isinstance(replace, ViewStep)
    assert replace.only_if == Condition(reading="hepaPressureDropPa", above=150.0)


def test_calibration_places_measures_both_channels_and_removes_the_tool(
    catalogue: Catalogue,
) -> None:
    place, front, rear, remove = procedure(catalogue, "calibration").steps

    assert isinstance(place, ViewStep) and isinstance(remove, ViewStep)
    assert isinstance(front, ActionStep) and isinstance(rear, ActionStep)
    assert [front.channel, rear.channel] == [Channel.FRONT, Channel.REAR]
    assert {front.operation, rear.operation} == {Operation.MEASURE_OFFSET}
    assert remove.results == {ViewResult.OK: Outcome.NEXT}


def test_only_the_hepa_replace_view_is_conditional(catalogue: Catalogue) -> None:
    conditional = [
        (p.key, s.title)
        for p in catalogue.procedures
        for s in p.steps
        if isinstance(s, ViewStep) and s.only_if is not None
    ]
    assert conditional == [("hepa", "Replace the pre-filter")]


MINIMAL: dict[str, Any] = {
    "version": 3,
    "procedures": [
        {
            "key": "a",
            "id": "1" * 32,
            "name": "A",
            "info": "I",
            "interval": {"days": 1},
            "steps": [
                {
                    "view": {
                        "kind": "Instruction",
                        "title": "T",
                        "message": "M",
                        "results": {"Ok": "next"},
                    }
                }
            ],
        }
    ],
}


def minimal(
    procedure: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
) -> str:
    """The minimal catalogue as YAML, with fields of its procedure, view or step replaced."""
    document = copy.deepcopy(MINIMAL)
    entry = document["procedures"][0]
    entry.update(procedure or {})
    entry["steps"][0]["view"].update(view or {})
    if step is not None:
        entry["steps"] = [step]
    return yaml.safe_dump(document)


def test_a_minimal_catalogue_loads() -> None:
    catalogue = load_catalogue(minimal())

    assert catalogue.version == 3
    assert [p.key for p in catalogue.procedures] == ["a"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("procedures: [", id="not-yaml"),
        pytest.param("", id="empty"),
        pytest.param("- just\n- a list\n", id="a-list"),
        pytest.param("version: 1\n", id="no-procedures"),
        pytest.param("procedures: []\n", id="no-version"),
        pytest.param("version: one\nprocedures: []\n", id="version-not-a-number"),
        pytest.param(minimal(view={"results": ["Ok"]}), id="results-not-a-mapping"),
        pytest.param(minimal(view={"results": {"Maybe": "next"}}), id="unknown-result"),
        pytest.param(minimal(view={"results": {"Ok": "later"}}), id="unknown-outcome"),
        pytest.param(minimal(view={"kind": "Dance"}), id="unknown-view-kind"),
        pytest.param(
            minimal(step={"action": {"operation": "juggle", "title": "J", "duration_seconds": 1}}),
            id="unknown-operation",
        ),
        pytest.param(minimal(step={"pause": {"seconds": 1}}), id="neither-view-nor-action"),
        pytest.param(minimal(procedure={"interval": "weekly"}), id="bad-interval"),
        pytest.param(
            yaml.safe_dump({**MINIMAL, "procedures": MINIMAL["procedures"] * 2}),
            id="duplicate-id",
        ),
    ],
)
def test_a_malformed_catalogue_is_refused(text: str) -> None:
    with pytest.raises(CatalogueError):
        load_catalogue(text)
