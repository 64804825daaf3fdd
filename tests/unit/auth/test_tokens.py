"""Tokens are HS256 JWTs with the vendor's claims; anything else, or anything late, is refused."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlprep.auth.tokens import TokenIssuer, load_or_create_secret
from mlprep.clock import FakeClock
from mlprep.errors import AuthenticationError, StartupError
from mlprep.ids import SequentialIds
from tests.forgery import claims_of, forge

SECRET = bytes(range(32))
ISSUED = datetime(2026, 4, 29, 14, 13, 24, tzinfo=UTC)
LIFETIME = timedelta(minutes=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ISSUED + timedelta(microseconds=275456))


@pytest.fixture
def issuer(clock: FakeClock) -> TokenIssuer:
    return TokenIssuer(SECRET, clock, SequentialIds(), LIFETIME)


def test_a_token_carries_the_vendors_claims(issuer: TokenIssuer) -> None:
    token, claims = issuer.issue("a" * 32, "alice", ["ViewMaintenance", "ExecuteMaintenance"])

    assert claims_of(token) == {
        "nameid": "a" * 32,
        "given_name": "alice",
        "role": ["ViewMaintenance", "ExecuteMaintenance"],
        "iat": int(ISSUED.timestamp()),
        "exp": int((ISSUED + LIFETIME).timestamp()),
        "jti": f"{1:032x}",
        "gen": 0,  # mlprep's own: the user's token generation (a new password moves it on)
        "sid": f"{1:032x}",  # the login session: a login's token starts one
    }
    assert issuer.verify(token) == claims
    assert claims.expires_at == ISSUED + LIFETIME


def test_each_token_has_its_own_id(issuer: TokenIssuer) -> None:
    first = issuer.issue("a" * 32, "alice", [])[1]
    second = issuer.issue("a" * 32, "alice", [])[1]

    assert first.jti != second.jti


def test_a_token_is_valid_until_the_instant_it_expires(
    issuer: TokenIssuer, clock: FakeClock
) -> None:
    token, claims = issuer.issue("a" * 32, "alice", [])

    clock.set(claims.expires_at - timedelta(microseconds=1))
    assert issuer.verify(token) == claims

    clock.set(claims.expires_at)
    with pytest.raises(AuthenticationError, match="expired"):
        issuer.verify(token)


def test_expiry_follows_the_injected_clock_not_the_machines(
    issuer: TokenIssuer, clock: FakeClock
) -> None:
    clock.set(datetime(2001, 1, 1, tzinfo=UTC))
    token, _claims = issuer.issue("a" * 32, "alice", [])

    assert issuer.verify(token).user_name == "alice"


@pytest.mark.parametrize("algorithm", ["none", "None", "HS384", "HS512", "RS256", "ES256"])
def test_any_algorithm_but_hs256_is_refused(issuer: TokenIssuer, algorithm: str) -> None:
    token, _claims = issuer.issue("a" * 32, "alice", ["ViewAudit"])

    forged = forge(claims_of(token), algorithm, SECRET)

    with pytest.raises(AuthenticationError, match="malformed or not validly signed"):
        issuer.verify(forged)


def test_a_token_signed_with_another_secret_is_refused(issuer: TokenIssuer) -> None:
    token, _claims = issuer.issue("a" * 32, "alice", [])

    forged = forge(claims_of(token), "HS256", b"another secret, also 32 bytes ..")

    with pytest.raises(AuthenticationError, match="not validly signed"):
        issuer.verify(forged)


@pytest.mark.parametrize(
    "garbage", ["", "token", "a.b.c", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9..", "\u00e9.\u00e9.\u00e9"]
)
def test_garbage_is_refused(issuer: TokenIssuer, garbage: str) -> None:
    with pytest.raises(AuthenticationError):
        issuer.verify(garbage)


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "nameid"])
def test_a_well_signed_token_without_a_required_claim_is_refused(
    issuer: TokenIssuer, missing: str
) -> None:
    token, _claims = issuer.issue("a" * 32, "alice", [])
    claims = claims_of(token)
    del claims[missing]

    with pytest.raises(AuthenticationError):
        issuer.verify(forge(claims, "HS256", SECRET))


def test_a_well_signed_token_with_nonsense_claims_is_refused(issuer: TokenIssuer) -> None:
    token, _claims = issuer.issue("a" * 32, "alice", [])
    claims = claims_of(token) | {"exp": "tomorrow"}

    with pytest.raises(AuthenticationError):
        issuer.verify(forge(claims, "HS256", SECRET))


def test_the_signing_secret_is_made_once_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "signing-secret"

    secret = load_or_create_secret(path)

    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == secret


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("", "is empty"),
        ("  \n", "is empty"),
        ("not hex at all\n", "is damaged (not 64 hexadecimal digits)"),
        ("ab" * 16 + "\n", "is damaged (not 64 hexadecimal digits)"),  # 16 bytes: too short
    ],
)
def test_an_empty_or_damaged_secret_is_refused_naming_the_file(
    tmp_path: Path, content: str, what: str
) -> None:
    path = tmp_path / "signing-secret"
    path.write_text(content)

    with pytest.raises(StartupError) as refused:
        load_or_create_secret(path)

    assert refused.value.detail == (
        f"the signing secret {path} {what}; delete it and start again to make a new one "
        "(everyone signed in will have to log in again)"
    )
    assert path.read_text() == content  # left for the operator to look at


def test_a_secret_another_process_wrote_first_is_the_one_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signing-secret"
    theirs = "cd" * 32 + "\n"
    real_exists = Path.exists

    def made_meanwhile(self: Path) -> bool:
        # It was not there when looked at; another process put it there before ours landed.
        if self == path and not real_exists(path):
            path.write_text(theirs)
            return False
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", made_meanwhile)

    assert load_or_create_secret(path) == bytes.fromhex(theirs)
    assert path.read_text() == theirs
