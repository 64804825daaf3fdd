"""`mlprep login`, `logout` and `profiles`: which server, and the login kept for it.

A login lasts until `mlprep logout`, as people expect of a command line: with the password, the
CLI asks the server for an access key (a long-lived, revocable credential, listed with `mlprep
users keys`), keeps it in the profile (mode 0600) and exchanges it for a short-lived token
whenever it needs one. The password is never kept. `logout` revokes the key on the server.
"""

from __future__ import annotations

import contextlib
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mlprep.cli import console
from mlprep.cli.console import abort, emit_json, out, relative
from mlprep.cli.profiles import DEFAULT_URL, Profile
from mlprep.cli.remote import (
    CliState,
    client_of,
    failures_explained,
    server_url,
    state_of,
)
from mlprep.client import ClientError, NotFound, ServerUnreachable, Unauthenticated
from mlprep.client.session import expiry_of

if TYPE_CHECKING:
    from mlprep.client import PrepClient
    from mlprep.contract.authenticate import AuthenticateResponse

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
KEY_PREFIX = "mlprep_"


def key_id_of(access_key: str) -> str:
    """The id part of an access key (`mlprep_<id>_<secret>`)."""
    return access_key.removeprefix(KEY_PREFIX).split("_", 1)[0]


def login(
    context: typer.Context,
    url: Annotated[
        str | None, typer.Argument(help="The server, e.g. http://127.0.0.1:8080")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Else asked for")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="MLPREP_PASSWORD", help="Else asked for [MLPREP_PASSWORD]")
    ] = None,
    access_key: Annotated[
        str | None,
        typer.Option(
            envvar="MLPREP_ACCESS_KEY",
            help="Log in with an access key instead (CI: `mlprep users keys add`) "
            "[MLPREP_ACCESS_KEY]",
        ),
    ] = None,
    token_only: Annotated[
        bool,
        typer.Option(
            "--token-only", help="Keep no access key: the login lasts while its token is renewed"
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Log in until `mlprep logout`: the profile keeps an access key the server issues for it
    (revocable; the password is never kept) and renews its token from it."""
    state = state_of(context)
    server = server_url(url or state.url or state.profile().url or DEFAULT_URL)
    replaced = state.profiles.get(state.profile_name)
    with failures_explained(), client_of(server) as client:
        if access_key:
            try:
                answer = client.login_with_access_key(access_key.strip())
            except Unauthenticated as error:
                abort(f"{error.detail} (the access key for {server})", console.AUTHENTICATION)
            key: str | None = access_key.strip()
        else:
            user = user or typer.prompt("User")
            password = password or typer.prompt("Password", hide_input=True)
            answer = client.login(user, password)
            key = None
            if not token_only:
                answer, key = _log_in_with_key(client, answer)
        if replaced.access_key and replaced.url == server and replaced.access_key != key:
            _revoke_quietly(client, replaced)  # the key this login replaces: not left behind
    state.profiles.save(
        state.profile_name,
        Profile(url=server, token=answer.token, user_name=answer.user_name, access_key=key),
    )
    if as_json:
        emit_json(
            {
                "profile": state.profile_name,
                "url": server,
                "userName": answer.user_name,
                "expiresIn": answer.expires_in,
                "accessKey": f"…{key[-4:]}" if key else None,
            }
        )
        return
    lasts = (
        f"with access key …{key[-4:]}: the login lasts until `mlprep logout` (each "
        f"{answer.expires_in}-minute token is renewed from it)"
        if key
        else f"the token lasts {answer.expires_in} minutes and is renewed while you use it"
    )
    out.print(
        f"Logged in to {server} as {answer.user_name} (profile '{state.profile_name}'), {lasts}.",
        highlight=False,
    )


def _log_in_with_key(
    client: PrepClient, answer: AuthenticateResponse
) -> tuple[AuthenticateResponse, str | None]:
    """An access key for this login, and a token exchanged for it (so that revoking the key ends
    it too; the password's token is logged out); the password's answer and no key where the
    server issues none (not mlprep)."""
    label = f"mlprep CLI on {socket.gethostname()}"
    try:
        key = client.add_access_key(answer.user_name or "", label).key
    except NotFound:
        console.err.print(
            "[yellow]note:[/yellow] this server issues no access keys; the login lasts while "
            "its token is renewed.",
            highlight=False,
        )
        return answer, None
    client.logout()
    return client.login_with_access_key(key), key


def _revoke_quietly(client: PrepClient, profile: Profile) -> None:
    # Best effort: the old key may be revoked already, or belong to a user this one cannot manage.
    if profile.access_key and profile.user_name:
        with contextlib.suppress(ClientError):
            client.revoke_access_key(profile.user_name, key_id_of(profile.access_key))


def logout(context: typer.Context, as_json: JsonOption = False) -> None:
    """Log out: the server revokes the profile's access key (and so its tokens), and the profile
    forgets them."""
    state = state_of(context)
    profile = state.profile()
    note = _log_out_on_server(state, profile) if profile.logged_in else ""
    if profile.logged_in:
        state.profiles.save(state.profile_name, Profile(url=profile.url))
    if as_json:
        emit_json({"profile": state.profile_name, "loggedOut": profile.logged_in})
        return
    if not profile.logged_in:
        out.print(f"Profile '{state.profile_name}' was not logged in.")
    else:
        out.print(f"Logged out of {profile.url} (profile '{state.profile_name}'){note}.")


def _log_out_on_server(state: CliState, profile: Profile) -> str:
    """Revoke the profile's key (or its token); what to add to the message. Unreachable: the
    profile is kept, so that the logout can be tried again."""
    with failures_explained(), client_of(profile.url, profile.token, profile.access_key) as client:
        try:
            if profile.access_key and profile.user_name:
                client.revoke_access_key(profile.user_name, key_id_of(profile.access_key))
                return f"; access key …{profile.access_key[-4:]} revoked"
            client.logout()
        except (Unauthenticated, NotFound):
            if profile.access_key:
                return "; the server had revoked its access key already"
            return "; its token was no longer valid"
        except ServerUnreachable as error:
            abort(
                f"{error}. Still logged in (profile '{state.profile_name}'): run `mlprep logout` "
                "again when the server answers.",
                console.UNREACHABLE,
            )
    return ""


def profiles(
    context: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Ask each server whether it still takes the login")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the profiles: each one's server, who is logged in, and how long the login lasts."""
    state = state_of(context)
    known = state.profiles.all()
    checked = {name: _check(state, name, p) for name, p in known.items()} if check else {}
    if as_json:
        emit_json([_as_json(name, p, checked.get(name)) for name, p in known.items()])
        return
    table = Table("Profile", "Server", "User", "Login")
    for name, profile in known.items():
        marker = "*" if name == state.profile_name else ""
        login_state = _login_state(profile)
        if name in checked:
            login_state += f" ({checked[name]})"
        table.add_row(name + marker, profile.url, profile.user_name or "-", login_state)
    out.print(table)


def _login_state(profile: Profile) -> str:
    """The truth a profile can tell by itself: a key lasts until revoked; a token until it
    expires."""
    if profile.access_key:
        return f"key …{profile.access_key[-4:]}, valid until revoked"
    if profile.token:
        expires = expiry_of(profile.token)
        if expires is None:
            return "token"
        left = datetime.fromtimestamp(expires, UTC) - datetime.now(UTC)
        if left.total_seconds() <= 0:
            return "token expired: mlprep login"
        return f"token, expires {relative(left)}"
    return "no"


def _check(state: CliState, name: str, profile: Profile) -> str:
    """Whether the profile's server takes its login now (a key is exchanged for a new token)."""
    if not profile.logged_in:
        return "-"
    try:
        with client_of(profile.url, profile.token, profile.access_key) as client:
            if profile.access_key:
                answer = client.login_with_access_key()
                state.profiles.save(
                    name,
                    Profile(profile.url, answer.token, profile.user_name, profile.access_key),
                )
                return "checked: valid"
            return "checked: valid" if client.check_authentication() else "checked: refused"
    except Unauthenticated:
        return "checked: revoked, log in again"
    except ClientError as error:
        return f"not checked: {error}"


def _as_json(name: str, profile: Profile, checked: str | None) -> dict[str, object]:
    expires = expiry_of(profile.token) if profile.token else None
    listed: dict[str, object] = {
        "name": name,
        "url": profile.url,
        "userName": profile.user_name,
        "loggedIn": profile.logged_in,
        "accessKey": f"…{profile.access_key[-4:]}" if profile.access_key else None,
        "tokenExpiresAt": datetime.fromtimestamp(expires, UTC).isoformat() if expires else None,
    }
    if checked is not None:
        listed["checked"] = checked
    return listed
