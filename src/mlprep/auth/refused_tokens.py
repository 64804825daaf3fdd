"""Tokens refused before, with the reason, so that refusing one again costs a look-up.

A client polling with a token that has expired, been revoked by a logout or forged sends it again
and again. Every reason a token is refused for is final: its signature will not become valid, it
will not un-expire (tokens keep to the base clock, which does not go back), a revocation is not
undone, a removed user does not come back with the same id, a user's token generation only moves
on, and a session logged out for inactivity stays logged out. So the first refusal is verified
(on a worker thread, against the store) and later ones repeat its reason.

Only well-formed tokens of reasonable size are kept, and at most `CAPACITY` of them: a flood of
made-up tokens cannot grow memory past a few megabytes; past the bound, the oldest is forgotten
(and verified again if it comes back).
"""

from __future__ import annotations

import threading

CAPACITY = 4096
# A token of this server is about 400 characters; a longer one is not kept (it is still refused).
MAX_TOKEN_CHARS = 1024


class RefusedTokens:
    """Token → why it was refused. Safe to use from worker threads as well as the event loop."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._reasons)

    def reason(self, token: str) -> str | None:
        """Why `token` was refused, if it was (and is still remembered)."""
        return self._reasons.get(token)

    def refuse(self, token: str, reason: str) -> None:
        """Remember that `token` was refused, and why."""
        if len(token) > MAX_TOKEN_CHARS:
            return
        with self._lock:
            if token not in self._reasons and len(self._reasons) >= self._capacity:
                self._reasons.pop(next(iter(self._reasons)))
            self._reasons[token] = reason
