"""The singletons of one running server, built from settings: the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.engine.url import make_url

from mlprep.audit import AuditTrail
from mlprep.auth.access_keys import AccessKeys, pepper_from
from mlprep.auth.authentication import Authenticator
from mlprep.auth.inactivity import SessionActivity
from mlprep.auth.lockout import LockoutPolicy
from mlprep.auth.passwords import PasswordChecks
from mlprep.auth.tokens import TokenIssuer, load_or_create_secret
from mlprep.auth.users import UserDirectory
from mlprep.auth.verified_tokens import VerifiedTokens
from mlprep.clock import Clock, SimulatedClock, SystemClock
from mlprep.contract.maintenance import Channel
from mlprep.events.bus import EventBus
from mlprep.ids import IdGenerator, RandomIds
from mlprep.instrument.faults import FaultInjector
from mlprep.instrument.port import InstrumentInfo
from mlprep.instrument.simulator import SimulatedInstrument
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.channel_counters import ChannelCounters
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.error_log import ErrorLog
from mlprep.maintenance.images import ImageLibrary
from mlprep.maintenance.procedures import Procedures
from mlprep.maintenance.protocol_runs import ProtocolRuns
from mlprep.maintenance.run_history import RunHistory
from mlprep.maintenance.simulator_control import SimulatorControl
from mlprep.maintenance.uv_routine import DEFAULT_INTERVAL, UvRoutine
from mlprep.settings import Settings
from mlprep.store.access_keys import AccessKeyStore
from mlprep.store.audit import AuditStore
from mlprep.store.availability import DatabaseAvailability
from mlprep.store.counters import ChannelCounterStore
from mlprep.store.database import create_database_engine, migrate_to_head
from mlprep.store.database_check import DatabaseCheck
from mlprep.store.error_log import ErrorLogStore
from mlprep.store.factory_reset import FactoryResetStore
from mlprep.store.instrument_lock import InstrumentLock
from mlprep.store.instrument_settings import InstrumentSettingsStore
from mlprep.store.login_attempts import LoginAttemptStore
from mlprep.store.procedures import ProcedureStore
from mlprep.store.protocol_runs import ProtocolRunStore
from mlprep.store.runs import RunStore
from mlprep.store.server_lock import NoLock, ServerIdentity, ServerLock, sqlite_lock
from mlprep.store.token_sessions import TokenSessionStore
from mlprep.store.tokens import RevokedTokenStore
from mlprep.store.users import UserStore

if TYPE_CHECKING:
    from mlprep.metrics import InstrumentCollector


@dataclass
class Services:
    """Everything the API layer reaches through dependencies."""

    settings: Settings
    engine: Engine
    clock: SimulatedClock
    ids: IdGenerator
    audit: AuditTrail
    authenticator: Authenticator
    activity: SessionActivity
    users: UserDirectory
    access_keys: AccessKeys
    bus: EventBus
    instrument: SimulatedInstrument
    instrument_settings: InstrumentSettingsStore
    protocol_runs: ProtocolRuns
    engine_runs: RunEngine
    procedures: Procedures
    counters: ChannelCounters
    uv_routine: UvRoutine
    history: RunHistory
    error_log: ErrorLog
    images: ImageLibrary
    simulator: SimulatorControl
    database_check: DatabaseCheck
    # What makes this server the one driving the instrument (`mlprep serve` takes it first).
    server_lock: ServerLock = field(default_factory=NoLock)

    @cached_property
    def metrics(self) -> InstrumentCollector:
        """What `/mlprep/v1/metrics` reports, built at the first scrape (prometheus_client is
        not imported to start)."""
        from mlprep.metrics import InstrumentCollector

        return InstrumentCollector(
            self.settings.serial_number,
            self.procedures,
            self.counters,
            self.history,
            self.engine_runs,
            self.bus,
        )

    def close(self) -> None:
        """Release the database connections and the password-checking threads."""
        self.authenticator.close()
        self.engine_runs.close()
        self.engine.dispose()


def take_server_lock(settings: Settings, identity: ServerIdentity) -> ServerLock:
    """Make this server the one that drives its instrument, before it changes anything: an OS
    lock beside a SQLite database, an advisory lock per instrument on PostgreSQL (waited for
    with `settings.standby`).

    Raises:
        StartupError: another live server holds the lock (the message names it).
        OSError: the lock file cannot be written (errno ENOSPC: the disk is full).
        sqlalchemy.exc.DBAPIError: PostgreSQL cannot be reached.
    """
    url = settings.resolved_database_url()
    file_lock = sqlite_lock(url, settings.data_dir)
    if file_lock is not None:
        file_lock.acquire(identity)
        return file_lock
    if make_url(url).get_backend_name() == "postgresql":
        instrument_lock = InstrumentLock(url, settings.instrument_id, identity)
        try:
            instrument_lock.acquire(settings.standby)
        except BaseException:
            instrument_lock.release()
            raise
        return instrument_lock
    return NoLock()


def open_services(
    settings: Settings,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    server_lock: ServerLock | None = None,
) -> Services:
    """Open the database (migrating it to head) and build the services on it.

    `clock` is the base time source (the system clock by default); the simulated instrument's
    clock runs on top of it with the configured speed. Tokens and login lockouts keep to the base
    clock: advancing the instrument's time (by hand, or by a simulated action at speed 0) must not
    expire every session. `server_lock` is the lock `take_server_lock` took, if any.

    Raises:
        StartupError: the signing secret is damaged.
        OSError: a first-start file cannot be written (errno ENOSPC: the disk is full).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Before the database: a damaged secret stops the start with nothing changed.
    secret = load_or_create_secret(settings.data_dir / "signing-secret")
    ids = ids or RandomIds()
    engine = create_database_engine(settings.resolved_database_url())
    availability = DatabaseAvailability(engine)
    migrate_to_head(engine)
    instrument_id = settings.instrument_id
    instrument_settings = InstrumentSettingsStore(engine, instrument_id, DEFAULT_INTERVAL)
    real_clock = clock or SystemClock()
    clock = _instrument_clock(real_clock, settings, instrument_settings)
    audit = AuditTrail(AuditStore(engine), clock, ids)
    bus = EventBus()
    user_store = UserStore(engine)
    lockout = LockoutPolicy(LoginAttemptStore(engine), real_clock)
    issuer = TokenIssuer(
        secret,
        real_clock,
        ids,
        timedelta(minutes=settings.token_minutes),
    )
    activity = SessionActivity(
        TokenSessionStore(engine),
        real_clock,
        timedelta(minutes=settings.inactive_logout),
        timedelta(minutes=settings.logout_countdown),
    )
    verified = VerifiedTokens()

    def end_sessions(user_id: str, jti: str | None = None) -> None:
        """A logout, a new password, a new role or a removal: the tokens concerned are
        forgotten as verified, and the event streams opened with them end."""
        verified.forget_user(user_id, jti)
        bus.end_sessions(user_id, jti)

    access_keys = AccessKeys(
        AccessKeyStore(engine),
        user_store,
        pepper_from(secret),
        audit,
        clock,
        ids,
        verified.forget_access_key,
    )
    authenticator = Authenticator(
        user_store,
        RevokedTokenStore(engine),
        issuer,
        lockout,
        PasswordChecks(),
        audit,
        real_clock,
        end_sessions,
        activity,
        verified,
        access_keys,
    )
    channels = (Channel.FRONT, Channel.REAR)[: settings.channels]
    instrument = SimulatedInstrument(
        InstrumentInfo(
            serial_number=settings.serial_number,
            channels=channels,
            time_zone=ZoneInfo(settings.time_zone),
            simulated=True,
        ),
        clock,
        FaultInjector(settings.fault_rate, settings.fault_seed),
    )
    catalogue = load_catalogue()
    procedure_store = ProcedureStore(engine, instrument_id)
    run_store = RunStore(engine, instrument_id)
    protocol_run_store = ProtocolRunStore(engine, instrument_id)
    counters = ChannelCounters(ChannelCounterStore(engine, instrument_id), channels, bus, audit)
    run_engine = RunEngine(
        catalogue, procedure_store, run_store, instrument, clock, ids, bus, audit, counters
    )
    uv_routine = UvRoutine(instrument_settings, audit, bus)
    procedures = Procedures(
        catalogue, procedure_store, uv_routine, protocol_run_store, run_engine, clock, audit
    )
    run_engine.when_completed(procedures.executed)
    clock.keep_passed_time_with(run_engine.with_run_changes)
    protocol_runs = ProtocolRuns(protocol_run_store, procedures, counters)
    history = RunHistory(run_store, catalogue, run_engine, clock)
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        ids=ids,
        audit=audit,
        authenticator=authenticator,
        activity=activity,
        users=UserDirectory(user_store, lockout, audit, clock, ids, end_sessions),
        access_keys=access_keys,
        bus=bus,
        instrument=instrument,
        instrument_settings=instrument_settings,
        protocol_runs=protocol_runs,
        engine_runs=run_engine,
        procedures=procedures,
        counters=counters,
        uv_routine=uv_routine,
        history=history,
        error_log=ErrorLog(
            ErrorLogStore(engine, instrument_id), run_engine, catalogue, clock, audit
        ),
        images=ImageLibrary(),
        simulator=SimulatorControl(
            clock,
            instrument,
            run_engine,
            procedures,
            counters,
            protocol_runs,
            FactoryResetStore(engine, instrument_id),
            ids,
            bus,
            audit,
        ),
        database_check=DatabaseCheck(availability),
        server_lock=server_lock or NoLock(),
    )


def _instrument_clock(
    base: Clock, settings: Settings, store: InstrumentSettingsStore
) -> SimulatedClock:
    """The instrument's clock, resuming the offset kept by the last run (time never runs back)
    and its speed, unless the settings name a speed."""
    kept = store.clock_state()
    speed = settings.speed if settings.speed is not None else kept.speed
    clock = SimulatedClock(base, 1.0 if speed is None else speed, kept.offset, store.keep_clock)
    if settings.speed is not None and settings.speed != kept.speed and store.exists():
        store.keep_clock(clock.offset, clock.speed)
    return clock


def prepare_first_start(services: Services) -> str | None:
    """First start: create `admin` and, unless `fresh_install`, load the maintenance catalogue.

    Returns the admin password if one was generated. A first start that fails part-way (a full
    disk) is done again by the next start: the instrument's settings, which mark it as set up,
    are written last, and each step before them can be done twice.

    Raises:
        MlprepError: the configured admin password is refused.
        OSError: the password file cannot be written (errno ENOSPC: the disk is full).
    """
    generated = services.users.ensure_initial_admin(
        services.settings.data_dir, services.settings.admin_password
    )
    if not services.instrument_settings.exists():
        if not services.settings.fresh_install:
            services.procedures.initialize(actor="mlprep")
        services.instrument_settings.set_uv_interval(DEFAULT_INTERVAL)
        services.instrument_settings.keep_clock(services.clock.offset, services.clock.speed)
    return generated
