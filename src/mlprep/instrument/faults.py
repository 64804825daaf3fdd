"""The simulator's fault injector: a seeded rate, and "fail the next operation of this kind"."""

from __future__ import annotations

import random
from dataclasses import dataclass

from mlprep.contract.maintenance import Channel
from mlprep.instrument.port import Operation


@dataclass(frozen=True)
class PlannedFault:
    """Fail the next `operation` (on `channel`, or on any channel if None)."""

    operation: Operation
    channel: Channel | None
    message: str | None = None


class FaultInjector:
    """Decides which operations fail: planned faults first, then at random with `rate`."""

    def __init__(self, rate: float = 0.0, seed: int | None = None) -> None:
        self._planned: list[PlannedFault] = []
        self.configure(rate, seed)

    def configure(self, rate: float, seed: int | None) -> None:
        """Set the random fault rate (0–1) and the seed that makes it repeatable."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the fault rate is a probability between 0 and 1")
        self.rate = rate
        self.seed = seed
        self._random = random.Random(seed)

    def plan(self, fault: PlannedFault) -> None:
        """Make the next matching operation fail."""
        self._planned.append(fault)

    @property
    def planned(self) -> tuple[PlannedFault, ...]:
        """Faults waiting for their operation."""
        return tuple(self._planned)

    def clear(self) -> None:
        """Forget planned faults and set the rate to 0."""
        self._planned.clear()
        self.configure(0.0, self.seed)

    def fault_for(
        self, operation: Operation, channel: Channel | None, possible: tuple[str, ...]
    ) -> str | None:
        """The error text if this operation is to fail now, else None."""
        for index, fault in enumerate(self._planned):
            if fault.operation is operation and fault.channel in (None, channel):
                del self._planned[index]
                return fault.message or _pick(possible, self._random, operation)
        if self.rate > 0 and self._random.random() < self.rate:
            return _pick(possible, self._random, operation)
        return None


def _pick(possible: tuple[str, ...], rng: random.Random, operation: Operation) -> str:
    if possible:
        return rng.choice(possible)
    return f"The operation {operation.value} failed on the instrument."
