"""Password hashing with argon2, and the bounded queue that password checks wait in.

One argon2 check costs about 64 MiB and a CPU core for ~100 ms. Without a bound, anyone who can
reach the port could exhaust the server's memory with concurrent wrong logins, no password
needed; so checks run at most `concurrency` at a time on their own threads, at most `queue_size`
more wait, and beyond that a login is refused at once (503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mlprep.errors import ServiceBusyError

_hasher = PasswordHasher()


# An argon2id hash of a random password that was thrown away, made with argon2-cffi's default
# parameters. Verifying a password against a hash costs what its parameters say (memory, passes,
# lanes), whatever the hash: so this costs an unknown name what a known one costs, without making
# a hash at every start (~0.19 s of CPU). tests/unit/auth says when the defaults move on.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4"  # the parameters
    "$lrUbyC0Glb4xWEIjrESXgg$k9Nicwbkuc/9r19QSeEa+9yQfokbWceDrpIFPQyZjlE"  # salt, hash
)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so that an unknown name costs the same
    time as a wrong password and timing tells nothing about which names exist.

    `_DUMMY_HASH` while it has the parameters this hasher makes hashes with; otherwise (argon2-cffi
    has new defaults) one is made, once, on a password-checking thread as the server starts
    (`PasswordChecks`), not at import: an argon2 hash takes a good part of a second on a busy
    machine, and start-up would wait for it."""
    if not _hasher.check_needs_rehash(_DUMMY_HASH):
        return _DUMMY_HASH
    return _hasher.hash("no such user")


BUSY_MESSAGE = "The server is busy checking other logins; try again in a moment."


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash, spends the same effort and answers False."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


class PasswordChecks:
    """Runs password checks at most `concurrency` at a time, with a bounded queue."""

    def __init__(self, concurrency: int = 2, queue_size: int = 32) -> None:
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="password-check")
        self._executor.submit(_dummy_hash)
        self._capacity = concurrency + queue_size
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Logins holding a turn now (checking or waiting to check)."""
        return self._admitted

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A place in the queue for one login, for as long as the login takes.

        Raises:
            ServiceBusyError: the queue is full.
        """
        if self._admitted >= self._capacity:
            raise ServiceBusyError(BUSY_MESSAGE, retry_after=1)
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """`verify_password` on one of the bounded checking threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, verify_password, password_hash, password)

    def close(self) -> None:
        """Stop the checking threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)
