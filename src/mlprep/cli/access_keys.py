"""`mlprep users keys ls|add|revoke`: access keys, the long-lived logins that `mlprep login`
keeps in a profile and that CI logs in with (over the server: your own keys, or anyone's for an
administrator)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mlprep.cli import console
from mlprep.cli.console import abort, emit_json, out, when
from mlprep.cli.remote import remote, state_of

app = typer.Typer(
    help="Access keys: the long-lived logins of `mlprep login` and of CI (over the server).",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
KeyOwner = Annotated[
    str | None, typer.Option("--user", "-u", help="Whose keys (default: the profile's user)")
]


def _owner(context: typer.Context, user_name: str | None) -> str:
    if user_name:
        return user_name
    profile = state_of(context).profile()
    if profile.user_name is None:
        abort("Not logged in: give --user NAME, or `mlprep login` first.", console.USAGE)
    return profile.user_name


@app.command("ls")
def list_keys(
    context: typer.Context, user_name: KeyOwner = None, as_json: JsonOption = False
) -> None:
    """A user's access keys (yours, or anyone's for an administrator)."""
    owner = _owner(context, user_name)
    own_key = state_of(context).profile().access_key or ""
    with remote(context) as client:
        found = client.access_keys(owner)
        now = client.health().now
    if as_json:
        emit_json(found)
        return
    if not found:
        out.print(f"{owner} has no access keys.")
        return
    table = Table("Key", "Label", "Created", "Last used")
    for key in found:
        mine = "*" if own_key.startswith(f"mlprep_{key.id}_") else ""
        table.add_row(
            f"{key.id[:8]} …{key.hint}{mine}",
            key.label,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            when(key.last_used_at, now),
        )
    out.print(table)
    if any(own_key.startswith(f"mlprep_{key.id}_") for key in found):
        out.print("[dim]* this profile's login[/dim]")


@app.command("add")
def add_key(
    context: typer.Context,
    user_name: Annotated[str, typer.Argument(help="Whose key (for CI: a user of its own)")],
    label: Annotated[str, typer.Option(help="What the key is for")] = "CI",
    as_json: JsonOption = False,
) -> None:
    """Issue an access key, e.g. for CI: shown this once; log in with it using
    `mlprep login URL --access-key KEY` (or MLPREP_ACCESS_KEY)."""
    with remote(context) as client:
        issued = client.add_access_key(user_name, label)
    if as_json:
        emit_json(issued)
        return
    console.err.print(
        f"Access key {issued.id[:8]} for {issued.user_name} ({escape(issued.label)}), shown "
        "this once; keep it like a password:",
        highlight=False,
    )
    out.print(issued.key, highlight=False, soft_wrap=True)


@app.command("revoke")
def revoke_key(
    context: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key's id, or its start (from `keys ls`)")],
    user_name: KeyOwner = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an access key: its tokens stop working at once, and a CLI logged in with it has to
    log in again."""
    owner = _owner(context, user_name)
    with remote(context) as client:
        matches = [k for k in client.access_keys(owner) if k.id.startswith(key_id.lower())]
        if len(matches) != 1:
            which = "no access key" if not matches else "more than one access key"
            abort(
                f"{owner} has {which} whose id starts with '{key_id}' (see `mlprep users keys "
                f"ls --user {owner}`).",
                console.NOT_FOUND if not matches else console.USAGE,
            )
        client.revoke_access_key(owner, matches[0].id)
    if as_json:
        emit_json({"revoked": matches[0].id, "userName": owner})
        return
    out.print(
        f"Revoked access key {matches[0].id[:8]} …{matches[0].hint} of {owner} "
        f"({escape(matches[0].label)}).",
        highlight=False,
    )
