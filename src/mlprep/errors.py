"""The one error tree of mlprep. The API maps each kind to an HTTP status in `mlprep.api.problems`.

MlprepError
├── InvalidRequestError     a value the operation does not accept         (400)
├── AuthenticationError     no, bad, expired or revoked credentials         (401)
├── PermissionDeniedError   the user lacks the permission                   (403)
├── NotFoundError           no such procedure, view, channel, run, user     (404)
├── ConflictError           the instrument's state does not allow it now    (409)
├── TooManyAttemptsError    login locked for a while (carries retry_after)  (429)
├── ServiceBusyError        too much work queued; retry soon (retry_after)   (503)
│   └── DatabaseUnavailableError  the database cannot be reached or written now (503)
└── StartupError            the server cannot start: its data directory or   (start-up only)
                            database is in use, full, or holds a damaged file
"""

from __future__ import annotations

from enum import StrEnum


class MlprepError(Exception):
    """Base of every error mlprep raises on purpose; `detail` is shown to the user."""

    title = "An error occurred"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRequestError(MlprepError):
    """The request names a value the operation does not accept."""

    title = "One or more validation errors occurred."

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


class AuthenticationError(MlprepError):
    """No credentials, or credentials that are wrong, expired or revoked."""

    title = "Unauthorized"


class MissingCredentialsError(AuthenticationError):
    """No credentials were presented (the challenge then names no error, per RFC 6750)."""


class BadCredentialsError(AuthenticationError):
    """A login with a wrong user name or password (no token was involved, per RFC 6750 §3)."""


class PermissionDeniedError(MlprepError):
    """The authenticated user lacks the permission the operation needs."""

    title = "Forbidden"


class NotFoundError(MlprepError):
    """The resource named does not exist (or no longer does)."""

    title = "Not Found"


class ConflictError(MlprepError):
    """The instrument's present state does not allow the operation."""

    title = "Conflict"


class TooManyAttemptsError(MlprepError):
    """Too many failed logins: try again after `retry_after` seconds."""

    title = "Too Many Requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceBusyError(MlprepError):
    """The server has too much of this work queued: try again after `retry_after` seconds."""

    title = "Service Unavailable"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailability(StrEnum):
    """Why the database cannot be used now (as the health report and problem bodies name it)."""

    UNREACHABLE = "unreachable"
    DISK_FULL = "disk full"
    LOCKED = "locked"
    READ_ONLY = "read-only"
    IO_ERROR = "I/O error"


_WHAT_FAILED = {
    Unavailability.UNREACHABLE: "cannot be reached",
    Unavailability.DISK_FULL: "cannot be written: its disk is full",
    Unavailability.LOCKED: "is locked by another program",
    Unavailability.READ_ONLY: "is read-only",
    Unavailability.IO_ERROR: "met an I/O error",
}


class DatabaseUnavailableError(ServiceBusyError):
    """The database cannot be reached or written now; nothing was changed. Raised by the stores
    (never kept: a write that meets it is not applied)."""

    def __init__(self, cause: Unavailability, retry_after: int) -> None:
        super().__init__(
            f"The instrument's database {_WHAT_FAILED[cause]} ({cause.value}); nothing was "
            f"changed. Retry in {retry_after} s: the server goes on once the database is back.",
            retry_after,
        )
        self.cause = cause


class StartupError(MlprepError):
    """The server cannot start as configured; `detail` says why and what to do. Raised before
    the server serves, never in answer to a request."""

    title = "Cannot start"
