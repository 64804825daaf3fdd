"""Wire models of the Authenticate operations."""

from __future__ import annotations

from pydantic import Field

from mlprep.contract.base import WireModel


class LoginRequest(WireModel):
    """`POST /authenticate` body."""

    # No minimum length: an empty name or password is simply wrong credentials (401).
    user_name: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class AuthenticateResponse(WireModel):
    """A token and what the user interface needs to know about its lifetime."""

    user_name: str | None
    user_id: str | None
    token: str | None
    inactive_logout: int
    logout_countdown: int
    expires_in: int
    password_expires_in_days: int
    notify_password_expires_soon: bool
