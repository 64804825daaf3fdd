"""The user directory on the server's own database (needs the server's packages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlprep.auth.users import UserDirectory
from mlprep.cli import console
from mlprep.cli.console import abort
from mlprep.contract.users import Role, User
from mlprep.errors import ConflictError, InvalidRequestError, MlprepError, NotFoundError
from mlprep.services import open_services
from mlprep.settings import Settings


class LocalDirectory:
    """The commands' directory, writing straight to the database as `actor`."""

    def __init__(self, users: UserDirectory, actor: str) -> None:
        self._users = users
        self._actor = actor

    def add(self, user_name: str, password: str, role: Role) -> User:
        return self._users.add(user_name, password, role, actor=self._actor)

    def list(self) -> list[User]:
        return self._users.list()

    def get(self, user_name: str) -> User:
        return self._users.get(user_name)

    def set_password(self, user_name: str, password: str) -> User:
        self._users.set_password(user_name, password, actor=self._actor)
        return self._users.get(user_name)

    def set_role(self, user_name: str, role: Role) -> User:
        return self._users.set_role(user_name, role, actor=self._actor)

    def unlock(self, user_name: str) -> User:
        self._users.unlock(user_name, actor=self._actor)
        return self._users.get(user_name)

    def remove(self, user_name: str) -> None:
        self._users.remove(user_name, actor=self._actor)


@contextmanager
def local_directory(
    data_dir: Path | None, database_url: str | None, actor: str
) -> Iterator[LocalDirectory]:
    """The directory of the database at `data_dir`/`database_url`; errors end the command."""
    settings = Settings.with_overrides(data_dir=data_dir, database_url=database_url)
    try:
        services = open_services(settings)
    except MlprepError as error:  # a damaged signing secret
        abort(error.detail)
    try:
        yield LocalDirectory(services.users, actor)
    except NotFoundError as error:
        abort(error.detail, console.NOT_FOUND)
    except ConflictError as error:
        abort(error.detail, console.CONFLICT)
    except InvalidRequestError as error:
        abort(error.detail, console.USAGE)
    except MlprepError as error:
        abort(error.detail)
    finally:
        services.close()
