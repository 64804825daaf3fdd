"""A CLI login lasts until `mlprep logout`, as a user of a command line expects: `mlprep login`
keeps an access key in the profile (mode 0600; never the password), and every command gets a new
token from it when its token has expired or was refused. `mlprep profiles` says so. Revoking the
key (`mlprep users keys revoke`, or `logout`) ends the login, and the next command says why.

Real `mlprep` processes against a real server whose tokens live one minute; the tokens' expiry
is not waited for: the profile is handed a token that has expired, or one the server revoked.
"""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pexpect
import pytest

from mlprep.client import PrepClient
from tests.e2e.server import MLPREP, ServerProcess, cli_environment, serving
from tests.sessions import ADMIN_PASSWORD, bearer

TIMEOUT = 90


@pytest.fixture(scope="module")
def instrument(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose tokens last a minute (the shortest lifetime it takes)."""
    data_dir = tmp_path_factory.mktemp("cli-login") / "data"
    with serving(
        data_dir, "--speed", "0", "--token-minutes", "1", admin_password=ADMIN_PASSWORD
    ) as server:
        yield server


def mlprep(config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mlprep <args>` as a process of its own, on the profiles in `config_dir`."""
    return subprocess.run(
        [str(MLPREP), *args],
        env=cli_environment({"MLPREP_CONFIG_DIR": str(config_dir), "COLUMNS": "200"}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def log_in(config_dir: Path, server: ServerProcess, *options: str) -> str:
    """`mlprep login` at a terminal, the password typed at its prompt; what it printed."""
    child = pexpect.spawn(
        str(MLPREP),
        ["login", server.base_url, "--user", "admin", *options],
        env=cli_environment({"MLPREP_CONFIG_DIR": str(config_dir)}),
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    child.logfile_read = sys.stdout
    child.expect("Password: ")
    child.sendline(ADMIN_PASSWORD)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return " ".join(str(child.before).split())


def profile(config_dir: Path, name: str = "default") -> dict[str, Any]:
    kept: dict[str, Any] = json.loads((config_dir / "profiles.json").read_text())
    return dict(kept["profiles"][name])


def with_token(config_dir: Path, token: str) -> None:
    """Put `token` in the default profile, as if it were the one last used."""
    kept = json.loads((config_dir / "profiles.json").read_text())
    kept["profiles"]["default"]["token"] = token
    (config_dir / "profiles.json").write_text(json.dumps(kept))


def expired_token() -> str:
    """A token whose `exp` has passed (its signature does not matter: the client, seeing the
    expiry, gets a new token before it would send this one)."""
    claims = {"exp": int(time.time()) - 60, "iat": int(time.time()) - 120, "jti": "0" * 32}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.c2lnbmF0dXJl"


def valid(server: ServerProcess, token: str) -> bool:
    with PrepClient(server.base_url, token=token) as client:
        return client.check_authentication()


def test_a_cli_login_outlives_its_tokens_until_logout(
    tmp_path: Path, instrument: ServerProcess, prep: PrepClient
) -> None:
    config_dir = tmp_path / "config"

    said = log_in(config_dir, instrument)

    kept = profile(config_dir)
    hint = kept["access_key"][-4:]
    assert said == (
        f"Logged in to {instrument.base_url} as admin (profile 'default'), with access key "
        f"…{hint}: the login lasts until `mlprep logout` (each 1-minute token is renewed from it)."
    )
    assert stat.S_IMODE((config_dir / "profiles.json").stat().st_mode) == 0o600
    assert ADMIN_PASSWORD not in (config_dir / "profiles.json").read_text()
    profiles = mlprep(config_dir, "profiles").stdout
    assert f"│ default* │ {instrument.base_url} │ admin │ key …{hint}, valid until revoked │" in (
        profiles
    )

    with_token(config_dir, expired_token())  # its minute is over
    after_expiry = mlprep(config_dir, "procedures", "ls")
    assert after_expiry.returncode == 0, after_expiry.stderr
    renewed = profile(config_dir)["token"]
    assert valid(instrument, renewed)

    httpx.delete(f"{instrument.base_url}/api/v1/authenticate", headers=bearer(renewed))
    after_revocation = mlprep(config_dir, "status")  # the token refused: a new one, unnoticed
    assert after_revocation.returncode == 0, after_revocation.stderr
    assert profile(config_dir)["token"] != renewed

    out = mlprep(config_dir, "logout")
    assert out.stdout == (
        f"Logged out of {instrument.base_url} (profile 'default'); access key …{hint} revoked.\n"
    )
    live = {key.id for key in prep.access_keys("admin")}
    assert kept["access_key"][7:39] not in live  # revoked on the server, not only forgotten
    assert profile(config_dir) == {
        "url": instrument.base_url,
        "token": None,
        "user_name": None,
        "access_key": None,
    }


def test_a_revoked_key_ends_the_login_with_a_clear_message(
    tmp_path: Path, instrument: ServerProcess, prep: PrepClient
) -> None:
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    log_in(laptop, instrument)
    log_in(desk, instrument)
    laptop_key = profile(laptop)["access_key"]
    key_id = re.fullmatch(r"mlprep_([0-9a-f]{32})_.+", laptop_key)[1]  # type: ignore[index]
    listed = mlprep(desk, "users", "keys", "ls").stdout
    assert f"{key_id[:8]} …{laptop_key[-4:]}" in listed and "mlprep CLI on " in listed

    revoked = mlprep(desk, "users", "keys", "revoke", key_id[:8])

    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"Revoked access key {key_id[:8]} …{laptop_key[-4:]} of admin")
    refused = mlprep(laptop, "status")
    assert refused.returncode == 3
    assert " ".join(refused.stderr.split()) == (
        f"error: The server refused the access key of profile 'default' (…{laptop_key[-4:]}): "
        f"it was revoked, or never issued there. Log in again: mlprep login "
        f"{instrument.base_url} --user admin"
    )
    assert "(checked: revoked, log in again)" in mlprep(laptop, "profiles", "--check").stdout
    assert mlprep(desk, "status").returncode == 0  # the other login is untouched
    gone = mlprep(laptop, "logout")
    assert gone.stdout.endswith("; the server had revoked its access key already.\n")


def test_ci_logs_in_with_a_key_an_administrator_issued(
    tmp_path: Path, instrument: ServerProcess, prep: PrepClient
) -> None:
    admin, ci = tmp_path / "admin", tmp_path / "ci"
    log_in(admin, instrument)
    issued = mlprep(admin, "users", "keys", "add", "admin", "--label", "CI nightly")
    key = issued.stdout.strip()
    assert key.startswith("mlprep_") and "shown this once" in issued.stderr

    login = subprocess.run(
        [str(MLPREP), "login", instrument.base_url],
        env=cli_environment({"MLPREP_CONFIG_DIR": str(ci), "MLPREP_ACCESS_KEY": key}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )

    assert login.returncode == 0, login.stderr
    assert f"with access key …{key[-4:]}" in login.stdout
    assert mlprep(ci, "procedures", "ls").returncode == 0
    labels = {k.label for k in prep.access_keys("admin")}
    assert "CI nightly" in labels
