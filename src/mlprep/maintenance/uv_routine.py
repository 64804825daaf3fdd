"""The UV routine setting: its options, and reading and changing it."""

from __future__ import annotations

from typing import Protocol

from mlprep.audit import AuditTrail
from mlprep.contract.maintenance import UvInterval, UvRoutineIntervalOption, UvRoutineSettings
from mlprep.events.bus import Event, EventBus, EventCode, Stream

DEFAULT_INTERVAL = UvInterval.DAILY

OPTIONS: tuple[UvRoutineIntervalOption, ...] = (
    UvRoutineIntervalOption(id=0, name=UvInterval.NEVER, description="Never"),
    UvRoutineIntervalOption(
        id=1, name=UvInterval.EVERY_PROTOCOL_RUN, description="After every protocol run"
    ),
    UvRoutineIntervalOption(id=2, name=UvInterval.DAILY, description="Daily"),
    UvRoutineIntervalOption(id=3, name=UvInterval.WEEKLY, description="Weekly"),
)


class UvSettingStore(Protocol):
    """Where the setting is kept."""

    def uv_interval(self) -> UvInterval: ...

    def set_uv_interval(self, interval: UvInterval) -> None: ...


class UvRoutine:
    """Reads and changes the UV routine setting; a change takes effect at once.

    The setting is held in memory (read on every procedure listing) and written through to the
    store.
    """

    def __init__(self, store: UvSettingStore, audit: AuditTrail, bus: EventBus) -> None:
        self._store = store
        self._audit = audit
        self._bus = bus
        self._interval = store.uv_interval()
        self._settings = UvRoutineSettings(interval=self._interval)

    def uv_interval(self) -> UvInterval:
        """The present interval."""
        return self._interval

    def reload(self) -> None:
        """Read the setting back from the store (after a factory reset rewrote it there)."""
        self._interval = self._store.uv_interval()
        self._settings = UvRoutineSettings(interval=self._interval)

    @staticmethod
    def options() -> tuple[UvRoutineIntervalOption, ...]:
        """All four intervals, ids 0–3."""
        return OPTIONS

    def settings(self) -> UvRoutineSettings:
        """The present setting (the same object while it does not change)."""
        return self._settings

    def change(self, interval: UvInterval, actor: str) -> None:
        """Store a new interval (audited)."""
        before = self._interval
        self._store.set_uv_interval(interval)
        self._interval = interval
        self._settings = UvRoutineSettings(interval=interval)
        self._audit.record(
            "uv-routine.set",
            actor=actor,
            target="uv-routine-settings",
            detail=f"{before.value} -> {interval.value}",
        )
        # UV Decontamination's due date follows the setting: its status may have changed.
        self._bus.publish(
            Event(
                EventCode.UV_ROUTINE,
                f"The UV routine is now {interval.value}",
                {"interval": interval.value},
                stream=Stream.SIMULATOR,
            )
        )
