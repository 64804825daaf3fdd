"""Wire models of users (for the CLI and the console)."""

from __future__ import annotations

from enum import StrEnum

from mlprep.contract.base import WireModel
from mlprep.contract.time import InstrumentTime


class Role(StrEnum):
    """The built-in roles."""

    OPERATOR = "Operator"
    SERVICE = "Service"
    ADMINISTRATOR = "Administrator"


class User(WireModel):
    """A user as others may see it (never the password hash).

    `createdAt` is a time of the instrument's clock; `lockedUntil` one of the wall clock, which
    lockouts and tokens keep to (advancing the simulator never ends a lock).
    """

    id: str
    user_name: str
    role: Role
    created_at: InstrumentTime
    locked_until: InstrumentTime | None = None
