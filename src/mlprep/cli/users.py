"""`mlprep users ...`: manage users over the server (`/mlprep/v1/users`, an administrator's
token), or, with `--data-dir`/`--database-url`, directly in the database the server uses (on the
server's machine, with the server's packages: for the first administrator or a lost password)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.table import Table

from mlprep.cli import access_keys, console
from mlprep.cli.console import abort, emit_json, out
from mlprep.cli.remote import remote
from mlprep.contract.users import Role, User

if TYPE_CHECKING:
    from mlprep.client import PrepClient

app = typer.Typer(
    help="Manage users: over the server, or with --data-dir directly in its database.",
    no_args_is_help=True,
)
app.add_typer(access_keys.app, name="keys")

DataDir = Annotated[
    Path | None,
    typer.Option(help="Work on this data directory instead of the server [MLPREP_DATA_DIR]"),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(help="Work on this database instead of the server [MLPREP_DATABASE_URL]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
UserName = Annotated[str, typer.Argument(help="The user's name")]
RoleOption = Annotated[
    Role, typer.Option(case_sensitive=False, help="Operator, Service or Administrator")
]
LOCAL_ACTOR = "cli"


class Directory(Protocol):
    """What the commands need, over HTTP or on the database alike."""

    def add(self, user_name: str, password: str, role: Role) -> User: ...
    def list(self) -> list[User]: ...
    def get(self, user_name: str) -> User: ...
    def set_password(self, user_name: str, password: str) -> User: ...
    def set_role(self, user_name: str, role: Role) -> User: ...
    def unlock(self, user_name: str) -> User: ...
    def remove(self, user_name: str) -> None: ...


class _Server:
    def __init__(self, client: PrepClient) -> None:
        self._client = client

    def add(self, user_name: str, password: str, role: Role) -> User:
        return self._client.add_user(user_name, password, role)

    def list(self) -> list[User]:
        return self._client.users()

    def get(self, user_name: str) -> User:
        return self._client.user(user_name)

    def set_password(self, user_name: str, password: str) -> User:
        return self._client.set_user_password(user_name, password)

    def set_role(self, user_name: str, role: Role) -> User:
        return self._client.set_user_role(user_name, role)

    def unlock(self, user_name: str) -> User:
        return self._client.unlock_user(user_name)

    def remove(self, user_name: str) -> None:
        self._client.remove_user(user_name)


@contextmanager
def _directory(
    context: typer.Context, data_dir: Path | None, database_url: str | None
) -> Iterator[Directory]:
    if data_dir is None and database_url is None:
        with remote(context) as client:
            yield _Server(client)
        return
    try:
        from mlprep.cli.local_users import local_directory
    except ModuleNotFoundError:
        abort(
            "--data-dir and --database-url work on the server's database and need the server's "
            "packages: pip install 'mlprep[server]' (or leave them out to go through the server).",
            console.USAGE,
        )
    with local_directory(data_dir, database_url, LOCAL_ACTOR) as directory:
        yield directory


def _password(password: str | None) -> str:
    if password is not None:
        return password
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("add")
def add(
    context: typer.Context,
    user_name: UserName,
    role: RoleOption = Role.OPERATOR,
    password: Annotated[str | None, typer.Option(help="Else asked for")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user."""
    with _directory(context, data_dir, database_url) as directory:
        user = directory.add(user_name, _password(password), role)
    _done(user, f"Added {user.user_name} ({user.role.value}).", as_json)


@app.command("list")
def list_users(
    context: typer.Context,
    as_json: JsonOption = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the users."""
    with _directory(context, data_dir, database_url) as directory:
        users = directory.list()
    if as_json:
        emit_json(users)
        return
    # Fits an 80-column terminal whole; ids and exact times are in --json.
    table = Table("User", "Role", "Created", "Locked until")
    for user in users:
        locked = f"{user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else "-"
        table.add_row(user.user_name, user.role.value, f"{user.created_at:%Y-%m-%d %H:%M}", locked)
    out.print(table)


app.command("ls", help="List the users (as `list`).")(list_users)


@app.command("show")
def show(
    context: typer.Context,
    user_name: UserName,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """One user: role, created, locked until."""
    with _directory(context, data_dir, database_url) as directory:
        user = directory.get(user_name)
    locked = f"; locked until {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else ""
    _done(
        user,
        f"{user.user_name}: {user.role.value}, created {user.created_at:%Y-%m-%d}{locked}.",
        as_json,
    )


@app.command("passwd")
def passwd(
    context: typer.Context,
    user_name: Annotated[str, typer.Argument(help="Whose password to change")],
    password: Annotated[str | None, typer.Option(help="Else asked for")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's password; their earlier tokens stop working and a lockout ends."""
    with _directory(context, data_dir, database_url) as directory:
        user = directory.set_password(user_name, _password(password))
    _done(user, f"Changed the password of {user_name}.", as_json)


@app.command("role")
def role(
    context: typer.Context,
    user_name: UserName,
    new_role: Annotated[Role, typer.Argument(case_sensitive=False, help="The new role")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """Give a user another role; their earlier tokens stop working."""
    with _directory(context, data_dir, database_url) as directory:
        user = directory.set_role(user_name, new_role)
    _done(user, f"{user.user_name} is now {user.role.value}.", as_json)


@app.command("unlock")
def unlock(
    context: typer.Context,
    user_name: Annotated[str, typer.Argument(help="Whose lockout to end")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """End a user's lockout after too many failed logins."""
    with _directory(context, data_dir, database_url) as directory:
        user = directory.unlock(user_name)
    _done(user, f"Unlocked {user_name}.", as_json)


@app.command("remove")
def remove(
    context: typer.Context,
    user_name: Annotated[str, typer.Argument(help="Who to remove")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a user; their tokens stop working at once."""
    with _directory(context, data_dir, database_url) as directory:
        directory.remove(user_name)
    if as_json:
        emit_json({"removed": user_name})
        return
    out.print(f"Removed {user_name}.")


def _done(user: User, message: str, as_json: bool) -> None:
    if as_json:
        emit_json(user)
    else:
        out.print(message, highlight=False)
