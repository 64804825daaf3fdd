"""Principals of tokens already verified against the store, kept until the token expires.

Verifying a token costs a signature check and two look-ups in the store (is it revoked, is its
user still there with the same token generation); a client that polls sends the same token again
and again. So a token that passed once is remembered with its principal, and later requests with
it cost a dictionary look-up (`bench/README.md` measures the difference).

What would make a remembered token invalid drops it at once when this server does it: a logout
(`forget`), a new password, a new role or the user's removal (`forget_user`). The same changes
made by another process (`mlprep users passwd --data-dir`, or another server on the same
PostgreSQL) are caught by `Authenticator.revalidate`, which the server runs every
`REVALIDATE_SECONDS`: that is the bound on how long such a token can still be used here.
Expiry and the inactivity logout are checked on every request, remembered or not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from mlprep.auth.principal import Principal

REVALIDATE_SECONDS = 1.0
# Tokens live minutes; a server sees few at once. The bound keeps a flood of logins from
# growing memory: past it, the oldest remembered token is forgotten (and verified again if used).
CAPACITY = 4096


class VerifiedTokens:
    """Token → principal, for tokens verified against the store and not yet expired.

    Safe to use from worker threads as well as the event loop. `epoch` moves on with every
    forgetting, so that a verification that raced with a logout or a new password does not put
    back what was just dropped (`remember(..., since=epoch)`).
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._principals: dict[str, Principal] = {}
        self._lock = threading.Lock()
        self.epoch = 0

    def __len__(self) -> int:
        return len(self._principals)

    def get(self, token: str, now: datetime) -> Principal | None:
        """The remembered principal of `token`, unless the token has expired (then forgotten)."""
        principal = self._principals.get(token)
        if principal is None:
            return None
        if now >= principal.claims.expires_at:
            with self._lock:
                self._principals.pop(token, None)
            return None
        return principal

    def remember(self, token: str, principal: Principal, since: int) -> None:
        """Remember a principal verified when the epoch was `since` (unless something was
        forgotten meanwhile, which may have been this very token)."""
        with self._lock:
            if since != self.epoch:
                return
            if len(self._principals) >= self._capacity:
                self._principals.pop(next(iter(self._principals)))
            self._principals[token] = principal

    def forget(self, tokens: Iterable[str]) -> None:
        """Forget these tokens."""
        with self._lock:
            self.epoch += 1
            for token in tokens:
                self._principals.pop(token, None)

    def forget_user(self, user_id: str, jti: str | None = None) -> None:
        """Forget one token of a user (by `jti`), or all of the user's tokens."""
        with self._lock:
            self.epoch += 1
            self._principals = {
                token: principal
                for token, principal in self._principals.items()
                if principal.user_id != user_id or (jti is not None and principal.claims.jti != jti)
            }

    def forget_access_key(self, key_id: str) -> None:
        """Forget the tokens exchanged for one access key (it was revoked)."""
        with self._lock:
            self.epoch += 1
            self._principals = {
                token: principal
                for token, principal in self._principals.items()
                if principal.claims.access_key_id != key_id
            }

    def forget_expired(self, now: datetime) -> None:
        """Forget the tokens that have expired (they would be refused anyway)."""
        with self._lock:
            self._principals = {
                token: principal
                for token, principal in self._principals.items()
                if now < principal.claims.expires_at
            }

    def remembered(self) -> list[tuple[str, Principal]]:
        """Every remembered token with its principal (a copy)."""
        with self._lock:
            return list(self._principals.items())
