"""Talking to a server from a command: the chosen profile, a client with its token, and every
client error turned into one line on stderr and the exit code scripts rely on (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer

from mlprep.cli import console
from mlprep.cli.console import abort
from mlprep.cli.profiles import DEFAULT_PROFILE, Profile, Profiles
from mlprep.client import (
    BadRequest,
    ClientError,
    Conflict,
    LockedOut,
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
    (LockedOut, console.AUTHENTICATION),
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
        if self.url is not None and server_url(self.url) != profile.url.rstrip("/"):
            return Profile(url=server_url(self.url))  # another server: the profile's login is not
        return profile


def server_url(text: str) -> str:
    """`text` as a server's URL (no trailing slash). A usage error unless it names its scheme
    (`localhost:8080` would be read as the scheme `localhost`) and a host."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        abort(
            f"'{text}' is not a server URL: give it with http:// or https://, e.g. "
            f"http://{url.split('://', 1)[-1] or '127.0.0.1:8080'}",
            console.USAGE,
        )
    return url


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


def client_of(url: str, token: str | None = None, access_key: str | None = None) -> PrepClient:
    """A client of the server at `url`, which exchanges `access_key` for a new token whenever it
    needs one. The HTTP stack is imported here, when a command talks to a server: `mlprep serve`
    does not need it."""
    from mlprep.client import PrepClient

    return PrepClient(url, token=token, access_key=access_key)


def key_refused(error: ClientError) -> bool:
    """Whether `error` is the server refusing an access key (revoked, or not issued there)."""
    response = getattr(error, "response", None)
    return (
        isinstance(error, Unauthenticated)
        and response is not None
        and response.request.url.path.endswith("/authenticate/access-key")
    )


@contextmanager
def remote(context: typer.Context, authenticated: bool = True) -> Iterator[PrepClient]:
    """A client of the chosen profile's server, with its token (renewed tokens are kept)."""
    state = state_of(context)
    profile = state.profile()
    if authenticated and not profile.logged_in:
        abort(
            f"Not logged in (profile '{state.profile_name}'): run "
            f"`mlprep login {profile.url} --user NAME` first.",
            console.AUTHENTICATION,
        )
    client = client_of(profile.url, profile.token, profile.access_key)
    try:
        with failures_explained():
            try:
                yield client
            except Unauthenticated as error:
                if not key_refused(error):
                    raise
                abort(
                    f"The server refused the access key of profile '{state.profile_name}' "
                    f"(…{(profile.access_key or '')[-4:]}): it was revoked, or never issued "
                    f"there. Log in again: mlprep login {profile.url} --user "
                    f"{profile.user_name or 'NAME'}",
                    console.AUTHENTICATION,
                )
    finally:
        renewed = client.session.token
        if renewed is not None and renewed != profile.token and profile.logged_in:
            state.profiles.save(
                state.profile_name,
                Profile(
                    url=profile.url,
                    token=renewed,
                    user_name=profile.user_name,
                    access_key=profile.access_key,
                ),
            )
        client.close()
