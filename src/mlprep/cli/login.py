"""`mlprep login`, `logout` and `profiles`: which server, and the token to use with it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mlprep.cli.console import emit_json, out
from mlprep.cli.profiles import DEFAULT_URL, Profile
from mlprep.cli.remote import client_of, failures_explained, state_of

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def login(
    context: typer.Context,
    url: Annotated[
        str | None, typer.Argument(help="The server, e.g. http://127.0.0.1:8080")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Else asked for")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="MLPREP_PASSWORD", help="Else asked for [MLPREP_PASSWORD]")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Log in and keep the token in the profile (the password is never kept)."""
    state = state_of(context)
    server = (url or state.url or state.profile().url or DEFAULT_URL).rstrip("/")
    user = user or typer.prompt("User")
    password = password or typer.prompt("Password", hide_input=True)
    with failures_explained(), client_of(server) as client:
        answer = client.login(user, password)
    state.profiles.save(
        state.profile_name, Profile(url=server, token=answer.token, user_name=answer.user_name)
    )
    if as_json:
        emit_json(
            {
                "profile": state.profile_name,
                "url": server,
                "userName": answer.user_name,
                "expiresIn": answer.expires_in,
            }
        )
        return
    out.print(
        f"Logged in to {server} as {answer.user_name} (profile '{state.profile_name}'); the "
        f"token lasts {answer.expires_in} minutes and is renewed while you use it."
    )


def logout(context: typer.Context, as_json: JsonOption = False) -> None:
    """Log out: the server revokes the token and the profile forgets it."""
    state = state_of(context)
    profile = state.profile()
    if profile.token is not None:
        with failures_explained(), client_of(profile.url, profile.token) as client:
            try:
                client.logout()
            finally:
                state.profiles.save(state.profile_name, Profile(url=profile.url))
    if as_json:
        emit_json({"profile": state.profile_name, "loggedOut": profile.token is not None})
        return
    if profile.token is None:
        out.print(f"Profile '{state.profile_name}' was not logged in.")
    else:
        out.print(f"Logged out of {profile.url} (profile '{state.profile_name}').")


def profiles(context: typer.Context, as_json: JsonOption = False) -> None:
    """List the profiles: each one's server and who is logged in."""
    state = state_of(context)
    known = state.profiles.all()
    if as_json:
        emit_json(
            [
                {"name": name, "url": p.url, "userName": p.user_name, "loggedIn": bool(p.token)}
                for name, p in known.items()
            ]
        )
        return
    table = Table("Profile", "Server", "User", "Logged in")
    for name, profile in known.items():
        marker = "*" if name == state.profile_name else ""
        table.add_row(
            name + marker, profile.url, profile.user_name or "-", "yes" if profile.token else "no"
        )
    out.print(table)
