"""The port: the operations maintenance procedures need from an instrument.

The simulator (`mlprep.instrument.simulator`) is one adapter; a driver for a real Prep would be
another. Adapters raise `InstrumentFault` when an operation fails on the instrument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from mlprep.contract.maintenance import Channel


class Operation(StrEnum):
    """The instrument operations that maintenance procedures use."""

    TIP_CHECK = "tip_check"
    LEAK_CHECK = "leak_check"
    UV_LAMP = "uv_lamp"
    HEPA_PRESSURE = "hepa_pressure"
    MEASURE_OFFSET = "measure_offset"


class InstrumentFault(Exception):
    """An operation failed on the instrument; `message` is what the operator is shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class InstrumentInfo:
    """What the instrument is."""

    serial_number: str
    channels: tuple[Channel, ...]
    time_zone: tzinfo
    simulated: bool


@dataclass(frozen=True)
class OperationRequest:
    """One operation to perform; `possible_faults` are the texts the catalogue lists for it."""

    operation: Operation
    channel: Channel | None
    duration: timedelta
    possible_faults: tuple[str, ...]


@dataclass(frozen=True)
class OperationResult:
    """What an operation measured, if anything (pressure drop in Pa, offset in µm)."""

    reading: float | None = None


class Instrument(Protocol):
    """The instrument as the maintenance domain sees it."""

    @property
    def info(self) -> InstrumentInfo: ...

    def takes_time(self, request: OperationRequest) -> bool:
        """Whether carrying out `request` takes real time (a simulator at speed 0 takes none)."""
        ...

    async def perform(self, request: OperationRequest) -> OperationResult:
        """Carry out one operation; cancelling the call stops it.

        Raises:
            InstrumentFault: the operation failed on the instrument.
        """
        ...
