"""The user directory adds, lists, re-keys and removes users, audits every change, and makes the
first administrator."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlprep.auth.passwords import verify_password
from mlprep.clock import FakeClock
from mlprep.contract.users import Role
from mlprep.errors import ConflictError, InvalidRequestError, NotFoundError
from mlprep.services import Services, open_services
from mlprep.settings import Settings
from mlprep.store.users import UserStore
from tests.sessions import ADMIN_PASSWORD


def password_hash(services: Services, user_name: str) -> str:
    record = UserStore(services.engine).by_name(user_name)
    assert record is not None
    return record.password_hash


def test_a_new_user_is_listed_with_its_role_and_time(services: Services, clock: FakeClock) -> None:
    bob = services.users.add("  bob ", "bobs password", Role.OPERATOR, actor="admin")

    assert (bob.user_name, bob.role, bob.created_at) == ("bob", Role.OPERATOR, clock.now())
    assert [user.user_name for user in services.users.list()] == ["admin", "bob"]
    assert verify_password(password_hash(services, "bob"), "bobs password")


@pytest.mark.parametrize(
    ("user_name", "password", "field"),
    [("bob", "7 chars", "password"), ("   ", "long enough", "userName")],
)
def test_a_short_password_or_an_empty_name_is_refused(
    services: Services, user_name: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        services.users.add(user_name, password, Role.OPERATOR, actor="admin")

    assert list(refused.value.errors) == [field]
    assert len(services.users.list()) == 1


def test_a_name_taken_in_any_letter_case_is_refused(services: Services) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        services.users.add("ADMIN", "long enough", Role.OPERATOR, actor="admin")


def test_a_password_change_replaces_the_old_password(services: Services) -> None:
    services.users.add("bob", "first password", Role.OPERATOR, actor="admin")

    services.users.set_password("BOB", "second password", actor="admin")

    assert verify_password(password_hash(services, "bob"), "second password")
    assert not verify_password(password_hash(services, "bob"), "first password")


def test_changing_or_removing_an_unknown_user_says_so(services: Services) -> None:
    with pytest.raises(NotFoundError, match="There is no user named 'ghost'"):
        services.users.set_password("ghost", "long enough", actor="admin")
    with pytest.raises(NotFoundError, match="There is no user named 'ghost'"):
        services.users.remove("ghost", actor="admin")


def test_the_last_administrator_cannot_be_removed(services: Services) -> None:
    with pytest.raises(ConflictError, match="last administrator"):
        services.users.remove("admin", actor="admin")

    services.users.add("root", "long enough", Role.ADMINISTRATOR, actor="admin")
    services.users.remove("admin", actor="root")
    assert [user.user_name for user in services.users.list()] == ["root"]


def test_every_change_is_audited_under_its_actor(services: Services) -> None:
    services.users.add("bob", "first password", Role.SERVICE, actor="admin")
    services.users.set_password("bob", "second password", actor="bob")
    services.users.remove("bob", actor="cli")

    records, _total = services.audit.page(0, 3)

    assert [(r.action, r.actor, r.target) for r in records] == [
        ("user.remove", "cli", "bob"),
        ("user.passwd", "bob", "bob"),
        ("user.add", "admin", "bob"),
    ]
    assert records[2].detail == "role Service"


def test_the_first_start_makes_admin_with_the_configured_password(services: Services) -> None:
    assert [(u.user_name, u.role) for u in services.users.list()] == [("admin", Role.ADMINISTRATOR)]
    assert verify_password(password_hash(services, "admin"), ADMIN_PASSWORD)
    assert not (services.settings.data_dir / "initial-admin-password").exists()


@pytest.fixture
def unstarted(tmp_path: Path, clock: FakeClock) -> Iterator[Services]:
    """Services on a data directory where no user exists yet."""
    services = open_services(Settings(data_dir=tmp_path / "fresh"), clock=clock)
    yield services
    services.close()


def test_without_a_configured_password_one_is_made_and_kept_private(unstarted: Services) -> None:
    data_dir = unstarted.settings.data_dir

    generated = unstarted.users.ensure_initial_admin(data_dir, None)

    assert generated is not None and len(generated) >= 12
    assert verify_password(password_hash(unstarted, "admin"), generated)
    kept = data_dir / "initial-admin-password"
    assert kept.read_text() == generated + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_first_administrator_is_made_only_once(unstarted: Services) -> None:
    data_dir = unstarted.settings.data_dir
    unstarted.users.ensure_initial_admin(data_dir, None)

    assert unstarted.users.ensure_initial_admin(data_dir, None) is None
    assert unstarted.users.ensure_initial_admin(data_dir, "another password") is None
    assert len(unstarted.users.list()) == 1


def test_a_password_file_left_by_a_failed_first_start_is_the_one_used(
    unstarted: Services,
) -> None:
    data_dir = unstarted.settings.data_dir
    kept = data_dir / "initial-admin-password"
    kept.write_text("written-before-the-user-was\n")  # the start stopped before the user

    generated = unstarted.users.ensure_initial_admin(data_dir, None)

    assert generated == "written-before-the-user-was"
    assert verify_password(password_hash(unstarted, "admin"), generated)
    assert kept.read_text() == generated + "\n"


def test_an_empty_password_file_is_replaced(unstarted: Services) -> None:
    data_dir = unstarted.settings.data_dir
    kept = data_dir / "initial-admin-password"
    kept.write_text("")  # as an older release left it when the disk was full

    generated = unstarted.users.ensure_initial_admin(data_dir, None)

    assert generated is not None and len(generated) >= 12
    assert kept.read_text() == generated + "\n"
    assert verify_password(password_hash(unstarted, "admin"), generated)


def test_two_servers_making_the_first_administrator_at_once_make_one(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path / "shared", database_url=database_url)
    both = [open_services(settings, clock=clock) for _ in range(2)]
    try:
        # Each hashes the password between finding no user and adding one: both find none.
        with ThreadPoolExecutor(2) as pool:
            made = list(
                pool.map(lambda s: s.users.ensure_initial_admin(settings.data_dir, None), both)
            )

        password = (settings.data_dir / "initial-admin-password").read_text().strip()
        assert sorted(made, key=str) == sorted([password, None], key=str)
        assert [user.user_name for user in both[0].users.list()] == ["admin"]
        assert verify_password(password_hash(both[0], "admin"), password)
    finally:
        for services in both:
            services.close()
