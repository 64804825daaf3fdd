"""The client's hold on a token: when it expires, when to renew it, and how to get a new one.

The token's `exp` claim says when it expires (read without checking the signature, which only the
server can). It is renewed once less than a fifth of its life (and at least 15 s) is left, so a
caller never sees an expiry while the client is in use; a long idle gap is bridged by logging in
again when the client holds an access key (exchanged for a new token) or a password.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from mlprep.contract.authenticate import AuthenticateResponse

MIN_MARGIN_SECONDS = 15.0
MARGIN_SHARE = 0.2


def expiry_of(token: str) -> float | None:
    """The token's `exp` claim (seconds since the epoch), if it is a readable JWT."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        expiry = claims["exp"]
    except (IndexError, ValueError, KeyError, TypeError, binascii.Error):
        return None
    return float(expiry) if isinstance(expiry, int | float) else None


@dataclass(frozen=True)
class Credentials:
    """A user name and password the client may log in with again."""

    user_name: str
    password: str


class Session:
    """The token in use, where it came from, and whether it is time to renew it."""

    def __init__(
        self,
        token: str | None = None,
        credentials: Credentials | None = None,
        clock: Callable[[], float] = time.time,
        access_key: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.access_key = access_key
        self._clock = clock
        self.token: str | None = None
        self.user_name: str | None = None
        self._issued_at = 0.0
        self.expires_at: float | None = None
        if token is not None:
            self.use(token)

    def use(self, token: str, answer: AuthenticateResponse | None = None) -> None:
        """Hold `token` from now on (`answer` is the login or renewal that gave it)."""
        self.token = token
        self._issued_at = self._clock()
        self.expires_at = expiry_of(token)
        if self.expires_at is None and answer is not None and answer.expires_in > 0:
            self.expires_at = self._issued_at + answer.expires_in * 60
        if answer is not None and answer.user_name:
            self.user_name = answer.user_name

    @property
    def can_log_in(self) -> bool:
        """Whether a new token can be had without the caller: an access key or a password."""
        return self.access_key is not None or self.credentials is not None

    def forget(self) -> None:
        """Drop the token (after a logout)."""
        self.token = None
        self.expires_at = None

    @property
    def expired(self) -> bool:
        """Whether the token's lifetime has run out (so renewing it cannot work)."""
        return self.expires_at is not None and self._clock() >= self.expires_at

    @property
    def due_for_renewal(self) -> bool:
        """Whether the token has so little life left that it should be renewed now."""
        if self.token is None or self.expires_at is None:
            return False
        lifetime = max(0.0, self.expires_at - self._issued_at)
        margin = max(MIN_MARGIN_SECONDS, lifetime * MARGIN_SHARE)
        return self._clock() >= self.expires_at - margin

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header, when there is a token."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}
