"""Wire models of users (for the CLI and the console)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from mlprep.contract.base import WireModel


class Role(StrEnum):
    """The built-in roles."""

    OPERATOR = "Operator"
    SERVICE = "Service"
    ADMINISTRATOR = "Administrator"


class User(WireModel):
    """A user as others may see it (never the password hash)."""

    id: str
    user_name: str
    role: Role
    created_at: datetime
    locked_until: datetime | None = None
