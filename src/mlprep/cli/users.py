"""`mlprep users`: manage users directly in the server's database (run on the server's machine)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mlprep.cli.console import abort, out
from mlprep.contract.users import Role
from mlprep.errors import MlprepError
from mlprep.services import Services, open_services
from mlprep.settings import Settings

app = typer.Typer(
    help="Manage users (directly in the database the server uses).", no_args_is_help=True
)

DataDir = Annotated[Path | None, typer.Option(help="The server's data directory [MLPREP_DATA_DIR]")]
DatabaseUrl = Annotated[str | None, typer.Option(help="The database URL [MLPREP_DATABASE_URL]")]
ACTOR = "cli"


@contextmanager
def _services(data_dir: Path | None, database_url: str | None) -> Iterator[Services]:
    settings = Settings.with_overrides(data_dir=data_dir, database_url=database_url)
    services = open_services(settings)
    try:
        yield services
    except MlprepError as error:
        abort(error.detail)
    finally:
        services.close()


def _password(password: str | None) -> str:
    if password is not None:
        return password
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("add")
def add(
    user_name: Annotated[str, typer.Argument(help="The new user's name")],
    role: Annotated[Role, typer.Option(help="Operator, Service or Administrator")] = Role.OPERATOR,
    password: Annotated[str | None, typer.Option(help="Else asked for")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user."""
    with _services(data_dir, database_url) as services:
        user = services.users.add(user_name, _password(password), role, actor=ACTOR)
    out.print(f"Added {user.user_name} ({user.role.value}).")


@app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the users."""
    with _services(data_dir, database_url) as services:
        users = services.users.list()
    if as_json:
        out.print_json(json.dumps([user.model_dump(mode="json", by_alias=True) for user in users]))
        return
    # Fits an 80-column terminal whole; ids and exact times are in --json.
    table = Table("User", "Role", "Created (UTC)", "Locked until (UTC)")
    for user in users:
        locked = f"{user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else "-"
        table.add_row(user.user_name, user.role.value, f"{user.created_at:%Y-%m-%d %H:%M}", locked)
    out.print(table)


@app.command("passwd")
def passwd(
    user_name: Annotated[str, typer.Argument(help="Whose password to change")],
    password: Annotated[str | None, typer.Option(help="Else asked for")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a user's password; their earlier tokens stop working and a lockout ends."""
    with _services(data_dir, database_url) as services:
        services.users.set_password(user_name, _password(password), actor=ACTOR)
    out.print(f"Changed the password of {user_name}.")


@app.command("unlock")
def unlock(
    user_name: Annotated[str, typer.Argument(help="Whose lockout to end")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """End a user's lockout after too many failed logins."""
    with _services(data_dir, database_url) as services:
        services.users.unlock(user_name, actor=ACTOR)
    out.print(f"Unlocked {user_name}.")


@app.command("remove")
def remove(
    user_name: Annotated[str, typer.Argument(help="Who to remove")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a user; their tokens stop working at once."""
    with _services(data_dir, database_url) as services:
        services.users.remove(user_name, actor=ACTOR)
    out.print(f"Removed {user_name}.")
