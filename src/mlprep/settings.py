"""Configuration: `MLPREP_*` environment variables, overridden by `mlprep serve` flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mlprep.events.access import EventsAuth
from mlprep.logs import LogFormat


def default_data_dir() -> Path:
    """The platform's per-user data directory for mlprep."""
    return Path(platformdirs.user_data_dir("mlprep", appauthor=False))


class Settings(BaseSettings):
    """Everything a server needs to start; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="MLPREP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    token_minutes: int = Field(default=5, ge=1, le=24 * 60)
    # The inactivity logout, in minutes (the vendor's 60 and 10); 0 turns it off. Fractions of a
    # minute are allowed (tests use them); the login answer reports whole minutes, rounded up.
    inactive_logout: float = Field(default=60, ge=0, le=7 * 24 * 60)
    logout_countdown: float = Field(default=10, ge=0, le=7 * 24 * 60)
    admin_password: str | None = None
    instrument_id: str = "prep-sim-1"
    serial_number: str = "PREP-SIM-0001"
    time_zone: str = "UTC"
    channels: Literal[1, 2] = 2
    # None: the speed the instrument last ran at (1 on a first start).
    speed: float | None = Field(default=None, ge=0)
    fault_rate: float = Field(default=0.0, ge=0, le=1)
    fault_seed: int | None = None
    fresh_install: bool = False
    # On PostgreSQL: wait for the instrument while another server drives it, then take over.
    standby: bool = False
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: LogFormat = LogFormat.TEXT
    # The instrument serves /NimbusLite/instinctevents and /instincterrors to anyone who connects.
    events_auth: EventsAuth = EventsAuth.NONE
    # Connections (cli/connection_limits.py), in seconds: to send a whole request head, to stay
    # idle between requests, to take anything the server sends (an event stream included).
    header_timeout: float = Field(default=10.0, gt=0, le=3600)
    idle_timeout: float = Field(default=5.0, gt=0, le=3600)
    send_timeout: float = Field(default=10.0, gt=0, le=3600)
    # None: as many as the open-file limit leaves room for (ulimit -n, less some headroom).
    max_connections: int | None = Field(default=None, ge=1)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as UTC or America/Denver"
            ) from error
        return value

    def resolved_database_url(self) -> str:
        """The database URL: the one configured, else SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mlprep.db'}"

    @classmethod
    def with_overrides(cls, **overrides: Any) -> Settings:
        """Settings from the environment, with every override that is not None on top."""
        return cls(**{key: value for key, value in overrides.items() if value is not None})
