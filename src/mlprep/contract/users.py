"""Wire models of users (for the CLI and the console)."""

from __future__ import annotations

from pydantic import Field

from mlprep.contract.base import WireModel
from mlprep.contract.maintenance import WireEnum
from mlprep.contract.time import InstrumentTime


class Role(WireEnum):
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


# Passwords are checked for length by the server (at least 8); the bound here only keeps bodies
# sane. Names are what people type at a login prompt.
UserName = Field(min_length=1, max_length=100)
Password = Field(min_length=1, max_length=1024)


class NewUser(WireModel):
    """A user to add."""

    user_name: str = UserName
    password: str = Password
    role: Role = Role.OPERATOR


class PasswordChange(WireModel):
    """A user's new password; their earlier tokens stop working and a lockout ends."""

    password: str = Password


class RoleChange(WireModel):
    """A user's new role; their earlier tokens stop working."""

    role: Role
