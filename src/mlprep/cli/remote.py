"""Talking to a server from a command: the chosen profile, a client with its token, and every
client error turned into one line on stderr and the exit code scripts rely on (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from mlprep.cli import console
from mlprep.cli.console import abort
from mlprep.cli.profiles import DEFAULT_PROFILE, Profile, Profiles
from mlprep.client import (
    BadRequest,
    ClientError,
    Conflict,
    NotFound,
    PermissionDenied,
    ProblemError,
    ServerUnreachable,
    Unauthenticated,
)

if TYPE_CHECKING:
    from mlprep.client import PrepClient

EXIT_CODES: tuple[tuple[type[ClientError], int], ...] = (
    (Unauthenticated, console.AUTHENTICATION),
    (PermissionDenied, console.AUTHENTICATION),
    (NotFound, console.NOT_FOUND),
    (Conflict, console.CONFLICT),
    (BadRequest, console.USAGE),
    (ServerUnreachable, console.UNREACHABLE),
)


@dataclass
class CliState:
    """What the global options chose: the profile, and a URL that overrides its server."""

    profile_name: str = DEFAULT_PROFILE
    url: str | None = None
    profiles: Profiles = field(default_factory=Profiles)

    def profile(self) -> Profile:
        """The chosen profile, with the `--url` override applied."""
        try:
            profile = self.profiles.get(self.profile_name)
        except ValueError as error:
            abort(str(error))
        if self.url is not None and self.url.rstrip("/") != profile.url.rstrip("/"):
            return Profile(url=self.url)  # another server: the profile's token is not for it
        return profile


def state_of(context: typer.Context) -> CliState:
    """The CliState the `mlprep` callback stored (a fresh one when a command runs alone)."""
    root = context.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def exit_code_for(error: ClientError) -> int:
    """The exit code of a failed command."""
    return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1)


def explain(error: ClientError) -> str:
    """One line a person can act on: the problem's title and detail, never a traceback."""
    if isinstance(error, Unauthenticated) and error.response is not None:
        return f"{error.message} (mlprep login)"
    if isinstance(error, ProblemError):
        return error.message
    return str(error)


@contextmanager
def failures_explained() -> Iterator[None]:
    """Turn a client error into its message on stderr and its exit code."""
    try:
        yield
    except ClientError as error:
        abort(explain(error), exit_code_for(error))


def client_of(url: str, token: str | None = None) -> PrepClient:
    """A client of the server at `url`. The HTTP stack is imported here, when a command talks to
    a server: `mlprep serve` does not need it."""
    from mlprep.client import PrepClient

    return PrepClient(url, token=token)


@contextmanager
def remote(context: typer.Context, authenticated: bool = True) -> Iterator[PrepClient]:
    """A client of the chosen profile's server, with its token (renewed tokens are kept)."""
    state = state_of(context)
    profile = state.profile()
    if authenticated and profile.token is None:
        abort(
            f"Not logged in (profile '{state.profile_name}'): run "
            f"`mlprep login {profile.url} --user NAME` first.",
            console.AUTHENTICATION,
        )
    client = client_of(profile.url, profile.token)
    try:
        with failures_explained():
            yield client
    finally:
        renewed = client.session.token
        if renewed is not None and renewed != profile.token and profile.token is not None:
            state.profiles.save(
                state.profile_name,
                Profile(url=profile.url, token=renewed, user_name=profile.user_name),
            )
        client.close()
