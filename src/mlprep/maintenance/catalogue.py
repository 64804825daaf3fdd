"""The procedure catalogue: a versioned YAML file shipped in the package, read into frozen types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from mlprep.contract.maintenance import Channel, ViewResult
from mlprep.contract.runs import ViewKind
from mlprep.counters import CounterKind
from mlprep.instrument.port import Operation

# libyaml's parser where PyYAML was built with it: the same documents, parsed many times faster
# (the catalogue is read at every start; bench/README.md has the figures).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Outcome(StrEnum):
    """What a view's result does."""

    NEXT = "next"
    REPEAT = "repeat"
    ABORT = "abort"


@dataclass(frozen=True)
class Condition:
    """Show a view only if an earlier action's reading is above a threshold."""

    reading: str
    above: float


@dataclass(frozen=True)
class ViewStep:
    """An operator dialog."""

    kind: ViewKind
    title: str
    message: str
    image: str | None
    results: dict[ViewResult, Outcome]
    input_required: bool = False
    only_if: Condition | None = None


@dataclass(frozen=True)
class ActionStep:
    """An instrument operation."""

    operation: Operation
    title: str
    duration: timedelta
    channel: Channel | None
    counters: dict[CounterKind, int]
    faults: tuple[str, ...]
    reading: str | None = None


Step = ViewStep | ActionStep


@dataclass(frozen=True)
class ProcedureDefinition:
    """A procedure as the catalogue describes it. `interval` None: follows the UV setting."""

    key: str
    id: str
    name: str
    info: str
    interval: timedelta | None
    steps: tuple[Step, ...]

    @property
    def follows_uv_setting(self) -> bool:
        """Whether the due date comes from the UV routine setting."""
        return self.interval is None


@dataclass(frozen=True)
class Catalogue:
    """Every procedure the instrument offers, in display order."""

    version: int
    procedures: tuple[ProcedureDefinition, ...]

    def by_id(self, procedure_id: str) -> ProcedureDefinition | None:
        """The definition with this id, if the catalogue has it."""
        return next((p for p in self.procedures if p.id == procedure_id), None)


class CatalogueError(ValueError):
    """The catalogue file is not valid (a packaging bug, found by the tests)."""


def load_catalogue(text: str | None = None) -> Catalogue:
    """Parse catalogue YAML (by default the one shipped in the package)."""
    if text is None:
        text = resources.files("mlprep.maintenance").joinpath("catalogue.yaml").read_text("utf-8")
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise CatalogueError(f"the maintenance catalogue is not valid YAML: {error}") from error
    try:
        procedures = tuple(_procedure(entry) for entry in document["procedures"])
        catalogue = Catalogue(version=int(document["version"]), procedures=procedures)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise CatalogueError(f"invalid maintenance catalogue: {error!r}") from error
    ids = [p.id for p in procedures]
    if len(set(ids)) != len(ids) or len({p.key for p in procedures}) != len(ids):
        raise CatalogueError("procedure ids and keys must be unique")
    return catalogue


def _procedure(entry: dict[str, Any]) -> ProcedureDefinition:
    interval = entry["interval"]
    return ProcedureDefinition(
        key=str(entry["key"]),
        id=str(entry["id"]),
        name=str(entry["name"]),
        info=str(entry["info"]),
        interval=None if interval == "uv" else timedelta(**interval),
        steps=tuple(_step(step) for step in entry["steps"]),
    )


def _step(entry: dict[str, Any]) -> Step:
    if "view" in entry:
        view = entry["view"]
        only_if = view.get("only_if")
        return ViewStep(
            kind=ViewKind(view["kind"]),
            title=str(view["title"]),
            message=str(view["message"]),
            image=view.get("image"),
            results={ViewResult(k): Outcome(v) for k, v in view["results"].items()},
            input_required=bool(view.get("input_required", False)),
            only_if=Condition(str(only_if["reading"]), float(only_if["above"]))
            if only_if
            else None,
        )
    action = entry["action"]
    channel = action.get("channel")
    return ActionStep(
        operation=Operation(action["operation"]),
        title=str(action["title"]),
        duration=timedelta(seconds=float(action["duration_seconds"])),
        channel=Channel(channel) if channel else None,
        counters={CounterKind(k): int(v) for k, v in (action.get("counters") or {}).items()},
        faults=tuple(str(f) for f in action.get("faults", ())),
        reading=action.get("reading"),
    )
