"""The inactivity logout: a login session unused for `inactive` stops working, with a warning
`countdown` before; its last use is kept in memory and written now and then, so that a restart
remembers it. Runs on each database kind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from mlprep.auth.inactivity import SessionActivity
from mlprep.auth.tokens import TokenClaims, TokenIssuer
from mlprep.clock import FakeClock
from mlprep.errors import AuthenticationError
from mlprep.ids import SequentialIds
from mlprep.store.database import create_database_engine, migrate_to_head
from mlprep.store.token_sessions import TokenSessionStore

HOUR = timedelta(hours=1)
TEN_MINUTES = timedelta(minutes=10)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    migrate_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def issuer(clock: FakeClock) -> TokenIssuer:
    return TokenIssuer(b"k" * 32, clock, SequentialIds(), timedelta(hours=8))


def activity(engine: Engine, clock: FakeClock) -> SessionActivity:
    return SessionActivity(TokenSessionStore(engine), clock, HOUR, TEN_MINUTES)


def logged_in(sessions: SessionActivity, issuer: TokenIssuer) -> TokenClaims:
    _token, claims = issuer.issue("a" * 32, "alice", [])
    sessions.started(claims)
    return claims


def test_a_session_used_within_the_hour_stays_and_one_unused_for_an_hour_ends(
    engine: Engine, clock: FakeClock, issuer: TokenIssuer
) -> None:
    sessions = activity(engine, clock)
    claims = logged_in(sessions, issuer)

    clock.advance(HOUR - timedelta(seconds=1))
    sessions.use(claims)
    clock.advance(HOUR - timedelta(seconds=1))
    sessions.check(claims)  # checking is no use
    clock.advance(timedelta(seconds=1))

    with pytest.raises(AuthenticationError, match="not used for 60 minutes"):
        sessions.use(claims)


def test_a_renewed_token_continues_its_session(
    engine: Engine, clock: FakeClock, issuer: TokenIssuer
) -> None:
    sessions = activity(engine, clock)
    first = logged_in(sessions, issuer)
    clock.advance(timedelta(minutes=50))
    _token, renewed = issuer.issue("a" * 32, "alice", [], session_id=first.session)
    sessions.started(renewed)

    clock.advance(timedelta(minutes=50))

    sessions.use(first)  # the session was used 50 minutes ago, by the renewal
    assert renewed.session == first.session == first.jti != renewed.jti


def test_a_warning_comes_once_per_quiet_spell_within_the_countdown(
    engine: Engine, clock: FakeClock, issuer: TokenIssuer
) -> None:
    sessions = activity(engine, clock)
    claims = logged_in(sessions, issuer)

    clock.advance(HOUR - TEN_MINUTES - timedelta(seconds=1))
    assert sessions.due_warnings() == []
    clock.advance(timedelta(seconds=2))
    [warning] = sessions.due_warnings()
    assert sessions.due_warnings() == []

    assert (warning.session_id, warning.user_name) == (claims.session, "alice")
    assert warning.seconds_left == 599
    sessions.use(claims)
    clock.advance(HOUR - timedelta(minutes=5))
    assert len(sessions.due_warnings()) == 1  # a new quiet spell


def test_no_warning_for_a_session_whose_tokens_expire_first(
    engine: Engine, clock: FakeClock
) -> None:
    short = TokenIssuer(b"k" * 32, clock, SequentialIds(), timedelta(minutes=5))
    sessions = activity(engine, clock)
    logged_in(sessions, short)

    clock.advance(timedelta(minutes=55))

    assert sessions.due_warnings() == []


def test_a_restart_remembers_the_last_use_written(
    engine: Engine, clock: FakeClock, issuer: TokenIssuer
) -> None:
    sessions = activity(engine, clock)
    claims = logged_in(sessions, issuer)
    clock.advance(timedelta(minutes=40))
    sessions.use(claims)
    sessions.flush()

    clock.advance(timedelta(minutes=59))
    activity(engine, clock).use(claims)  # a new server: used 59 minutes ago, still active

    clock.advance(HOUR)
    with pytest.raises(AuthenticationError):
        activity(engine, clock).use(claims)


def test_a_logout_forgets_the_session_and_zero_minutes_turn_the_logout_off(
    engine: Engine, clock: FakeClock, issuer: TokenIssuer
) -> None:
    sessions = activity(engine, clock)
    claims = logged_in(sessions, issuer)
    sessions.ended(claims)
    assert TokenSessionStore(engine).get(claims.session) is None

    off = SessionActivity(TokenSessionStore(engine), clock, timedelta(0), TEN_MINUTES)
    kept = logged_in(off, issuer)
    clock.advance(timedelta(days=1))
    off.use(kept)
    assert off.minutes() == (0, 0)
    assert sessions.minutes() == (60, 10)
