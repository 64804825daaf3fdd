"""The singletons of one running server, built from settings: the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from mlprep.audit import AuditTrail
from mlprep.auth.authentication import Authenticator
from mlprep.auth.lockout import LockoutPolicy
from mlprep.auth.tokens import TokenIssuer, load_or_create_secret
from mlprep.auth.users import UserDirectory
from mlprep.clock import Clock, SimulatedClock
from mlprep.ids import IdGenerator, RandomIds
from mlprep.settings import Settings
from mlprep.store.audit import AuditStore
from mlprep.store.database import create_database_engine, migrate_to_head
from mlprep.store.login_attempts import LoginAttemptStore
from mlprep.store.tokens import RevokedTokenStore
from mlprep.store.users import UserStore


@dataclass
class Services:
    """Everything the API layer reaches through dependencies."""

    settings: Settings
    engine: Engine
    clock: Clock
    ids: IdGenerator
    audit: AuditTrail
    authenticator: Authenticator
    users: UserDirectory

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def open_services(
    settings: Settings, clock: Clock | None = None, ids: IdGenerator | None = None
) -> Services:
    """Open the database (migrating it to head) and build the services on it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = clock or SimulatedClock(speed=settings.speed)
    ids = ids or RandomIds()
    engine = create_database_engine(settings.resolved_database_url())
    migrate_to_head(engine)
    audit = AuditTrail(AuditStore(engine), clock, ids)
    user_store = UserStore(engine)
    issuer = TokenIssuer(
        load_or_create_secret(settings.data_dir / "signing-secret"),
        clock,
        ids,
        timedelta(minutes=settings.token_minutes),
    )
    authenticator = Authenticator(
        user_store,
        RevokedTokenStore(engine),
        issuer,
        LockoutPolicy(LoginAttemptStore(engine), clock),
        audit,
        clock,
    )
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        ids=ids,
        audit=audit,
        authenticator=authenticator,
        users=UserDirectory(user_store, audit, clock, ids),
    )


def prepare_first_start(services: Services) -> str | None:
    """Create the `admin` user on first start; returns its password if one was generated."""
    return services.users.ensure_initial_admin(
        services.settings.data_dir, services.settings.admin_password
    )
