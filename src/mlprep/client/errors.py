"""What the client raises: a `ProblemError` per kind of RFC 7807 answer, carrying its body, and
`ServerUnreachable` when no answer came at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from mlprep.contract.problem import ProblemDetails

if TYPE_CHECKING:
    import httpx


class ClientError(Exception):
    """Anything the mlprep client raises."""


class ServerUnreachable(ClientError):
    """The server could not be reached (after the retries an idempotent call gets)."""


class UnexpectedResponse(ClientError):
    """The server answered something the contract does not describe."""


class ProblemError(ClientError):
    """An error answer. `problem` is its RFC 7807 body; `title` and `detail` say what went wrong."""

    status: int = 0

    def __init__(self, problem: ProblemDetails, response: httpx.Response | None = None) -> None:
        self.problem = problem
        self.response = response
        self.status = problem.status
        super().__init__(self.message)

    @classmethod
    def without_response(cls, detail: str) -> ProblemError:
        """A problem found by the client itself (such as a name that matches nothing)."""
        status = next((code for code, kind in _BY_STATUS.items() if kind is cls), 400)
        return cls(ProblemDetails(title=_TITLES.get(status, "Error"), status=status, detail=detail))

    @property
    def title(self) -> str:
        """The problem's short summary (the same for every problem of one status)."""
        return self.problem.title

    @property
    def detail(self) -> str:
        """What exactly went wrong, written for a person to act on."""
        return self.problem.detail or self.problem.title

    @property
    def message(self) -> str:
        """`title: detail` (`title. detail` where the title is a sentence, as ASP.NET's title of
        a validation problem is), or the title alone when there is no detail."""
        title, detail = self.problem.title, self.problem.detail
        if not detail:
            return title
        return f"{title} {detail}" if title.endswith((".", "!", "?")) else f"{title}: {detail}"


class BadRequest(ProblemError):
    """400: a value is not allowed; `problem.errors` names the fields."""


class Unauthenticated(ProblemError):
    """401: no token, a wrong password, or a token that expired or was revoked."""


class PermissionDenied(ProblemError):
    """403: the user's role lacks the permission the operation needs."""


class NotFound(ProblemError):
    """404: no such procedure, view, run, user, channel or image."""


class Conflict(ProblemError):
    """409: the instrument's state does not allow it now (a run in progress, nothing to abort)."""


class PayloadTooLarge(ProblemError):
    """413: the body is larger than the server takes."""


class UnsupportedMediaType(ProblemError):
    """415: the body was not sent as JSON."""


class _RetryAfter(ProblemError):
    @property
    def retry_after(self) -> float | None:
        """Seconds the server asks to wait (its Retry-After header), if it said."""
        if self.response is None:
            return None
        try:
            return float(self.response.headers["retry-after"])
        except (KeyError, ValueError):
            return None


class LockedOut(_RetryAfter):
    """429: too many failed logins for this user name; `retry_after` says how long it lasts."""


class ServiceBusy(_RetryAfter):
    """503: too many logins are being checked at once; try again after `retry_after`."""


class ServerError(ProblemError):
    """500 and other server failures."""


_BY_STATUS: dict[int, type[ProblemError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: LockedOut,
    503: ServiceBusy,
}


_TITLES = {404: "Not Found", 409: "Conflict", 400: "One or more validation errors occurred."}


def problem_error(response: httpx.Response) -> ProblemError:
    """The exception for an error `response`; a body that is not a problem still gives one."""
    try:
        problem = ProblemDetails.model_validate_json(response.content)
    except ValidationError:
        problem = ProblemDetails(
            title=response.reason_phrase or f"HTTP {response.status_code}",
            status=response.status_code,
            detail=response.text[:500] or None,
        )
    kind = _BY_STATUS.get(response.status_code)
    if kind is None:
        kind = ServerError if response.status_code >= 500 else ProblemError
    return kind(problem, response)
