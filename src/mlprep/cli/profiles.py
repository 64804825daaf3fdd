"""Named profiles: which server the commands talk to, the access key `mlprep login` was issued
there and the token last exchanged for it, kept in the user's config directory (`profiles.json`,
mode 0600: it holds credentials). Passwords are never kept."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import platformdirs

DEFAULT_PROFILE = "default"
DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class Profile:
    """A server and, once logged in, whose login it is: its access key (which lasts until it is
    revoked, by `mlprep logout` or an administrator) and the token in use."""

    url: str = DEFAULT_URL
    token: str | None = None
    user_name: str | None = None
    access_key: str | None = None

    @property
    def logged_in(self) -> bool:
        """Whether the profile holds a credential (whether the server still takes it is the
        server's to say)."""
        return self.token is not None or self.access_key is not None


def config_dir() -> Path:
    """`MLPREP_CONFIG_DIR`, else the platform's user config directory for mlprep."""
    configured = os.environ.get("MLPREP_CONFIG_DIR")
    return Path(configured) if configured else Path(platformdirs.user_config_dir("mlprep"))


class Profiles:
    """Reads and writes `profiles.json`; every write leaves it readable by its owner only."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or config_dir()) / "profiles.json"

    def all(self) -> dict[str, Profile]:
        """Every profile by name (none before the first login)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise ValueError(
                f"{self.path} is not valid JSON ({error}); delete it and log in again."
            ) from error
        known = {f.name for f in fields(Profile)}
        return {
            name: Profile(**{key: value for key, value in kept.items() if key in known})
            for name, kept in raw.get("profiles", {}).items()
        }

    def get(self, name: str) -> Profile:
        """The profile `name`, or a fresh one on the default URL."""
        return self.all().get(name, Profile())

    def save(self, name: str, profile: Profile) -> None:
        """Store `profile` as `name`."""
        profiles = self.all()
        profiles[name] = profile
        self._write(profiles)

    def remove(self, name: str) -> bool:
        """Forget `name`; False if there was no such profile."""
        profiles = self.all()
        if profiles.pop(name, None) is None:
            return False
        self._write(profiles)
        return True

    def _write(self, profiles: dict[str, Profile]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"profiles": {n: asdict(p) for n, p in profiles.items()}}, indent=2)
        temporary = self.path.with_suffix(".tmp")
        # Created 0600 before anything is written to it, then moved over the old file at once.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)
